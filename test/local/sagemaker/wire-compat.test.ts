/**
 * The same bytes on the wire as AWS: boto3 (Debian's python3-boto3) and the
 * AWS CLI (Debian's awscli) run the tutorial's flow against the local SageMaker.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { DescribeEndpointCommand, waitUntilEndpointDeleted } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, errorOf, IMAGES, ROLE, startHarness, type Harness } from "./harness";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const AWS = "/usr/bin/aws";

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness();
  const empty = path.join(h.dataDir, "no-aws-config");
  env = {
    PATH: process.env.PATH,
    HOME: h.dataDir,
    AWS_ACCESS_KEY_ID: h.srv.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: h.srv.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: h.srv.region,
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    LOCAL_ENDPOINT: h.srv.endpoint,
    LOCAL_REGION: h.srv.region,
    ECHO_IMAGE: IMAGES.echo,
    ROLE_ARN: ROLE,
    BUCKET,
  };
});
afterAll(async () => {
  await h?.stop();
});

const aws = async (...args: string[]): Promise<string> => (await run(AWS, ["--endpoint-url", h.srv.endpoint, "--output", "json", ...args], { env })).stdout;

describe("wire compatibility", () => {
  it("boto3 runs the tutorial's flow: training, waiters, hosting, runtime errors, logs", async () => {
    const { stdout } = await run(PYTHON, [path.resolve(__dirname, "../../python/sagemaker_boto3_flow.py")], { env, timeout: 120_000 });
    const summary = JSON.parse(stdout);
    expect(summary.status).toBe("Completed");
    expect(summary.secondary).toEqual(["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    expect(summary.metrics).toEqual({ "train:accuracy": 0.6, "validation:accuracy": 0.5 });
    expect(summary.listed).toEqual(["boto3-job"]);
    expect(summary.missing_job).toEqual(["ValidationException", "Requested resource not found."]);
    expect(summary.endpoint_arn).toBe(`arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:endpoint/boto3-ep`);
    expect(summary.invoke).toMatchObject({ content_type: "application/json", variant: "AllTraffic", custom: "echoed:c=1", body: { contentType: "application/x-image", bytes: 9 } });
    expect(summary.model_error).toEqual(["ModelError", 400, "bad input: FAIL400"]);
    expect(summary.missing_endpoint).toBe(`Endpoint nowhere of account ${h.srv.accountId} not found.`);
    expect(summary.log_lines).toBe(8);
  });

  it("the AWS CLI describes, lists, invokes, reads logs and deletes", async () => {
    const job = JSON.parse(await aws("sagemaker", "describe-training-job", "--training-job-name", "boto3-job"));
    expect(job.TrainingJobStatus).toBe("Completed");
    expect(typeof job.CreationTime).toBe("string");
    const listed = JSON.parse(await aws("sagemaker", "list-endpoints", "--status-equals", "InService"));
    expect(listed.Endpoints.map((e: { EndpointName: string }) => e.EndpointName)).toEqual(["boto3-ep"]);

    const body = path.join(h.dataDir, "cli-body.bin");
    const answer = path.join(h.dataDir, "cli-answer.json");
    fs.writeFileSync(body, "from the cli");
    const meta = JSON.parse(
      await aws("sagemaker-runtime", "invoke-endpoint", "--endpoint-name", "boto3-ep", "--content-type", "text/plain", "--accept", "application/json", "--body", `fileb://${body}`, answer),
    );
    expect(meta).toMatchObject({ ContentType: "application/json", InvokedProductionVariant: "AllTraffic" });
    expect(JSON.parse(fs.readFileSync(answer, "utf8"))).toMatchObject({ body: "from the cli", contentType: "text/plain" });

    const failure = await errorOf(aws("sagemaker-runtime", "invoke-endpoint", "--endpoint-name", "boto3-ep", "--body", "FAIL500", "--cli-binary-format", "raw-in-base64-out", answer));
    expect(String((failure as unknown as { stderr: string }).stderr)).toContain("An error occurred (ModelError) when calling the InvokeEndpoint operation: Received server error (500) from primary with message \"model crashed: FAIL500\"");

    const streams = JSON.parse(await aws("logs", "describe-log-streams", "--log-group-name", "/aws/sagemaker/TrainingJobs", "--log-stream-name-prefix", "boto3-job/"));
    const events = JSON.parse(await aws("logs", "get-log-events", "--log-group-name", "/aws/sagemaker/TrainingJobs", "--log-stream-name", streams.logStreams[0].logStreamName, "--start-from-head"));
    expect(events.events.map((e: { message: string }) => e.message)).toContain("Training complete.");

    await aws("sagemaker", "delete-endpoint", "--endpoint-name", "boto3-ep");
    await waitUntilEndpointDeleted({ client: h.sm, maxWaitTime: 30, minDelay: 0.2, maxDelay: 0.5 }, { EndpointName: "boto3-ep" });
    const gone = await errorOf(h.sm.send(new DescribeEndpointCommand({ EndpointName: "boto3-ep" })));
    expect(gone.name).toBe("ValidationException");
  });
});
