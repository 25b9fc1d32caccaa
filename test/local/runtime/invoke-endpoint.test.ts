import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, waitUntilEndpointInService } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, ModelError, ValidationError } from "@aws-sdk/client-sagemaker-runtime";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, IMAGES, ROLE, startHarness, until, type Harness } from "../sagemaker/harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ settings: { INVOCATION_TIMEOUT: 2 } });
  const modelUrl = await h.putModel("models/rt/model.tar.gz", { "model.json": JSON.stringify({ hyperparameters: { from: "runtime-test" } }) });
  await h.sm.send(new CreateModelCommand({ ModelName: "rt-model", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: modelUrl } }));
  await h.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: "rt-config",
      ProductionVariants: [
        { VariantName: "Blue", ModelName: "rt-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge", InitialVariantWeight: 1 },
        { VariantName: "Green", ModelName: "rt-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge", InitialVariantWeight: 0 },
      ],
    }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: "rt-endpoint", EndpointConfigName: "rt-config" }));
  await waitUntilEndpointInService({ client: h.sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 }, { EndpointName: "rt-endpoint" });
});
afterAll(async () => {
  await h?.stop();
});

const invoke = (body: string | Buffer, extra: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]> = {}) =>
  h.rt.send(new InvokeEndpointCommand({ EndpointName: "rt-endpoint", Body: typeof body === "string" ? Buffer.from(body) : body, ...extra }));

const seeLogs = () =>
  `See https://${h.srv.region}.console.aws.amazon.com/cloudwatch/home?region=${h.srv.region}#logEventViewer:group=/aws/sagemaker/Endpoints/rt-endpoint in account ${h.srv.accountId} for more information.`;

describe("InvokeEndpoint", () => {
  it("passes the body, Content-Type, Accept and custom attributes through, both ways", async () => {
    const out = await invoke("hello model", { ContentType: "application/x-image", Accept: "application/jsonlines", CustomAttributes: "trace=1" });
    expect(out.ContentType).toBe("application/jsonlines");
    expect(out.CustomAttributes).toBe("echoed:trace=1");
    expect(out.InvokedProductionVariant).toBe("Blue");
    expect(JSON.parse(out.Body!.transformToString())).toMatchObject({
      body: "hello model",
      contentType: "application/x-image",
      accept: "application/jsonlines",
      customAttributes: "trace=1",
      hyperparameters: { from: "runtime-test" },
    });
  });

  it("routes by weight, or to the variant named by TargetVariant", async () => {
    for (let i = 0; i < 3; i++) expect((await invoke("x")).InvokedProductionVariant).toBe("Blue");
    expect((await invoke("x", { TargetVariant: "Green" })).InvokedProductionVariant).toBe("Green");
    const err = await errorOf(invoke("x", { TargetVariant: "Red" }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe("Variant Red not found on endpoint rt-endpoint; its variants are Blue, Green.");
  });

  it("accepts a body of exactly 6 MB and refuses one byte more with HTTP 413", async () => {
    const max = Buffer.alloc(6291456, 0x61);
    const ok = await invoke(max, { ContentType: "application/octet-stream" });
    expect(JSON.parse(ok.Body!.transformToString()).bytes).toBe(6291456);
    const err = await errorOf(invoke(Buffer.alloc(6291457, 0x61)));
    expect(err.$metadata?.httpStatusCode).toBe(413);
    expect(err.name).toBe("ValidationError");
    expect(err.message).toMatch(/^Request body of 6291457 bytes is larger than the 6291456-byte \(6 MB\) limit of InvokeEndpoint/);
  });

  it.each([
    ["client", "FAIL400", 400, "bad input: FAIL400"],
    ["server", "FAIL500", 500, "model crashed: FAIL500"],
  ])("turns a %s error of the model into ModelError 424 with the original status and message", async (kind, body, status, original) => {
    const err = await errorOf(invoke(body));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.$metadata?.httpStatusCode).toBe(424);
    expect(err.message).toBe(`Received ${kind} error (${status}) from primary with message "${original}". ${seeLogs()}`);
    const modelError = err as unknown as ModelError;
    expect(modelError.OriginalStatusCode).toBe(status);
    expect(modelError.OriginalMessage).toBe(original);
    expect(modelError.LogStreamArn).toBe(`arn:aws:logs:${h.srv.region}:${h.srv.accountId}:log-group:/aws/sagemaker/Endpoints/rt-endpoint`);
  });

  it("answers a model that does not respond in time with a ModelError", async () => {
    const err = await errorOf(invoke("SLEEP"));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toContain("Received server error (0) from primary with message \"Your invocation timed out while waiting for a response from container primary.");
    expect((err as unknown as ModelError).OriginalStatusCode).toBe(0);
  });

  it.each([
    ["a missing endpoint", "no-such-endpoint", "Endpoint no-such-endpoint of account 000000000000 not found."],
    ["a name that breaks the pattern", "bad_name", "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"],
  ])("refuses %s with ValidationError", async (_what, name, message) => {
    const err = await errorOf(h.rt.send(new InvokeEndpointCommand({ EndpointName: name, Body: Buffer.from("x") })));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toBe(message.replace("000000000000", h.srv.accountId));
  });

  it("restarts a container that dies in service, as SageMaker replaces an unhealthy instance", async () => {
    const err = await errorOf(invoke("CRASH", { TargetVariant: "Green" }));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toContain("Received server error (0) from primary");
    const out = await until(async () => {
      try {
        return await invoke("back again", { TargetVariant: "Green" });
      } catch (e) {
        if ((e as Error).name === "ServiceUnavailable" || (e as Error).name === "ModelError") return undefined;
        throw e;
      }
    });
    expect(JSON.parse(out.Body!.transformToString()).body).toBe("back again");
    const logged = await h.logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/sagemaker/Endpoints/rt-endpoint", logStreamNamePrefix: "Green/", filterPattern: '"restarting it"' }));
    expect(logged.events!.map((e) => e.message)).toEqual(["The container exited with code 3; restarting it."]);
  });
});
