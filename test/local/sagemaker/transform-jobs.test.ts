import { GetLogEventsCommand, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  ResourceInUse,
  StopTransformJobCommand,
  waitUntilTransformJobCompletedOrStopped,
  type CreateTransformJobCommandInput,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, errorOf, IMAGES, ROLE, startHarness, until, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const modelUrl = await h.putModel("models/batch/model.tar.gz", { "model.json": JSON.stringify({ hyperparameters: { from: "batch" } }) });
  await h.sm.send(new CreateModelCommand({ ModelName: "batch-model", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: modelUrl } }));
  await h.sm.send(
    new CreateModelCommand({
      ModelName: "batch-model-params",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: modelUrl, Environment: { ECHO_EXECUTION_PARAMETERS: JSON.stringify({ MaxConcurrentTransforms: 3, BatchStrategy: "SINGLE_RECORD", MaxPayloadInMB: 2 }) } },
    }),
  );
  await h.put("in/ok/a.jpg", "image a");
  await h.put("in/ok/sub/b.jpg", "image b");
  await h.put("in/bad/1.jpg", "fine");
  await h.put("in/bad/2.jpg", "FAIL400");
  await h.put("in/bad/3.jpg", "fine too");
  await h.put("in/big/huge.bin", Buffer.alloc(1024 * 1024 + 1, 0x62));
  await h.put("in/lines/data.jsonl", '{"n":1}\n{"n":2}\n{"n":3}\n');
  await h.put("in/slow/s.jpg", "SLEEP");
});
afterAll(async () => {
  await h?.stop();
});

const waitOpts = () => ({ client: h.sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 });
const describeJob = (name: string) => h.sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));

function request(name: string, input: string, output: string, overrides: Partial<CreateTransformJobCommandInput> = {}): CreateTransformJobCommandInput {
  return {
    TransformJobName: name,
    ModelName: "batch-model",
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/${input}` } }, ContentType: "application/x-image", SplitType: "None", CompressionType: "None" },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/${output}` },
    TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1 },
    ...overrides,
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function text(key: string): Promise<string> {
  const obj = await h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return obj.Body!.transformToString();
}

describe("transform jobs", () => {
  it("sends every object to the model and writes <path below the prefix>.out", async () => {
    const created = await h.sm.send(
      new CreateTransformJobCommand(request("Batch-OK", "in/ok", "out/ok", { BatchStrategy: "SingleRecord", MaxPayloadInMB: 6, MaxConcurrentTransforms: 2, TransformOutput: { S3OutputPath: `s3://${BUCKET}/out/ok`, Accept: "application/jsonlines" } })),
    );
    expect(created.TransformJobArn).toBe(`arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:transform-job/batch-ok`);
    expect((await describeJob("Batch-OK")).TransformJobStatus).toBe("InProgress");
    const waited = await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "Batch-OK" });
    expect(waited.state).toBe("SUCCESS");
    const d = await describeJob("batch-ok");
    expect(d).toMatchObject({
      TransformJobName: "Batch-OK",
      TransformJobStatus: "Completed",
      ModelName: "batch-model",
      MaxConcurrentTransforms: 2,
      MaxPayloadInMB: 6,
      BatchStrategy: "SingleRecord",
      TransformInput: { ContentType: "application/x-image", SplitType: "None", CompressionType: "None" },
      TransformOutput: { AssembleWith: "None", Accept: "application/jsonlines" },
      TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1 },
    });
    expect(d.TransformEndTime!.getTime()).toBeGreaterThanOrEqual(d.TransformStartTime!.getTime());
    expect(await keysUnder("out/ok/")).toEqual(["out/ok/a.jpg.out", "out/ok/sub/b.jpg.out"]);
    const a = JSON.parse(await text("out/ok/a.jpg.out"));
    expect(a).toMatchObject({
      body: "image a",
      contentType: "application/x-image",
      accept: "application/jsonlines",
      hyperparameters: { from: "batch" },
      batch: "true",
      batchStrategy: "SINGLE_RECORD",
      maxPayloadInMB: "6",
      maxConcurrentTransforms: "2",
    });
    expect(JSON.parse(await text("out/ok/sub/b.jpg.out")).body).toBe("image b");
  });

  it("fails the whole job when one record fails, naming the object, and publishes no output at all", async () => {
    await h.sm.send(new CreateTransformJobCommand(request("batch-bad", "in/bad/", "out/bad")));
    const err = await errorOf(waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "batch-bad" }));
    expect(err.message).toContain('"state":"FAILURE"');
    const d = await describeJob("batch-bad");
    expect(d.TransformJobStatus).toBe("Failed");
    expect(d.FailureReason).toBe(`ClientError: Bad HTTP status received from algorithm: 400 for the input s3://${BUCKET}/in/bad/2.jpg: bad input: FAIL400`);
    expect(await keysUnder("out/bad")).toEqual([]);
  });

  it("fails a job whose object is larger than MaxPayloadInMB, leaving no output", async () => {
    await h.sm.send(new CreateTransformJobCommand(request("batch-big", "in/big", "out/big", { MaxPayloadInMB: 1 })));
    await errorOf(waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "batch-big" }));
    const d = await describeJob("batch-big");
    expect(d.FailureReason).toBe(
      `ClientError: The input object s3://${BUCKET}/in/big/huge.bin is 1048577 bytes, more than MaxPayloadInMB (1 MB). Raise MaxPayloadInMB (at most 100) or split the input (SplitType Line).`,
    );
    expect(await keysUnder("out/big")).toEqual([]);
  });

  it("splits lines: MultiRecord packs them in one request, SingleRecord sends one each, AssembleWith Line joins answers", async () => {
    const lines = (name: string, strategy: "MultiRecord" | "SingleRecord") =>
      request(name, "in/lines", `out/${name}`, {
        BatchStrategy: strategy,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/in/lines` } }, ContentType: "application/jsonlines", SplitType: "Line" },
        TransformOutput: { S3OutputPath: `s3://${BUCKET}/out/${name}`, AssembleWith: "Line" },
      });
    await h.sm.send(new CreateTransformJobCommand(lines("lines-multi", "MultiRecord")));
    await h.sm.send(new CreateTransformJobCommand(lines("lines-single", "SingleRecord")));
    await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "lines-multi" });
    await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "lines-single" });
    const multi = (await text("out/lines-multi/data.jsonl.out")).split("\n");
    expect(multi).toHaveLength(2);
    expect(JSON.parse(multi[0]).body).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    const single = (await text("out/lines-single/data.jsonl.out")).split("\n");
    expect(single.slice(0, 3).map((l) => JSON.parse(l).body)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(single[3]).toBe("");
  });

  it("asks the container for the parameters the request leaves unset (GET /execution-parameters)", async () => {
    await h.sm.send(new CreateTransformJobCommand(request("batch-params", "in/ok", "out/params", { ModelName: "batch-model-params" })));
    await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "batch-params" });
    const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TransformJobs", logStreamNamePrefix: "batch-params/" }));
    const dataLog = streams.logStreams!.find((s) => s.logStreamName!.endsWith("/data-log"))!;
    expect(dataLog.logStreamName).toMatch(/^batch-params\/i-[0-9a-f]{17}-\d+\/data-log$/);
    const events = await h.logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TransformJobs", logStreamName: dataLog.logStreamName, startFromHead: true }));
    expect(events.events!.map((e) => e.message)).toEqual([expect.stringMatching(/\[sagemaker logs\]: MaxConcurrentTransforms=3, MaxPayloadInMB=2, BatchStrategy=SingleRecord$/)]);
  });

  it("stops a running job: Stopping, then Stopped, without output", async () => {
    await h.sm.send(new CreateTransformJobCommand(request("batch-stop", "in/slow", "out/stop")));
    await until(async () => {
      const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TransformJobs", logStreamNamePrefix: "batch-stop/" }));
      const container = streams.logStreams!.find((s) => !s.logStreamName!.endsWith("/data-log"));
      if (!container) return undefined;
      const events = await h.logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TransformJobs", logStreamName: container.logStreamName, startFromHead: true }));
      return events.events!.some((e) => e.message!.startsWith("invocation:")) || undefined;
    }, 20_000, "the slow record reached the model");
    await h.sm.send(new StopTransformJobCommand({ TransformJobName: "batch-stop" }));
    expect((await describeJob("batch-stop")).TransformJobStatus).toMatch(/Stopping|Stopped/);
    const waited = await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "batch-stop" });
    expect(waited.state).toBe("SUCCESS");
    expect((await describeJob("batch-stop")).TransformJobStatus).toBe("Stopped");
    expect(await keysUnder("out/stop")).toEqual([]);
    const again = await errorOf(h.sm.send(new StopTransformJobCommand({ TransformJobName: "batch-stop" })));
    expect(again.message).toBe("The request was rejected because the transform job is in status Stopped.");
  });

  describe("refuses bad requests", () => {
    it("duplicate names, missing models, missing jobs, empty inputs, too much concurrency", async () => {
      await h.sm.send(new CreateTransformJobCommand(request("batch-dup", "in/ok", "out/dup")));
      const dup = await errorOf(h.sm.send(new CreateTransformJobCommand(request("batch-dup", "in/ok", "out/dup"))));
      expect(dup).toBeInstanceOf(ResourceInUse);
      expect(dup.message).toMatch(/^Transform job names must be unique within an AWS account and region, and a transform job with this name already exists \(arn:aws:sagemaker:.*:transform-job\/batch-dup\)$/);

      const noModel = await errorOf(h.sm.send(new CreateTransformJobCommand(request("batch-nomodel", "in/ok", "out/x", { ModelName: "ghost" }))));
      expect(noModel.message).toBe(`Could not find model "arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:model/ghost".`);

      const missing = await errorOf(describeJob("no-such-transform"));
      expect(missing.name).toBe("ValidationException");
      expect(missing.message).toBe("Could not find requested job with name no-such-transform");

      const empty = await errorOf(h.sm.send(new CreateTransformJobCommand(request("batch-empty", "in/none", "out/x"))));
      expect(empty.message).toMatch(/^No S3 objects found under S3 URL "s3:\/\/sagemaker-test-bucket\/in\/none" given in input data source/);

      const concurrency = await errorOf(h.sm.send(new CreateTransformJobCommand(request("batch-many", "in/ok", "out/x", { MaxConcurrentTransforms: 16, MaxPayloadInMB: 7 }))));
      expect(concurrency.message).toBe("MaxConcurrentTransforms (16) times MaxPayloadInMB (7) must not exceed 100 MB.");
      await waitUntilTransformJobCompletedOrStopped(waitOpts(), { TransformJobName: "batch-dup" });
    });
  });

  it("lists transform jobs with filters and pages", async () => {
    const all = await h.sm.send(new ListTransformJobsCommand({ NameContains: "batch-", SortBy: "Name", MaxResults: 3 }));
    expect(all.TransformJobSummaries!.map((s) => s.TransformJobName)).toEqual(["batch-bad", "batch-big", "batch-dup"]);
    const rest = await h.sm.send(new ListTransformJobsCommand({ NameContains: "batch-", SortBy: "Name", MaxResults: 3, NextToken: all.NextToken }));
    expect(rest.TransformJobSummaries!.map((s) => s.TransformJobName)).toEqual(["Batch-OK", "batch-params", "batch-stop"]);
    const failed = await h.sm.send(new ListTransformJobsCommand({ StatusEquals: "Failed" }));
    expect(failed.TransformJobSummaries!.map((s) => [s.TransformJobName, s.FailureReason?.slice(0, 11)]).sort()).toEqual([
      ["batch-bad", "ClientError"],
      ["batch-big", "ClientError"],
    ]);
  });
});
