/**
 * Bad input to SageMaker Runtime and bad payloads for the served model.
 * Errors from the model come back as AWS does: ModelError (424) with the
 * container's status and message.
 */
import * as fs from "node:fs";
import { InvokeEndpointCommand, type InvokeEndpointCommandInput } from "@aws-sdk/client-sagemaker-runtime";
import { sendSigned } from "../raw-http";
import { rawOutcome, sdkOutcome, type Outcome } from "../outcome";
import type { BadInputCase, CaseContext } from "./case";

function invoke(ctx: CaseContext, input: Partial<InvokeEndpointCommandInput>): Promise<Outcome> {
  const body = input.Body ?? fs.readFileSync(ctx.data.testImages[0]);
  return sdkOutcome(ctx.clients.runtime.send(new InvokeEndpointCommand({ EndpointName: ctx.endpoint, ContentType: "image/jpeg", ...input, Body: body })));
}

const modelError = (original: number, words: RegExp) => ({
  status: 424,
  type: "ModelError",
  message: new RegExp(`^Received client error \\(${original}\\) from primary with message ".*${words.source}.*"\\. See https://`, "s"),
});

export const runtimeCases: BadInputCase[] = [
  {
    id: "runtime.endpoint-missing",
    area: "runtime",
    sends: "InvokeEndpoint of an endpoint that does not exist",
    via: "sdk",
    expect: { status: 400, type: "ValidationError", message: /^Endpoint no-such-endpoint of account \d{12} not found\.$/ },
    run: (ctx) => invoke(ctx, { EndpointName: "no-such-endpoint" }),
  },
  {
    id: "runtime.endpoint-name-pattern",
    area: "runtime",
    sends: 'InvokeEndpoint of "bad_name" (underscore; raw HTTP, the SDK would encode it)',
    via: "raw-http",
    expect: {
      status: 400,
      type: "ValidationError",
      message: "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
    },
    run: async (ctx) =>
      rawOutcome(await sendSigned(ctx.server, { method: "POST", path: "/endpoints/bad_name/invocations", headers: { "content-type": "image/jpeg" }, body: "x" }, { service: "sagemaker" })),
  },
  {
    id: "runtime.unknown-variant",
    area: "runtime",
    sends: "InvokeEndpoint with TargetVariant naming no variant of the endpoint",
    via: "sdk",
    expect: { status: 400, type: "ValidationError", message: /NoSuchVariant/ },
    run: (ctx) => invoke(ctx, { TargetVariant: "NoSuchVariant" }),
  },
  {
    id: "runtime.content-type-length",
    area: "runtime",
    sends: "InvokeEndpoint with a 1025-character ContentType",
    via: "sdk",
    expect: { status: 400, type: "ValidationError", message: /at 'contentType' failed to satisfy constraint: Member must have length less than or equal to 1024/ },
    run: (ctx) => invoke(ctx, { ContentType: `image/${"x".repeat(1019)}` }),
  },
  {
    id: "runtime.target-model",
    area: "runtime",
    sends: "InvokeEndpoint with TargetModel (multi-model endpoints are not served locally)",
    via: "sdk",
    expect: { status: 400, type: "ValidationError", message: /target-model/ },
    run: (ctx) => invoke(ctx, { TargetModel: "other.tar.gz" }),
  },
  {
    id: "payload.text-content-type",
    area: "payload",
    sends: "InvokeEndpoint with ContentType text/plain and a text body",
    via: "sdk",
    expect: modelError(400, /Invalid content type/),
    run: (ctx) => invoke(ctx, { ContentType: "text/plain", Body: Buffer.from("hello, model") }),
  },
  {
    id: "payload.not-an-image",
    area: "payload",
    sends: "InvokeEndpoint with ContentType image/jpeg and bytes that are no image",
    via: "sdk",
    expect: modelError(400, /image/),
    run: (ctx) => invoke(ctx, { Body: Buffer.from("GIF89a? no, just text pretending to be an image") }),
  },
  {
    id: "payload.truncated-jpeg",
    area: "payload",
    sends: "InvokeEndpoint with the first 200 bytes of a JPEG",
    via: "sdk",
    expect: modelError(400, /image/),
    run: (ctx) => invoke(ctx, { Body: fs.readFileSync(ctx.data.testImages[0]).subarray(0, 200) }),
  },
  {
    id: "payload.empty",
    area: "payload",
    sends: "InvokeEndpoint with an empty body",
    via: "sdk",
    expect: modelError(400, /empty|image/),
    run: (ctx) => invoke(ctx, { Body: new Uint8Array(0) }),
  },
  {
    id: "payload.unsupported-accept",
    area: "payload",
    sends: "InvokeEndpoint with Accept text/csv",
    via: "sdk",
    expect: modelError(406, /text\/csv/),
    run: (ctx) => invoke(ctx, { Accept: "text/csv" }),
  },
  {
    id: "payload.oversize",
    area: "payload",
    sends: "InvokeEndpoint with a 6291457-byte body (one byte over 6 MB)",
    via: "sdk",
    expect: { status: 413, type: "ValidationError", message: /6291456-byte \(6 MB\) limit/ },
    run: (ctx) => invoke(ctx, { Body: Buffer.alloc(6291457, 0xff) }),
  },
];
