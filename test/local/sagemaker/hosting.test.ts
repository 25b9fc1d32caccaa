import * as path from "node:path";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, errorOf, IMAGES, processesUnder, ROLE, startHarness, until, type Harness } from "./harness";

let h: Harness;
let modelUrl: string;
beforeAll(async () => {
  h = await startHarness({ settings: { HEALTH_TIMEOUT: 4 } });
  modelUrl = await h.putModel("models/echo/model.tar.gz", { "model.json": JSON.stringify({ hyperparameters: { kind: "hand-made" } }) });
});
afterAll(async () => {
  await h?.stop();
});

const arn = (type: string, name: string) => `arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:${type}/${name.toLowerCase()}`;
const waitOpts = () => ({ client: h.sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 });

async function createModel(name: string, image: string = IMAGES.echo, environment?: Record<string, string>): Promise<void> {
  await h.sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: image, ModelDataUrl: modelUrl, Environment: environment } }));
}

async function createEndpoint(name: string, model: string): Promise<void> {
  await h.sm.send(
    new CreateEndpointConfigCommand({ EndpointConfigName: `${name}-config`, ProductionVariants: [{ VariantName: "AllTraffic", ModelName: model, InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge" }] }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
}

describe("models", () => {
  it("creates, describes, lists and deletes a model", async () => {
    const created = await h.sm.send(
      new CreateModelCommand({ ModelName: "DEMO-Model-1", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: modelUrl, Environment: { A: "1" } } }),
    );
    expect(created.ModelArn).toBe(arn("model", "DEMO-Model-1"));
    const d = await h.sm.send(new DescribeModelCommand({ ModelName: "demo-model-1" }));
    expect(d).toMatchObject({
      ModelName: "DEMO-Model-1",
      ModelArn: arn("model", "DEMO-Model-1"),
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: modelUrl, Environment: { A: "1" }, Mode: "SingleModel" },
      EnableNetworkIsolation: false,
    });
    expect(d.CreationTime).toBeInstanceOf(Date);
    const listed = await h.sm.send(new ListModelsCommand({ NameContains: "model-1" }));
    expect(listed.Models!.map((m) => m.ModelName)).toEqual(["DEMO-Model-1"]);

    const dup = await errorOf(h.sm.send(new CreateModelCommand({ ModelName: "demo-model-1", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo } })));
    expect(dup.name).toBe("ValidationException");
    expect(dup.message).toBe(`Cannot create already existing model "${arn("model", "demo-model-1")}".`);

    await h.sm.send(new DeleteModelCommand({ ModelName: "DEMO-Model-1" }));
    for (const call of [h.sm.send(new DescribeModelCommand({ ModelName: "DEMO-Model-1" })), h.sm.send(new DeleteModelCommand({ ModelName: "DEMO-Model-1" }))]) {
      const err = await errorOf(call);
      expect(err.name).toBe("ValidationException");
      expect(err.message).toBe(`Could not find model "${arn("model", "DEMO-Model-1")}".`);
    }
  });

  it("refuses model data that is not there, in SageMaker's words", async () => {
    const err = await errorOf(
      h.sm.send(new CreateModelCommand({ ModelName: "no-data", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: `s3://${BUCKET}/missing/model.tar.gz` } })),
    );
    expect(err.name).toBe("ValidationException");
    expect(err.message).toBe(
      `Could not access model data at s3://${BUCKET}/missing/model.tar.gz. Please ensure that the role "${ROLE}" exists and that its trust relationship policy allows the action "sts:AssumeRole" for the service principal "sagemaker.amazonaws.com". Also ensure that the role has "s3:GetObject" permissions and that the object is located in ${h.srv.region}.`,
    );
  });

  it("refuses models without a container, with an unknown image, or with several containers", async () => {
    const none = await errorOf(h.sm.send(new CreateModelCommand({ ModelName: "no-container", ExecutionRoleArn: ROLE })));
    expect(none.message).toMatch(/^Either PrimaryContainer or Containers must be given/);
    const unknown = await errorOf(h.sm.send(new CreateModelCommand({ ModelName: "unknown-image", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "nobody/knows:1" } })));
    expect(unknown.message).toContain('The image "nobody/knows:1" has no local implementation');
    const pipeline = await errorOf(
      h.sm.send(new CreateModelCommand({ ModelName: "pipeline", ExecutionRoleArn: ROLE, Containers: [{ Image: IMAGES.echo }, { Image: IMAGES.echo }] })),
    );
    expect(pipeline.message).toMatch(/does not support Containers with 2 containers/);
  });
});

describe("endpoint configurations", () => {
  it("creates, describes, lists and deletes one; refuses duplicates and missing models", async () => {
    await createModel("config-model");
    const created = await h.sm.send(
      new CreateEndpointConfigCommand({ EndpointConfigName: "DEMO-Config", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "config-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge" }] }),
    );
    expect(created.EndpointConfigArn).toBe(arn("endpoint-config", "DEMO-Config"));
    const d = await h.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "DEMO-Config" }));
    expect(d.ProductionVariants).toEqual([{ VariantName: "AllTraffic", ModelName: "config-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge", InitialVariantWeight: 1 }]);
    expect((await h.sm.send(new ListEndpointConfigsCommand({ NameContains: "demo-config" }))).EndpointConfigs!.map((c) => c.EndpointConfigName)).toEqual(["DEMO-Config"]);

    const dup = await errorOf(
      h.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "demo-config", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "config-model" }] })),
    );
    expect(dup.message).toBe(`Cannot create already existing endpoint configuration "${arn("endpoint-config", "demo-config")}".`);
    const noModel = await errorOf(h.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c2", ProductionVariants: [{ VariantName: "v", ModelName: "ghost" }] })));
    expect(noModel.message).toBe(`Could not find model "${arn("model", "ghost")}".`);

    await h.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "DEMO-Config" }));
    const gone = await errorOf(h.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "DEMO-Config" })));
    expect(gone.name).toBe("ValidationException");
    expect(gone.message).toBe(`Could not find endpoint configuration "${arn("endpoint-config", "DEMO-Config")}".`);
  });
});

describe("endpoints", () => {
  it("goes Creating → InService, serves, and is deleted (Deleting → gone) with its processes", async () => {
    await createModel("ep-model", IMAGES.echo, { ECHO_ENV: "model-env" });
    await createEndpoint("DEMO-Endpoint", "ep-model");
    const first = await h.sm.send(new DescribeEndpointCommand({ EndpointName: "DEMO-Endpoint" }));
    expect(first.EndpointArn).toBe(arn("endpoint", "DEMO-Endpoint"));
    expect(first.EndpointStatus).toBe("Creating");
    // The endpoint keeps its own copy of the model.
    await h.sm.send(new DeleteModelCommand({ ModelName: "ep-model" }));

    const waited = await waitUntilEndpointInService(waitOpts(), { EndpointName: "DEMO-Endpoint" });
    expect(waited.state).toBe("SUCCESS");
    const d = await h.sm.send(new DescribeEndpointCommand({ EndpointName: "demo-endpoint" }));
    expect(d).toMatchObject({
      EndpointName: "DEMO-Endpoint",
      EndpointConfigName: "DEMO-Endpoint-config",
      EndpointStatus: "InService",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          CurrentWeight: 1,
          DesiredWeight: 1,
          CurrentInstanceCount: 1,
          DesiredInstanceCount: 1,
          DeployedImages: [{ SpecifiedImage: IMAGES.echo, ResolvedImage: expect.stringMatching(/^local\/echo@sha256:[0-9a-f]{64}$/) }],
        },
      ],
    });
    expect(d.LastModifiedTime!.getTime()).toBeGreaterThanOrEqual(d.CreationTime!.getTime());

    const out = await h.rt.send(new InvokeEndpointCommand({ EndpointName: "DEMO-Endpoint", Body: Buffer.from("ping"), ContentType: "text/plain" }));
    const answer = JSON.parse(out.Body!.transformToString());
    expect(answer).toMatchObject({ body: "ping", hyperparameters: { kind: "hand-made" }, modelEnv: "model-env", batch: null });

    const listed = await h.sm.send(new ListEndpointsCommand({ StatusEquals: "InService", NameContains: "demo-endpoint" }));
    expect(listed.Endpoints!.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([["DEMO-Endpoint", "InService"]]);
    const dup = await errorOf(h.sm.send(new CreateEndpointCommand({ EndpointName: "demo-endpoint", EndpointConfigName: "DEMO-Endpoint-config" })));
    expect(dup.message).toBe(`Cannot create already existing endpoint "${arn("endpoint", "demo-endpoint")}".`);

    const root = path.join(h.dataDir, "sagemaker", "work", "endpoints", "demo-endpoint");
    expect(processesUnder(root).length).toBeGreaterThan(0);
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: "DEMO-Endpoint" }));
    const deleting = await errorOf(
      (async () => {
        const s = (await h.sm.send(new DescribeEndpointCommand({ EndpointName: "DEMO-Endpoint" }))).EndpointStatus;
        expect(s).toBe("Deleting");
        await waitUntilEndpointDeleted(waitOpts(), { EndpointName: "DEMO-Endpoint" });
        await h.sm.send(new DescribeEndpointCommand({ EndpointName: "DEMO-Endpoint" }));
      })(),
    );
    expect(deleting.name).toBe("ValidationException");
    expect(deleting.message).toBe(`Could not find endpoint "${arn("endpoint", "DEMO-Endpoint")}".`);
    expect(processesUnder(root)).toEqual([]);
    const again = await errorOf(h.sm.send(new DeleteEndpointCommand({ EndpointName: "DEMO-Endpoint" })));
    expect(again.message).toBe(`Could not find endpoint "${arn("endpoint", "DEMO-Endpoint")}".`);
  });

  it("refuses an endpoint whose configuration is missing", async () => {
    const err = await errorOf(h.sm.send(new CreateEndpointCommand({ EndpointName: "orphan", EndpointConfigName: "no-such-config" })));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toBe(`Could not find endpoint configuration "${arn("endpoint-config", "no-such-config")}".`);
  });

  it.each([
    ["exits at start", { FAIL_SERVE: "exit" }, /did not pass the ping health check: the serve process exited with code 4 before it answered GET \/ping/],
    ["never answers /ping with 200", {}, /did not pass the ping health check: GET \/ping did not answer 200 within 4 s/],
  ])("fails an endpoint whose container %s, with a FailureReason, and leaves no process", async (what, env, reason) => {
    const name = `failing-${what.split(" ")[0]}`;
    await createModel(`${name}-model`, IMAGES.fail, env);
    await createEndpoint(name, `${name}-model`);
    const err = await errorOf(waitUntilEndpointInService(waitOpts(), { EndpointName: name }));
    expect(err.message).toContain('"state":"FAILURE"');
    const d = await h.sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(d.EndpointStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(reason);
    expect(d.FailureReason).toMatch(/^The primary container for production variant AllTraffic /);
    expect(processesUnder(path.join(h.dataDir, "sagemaker", "work", "endpoints", name))).toEqual([]);
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: name }));
    await waitUntilEndpointDeleted(waitOpts(), { EndpointName: name });
  });

  it("keeps endpoints independent: deleting one does not disturb another", async () => {
    await createModel("pair-model");
    await createEndpoint("pair-a", "pair-model");
    await createEndpoint("pair-b", "pair-model");
    await waitUntilEndpointInService(waitOpts(), { EndpointName: "pair-a" });
    await waitUntilEndpointInService(waitOpts(), { EndpointName: "pair-b" });
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: "pair-a" }));
    await waitUntilEndpointDeleted(waitOpts(), { EndpointName: "pair-a" });
    const out = await until(async () => h.rt.send(new InvokeEndpointCommand({ EndpointName: "pair-b", Body: Buffer.from("still here") })));
    expect(JSON.parse(out.Body!.transformToString()).body).toBe("still here");
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: "pair-b" }));
    await waitUntilEndpointDeleted(waitOpts(), { EndpointName: "pair-b" });
  });
});
