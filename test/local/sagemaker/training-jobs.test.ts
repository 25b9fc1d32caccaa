import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListNotebookInstancesCommand,
  ListTrainingJobsCommand,
  ResourceInUse,
  StopTrainingJobCommand,
  paginateListTrainingJobs,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, errorOf, IMAGES, processesUnder, startHarness, trainingRequest, until, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ settings: { STOP_GRACE: 1 } });
  await h.put("data/train/a.txt", "hello");
  await h.put("data/train/sub/b.txt", "world");
  await h.put("data/validation/v.txt", "validation data");
});
afterAll(async () => {
  await h?.stop();
});

const waitOpts = () => ({ client: h.sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 });
const describeJob = (name: string) => h.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));

/** The files of a tar.gz object in the local S3. */
async function untar(key: string): Promise<Record<string, string>> {
  const obj = await h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "untar-"));
  const file = path.join(dir, "a.tar.gz");
  fs.writeFileSync(file, await obj.Body!.transformToByteArray());
  const out = path.join(dir, "x");
  fs.mkdirSync(out);
  await tar.extract({ file, cwd: out });
  const files: Record<string, string> = {};
  const walk = (d: string, prefix: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else files[`${prefix}${e.name}`] = fs.readFileSync(path.join(d, e.name), "latin1");
    }
  };
  walk(out, "");
  fs.rmSync(dir, { recursive: true, force: true });
  return files;
}

describe("training jobs", () => {
  it("runs a job through Starting, Downloading, Training, Uploading to Completed, with metrics, logs and model.tar.gz", async () => {
    const created = await h.sm.send(
      new CreateTrainingJobCommand(
        trainingRequest("Echo-Job-1", {
          HyperParameters: { epochs: "3", note: "a b" },
          AlgorithmSpecification: { TrainingImage: IMAGES.echo, TrainingInputMode: "File", MetricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
          InputDataConfig: [
            { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/data/train` } }, ContentType: "application/x-recordio" },
            { ChannelName: "validation", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/data/validation/` } } },
          ],
          Environment: { ECHO_ENV: "from-request" },
        }),
      ),
    );
    expect(created.TrainingJobArn).toBe(`arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:training-job/echo-job-1`);
    const first = await describeJob("Echo-Job-1");
    expect(first.TrainingJobStatus).toBe("InProgress");
    expect(first.CreationTime).toBeInstanceOf(Date);

    const waited = await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "Echo-Job-1" });
    expect(waited.state).toBe("SUCCESS");
    const d = await describeJob("echo-job-1");
    expect(d.TrainingJobName).toBe("Echo-Job-1");
    expect(d.TrainingJobStatus).toBe("Completed");
    expect(d.SecondaryStatus).toBe("Completed");
    expect(d.SecondaryStatusTransitions!.map((t) => [t.Status, t.StatusMessage])).toEqual([
      ["Starting", "Preparing the instances for training"],
      ["Downloading", "Downloading input data"],
      ["Training", "Training image download completed. Training in progress."],
      ["Uploading", "Uploading generated training model"],
      ["Completed", "Training job completed"],
    ]);
    for (const t of d.SecondaryStatusTransitions!) expect(t.EndTime!.getTime()).toBeGreaterThanOrEqual(t.StartTime!.getTime());
    expect(d.TrainingStartTime!.getTime()).toBeGreaterThanOrEqual(d.CreationTime!.getTime());
    expect(d.TrainingEndTime!.getTime()).toBeGreaterThanOrEqual(d.TrainingStartTime!.getTime());
    expect(d.TrainingTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(d.BillableTimeInSeconds).toBe(d.TrainingTimeInSeconds);
    expect(d.HyperParameters).toEqual({ epochs: "3", note: "a b" });
    expect(d.InputDataConfig![0]).toMatchObject({ ChannelName: "train", CompressionType: "None", RecordWrapperType: "None", DataSource: { S3DataSource: { S3DataDistributionType: "FullyReplicated" } } });
    expect(d.FinalMetricDataList!.map((m) => [m.MetricName, m.Value])).toEqual([
      ["train:accuracy", 0.7],
      ["validation:accuracy", 0.6],
      ["loss", 0.333],
    ]);
    expect(d.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${BUCKET}/output/Echo-Job-1/output/model.tar.gz`);

    const model = await untar("output/Echo-Job-1/output/model.tar.gz");
    expect(Object.keys(model).sort()).toEqual(["model.json", "nested/weights.bin"]);
    expect(model["nested/weights.bin"]).toBe("\x01\x02\x03\x04");
    const written = JSON.parse(model["model.json"]);
    expect(written.hyperparameters).toEqual({ epochs: "3", note: "a b" });
    expect(written.files).toEqual({
      train: [
        { file: "a.txt", content: "hello" },
        { file: "sub/b.txt", content: "world" },
      ],
      validation: [{ file: "v.txt", content: "validation data" }],
    });
    expect(written.inputDataConfig).toEqual({
      train: { ContentType: "application/x-recordio", TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None", CompressionType: "None" },
      validation: { TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None", CompressionType: "None" },
    });
    expect(written.resourceConfig).toEqual({ current_host: "algo-1", hosts: ["algo-1"], network_interface_name: "eth0" });
    // The server's own secrets never reach the container.
    expect(written.env).toEqual({ TRAINING_JOB_NAME: "Echo-Job-1", ECHO_ENV: "from-request" });
    expect(await untar("output/Echo-Job-1/output/output.tar.gz")).toEqual({ "summary.txt": "trained 3 epochs\n" });
  });

  it.each([
    ["client", "ClientError: The number of input images must be bigger or equal to the mini_batch_size."],
    ["plain", "AlgorithmError: something broke"],
    ["silent", "AlgorithmError: See job logs for more information"],
    ["disk-full", /^AlgorithmError: The disk is full \(ENOSPC\): the job's directory .*training-jobs\/fail-disk-full has no space left\. Free space there .* See job logs for more information$/],
  ])("fails a job whose algorithm fails (%s) with the FailureReason it wrote", async (failure, reason) => {
    const name = `fail-${failure}`;
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest(name, { AlgorithmSpecification: { TrainingImage: IMAGES.fail, TrainingInputMode: "File" }, HyperParameters: { failure } })));
    const err = await errorOf(waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: name }));
    expect(err.message).toContain('"state":"FAILURE"');
    const d = await describeJob(name);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.SecondaryStatus).toBe("Failed");
    if (typeof reason === "string") expect(d.FailureReason).toBe(reason);
    else expect(d.FailureReason).toMatch(reason);
    expect(d.SecondaryStatusTransitions!.at(-1)).toMatchObject({ Status: "Failed", StatusMessage: "Training job failed" });
    expect(d.ModelArtifacts).toBeUndefined();
  });

  it("runs the built-in image-classification image (its ECR URI) as the local algorithm", async () => {
    const image = `811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1`;
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest("builtin-ic", { AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" }, HyperParameters: { epochs: "1" } })));
    await errorOf(waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "builtin-ic" }));
    const d = await describeJob("builtin-ic");
    expect(d.TrainingJobStatus).toBe("Failed");
    // The algorithm itself read the job's configuration and explained what is missing (the validation channel).
    expect(d.FailureReason).toMatch(/^ClientError: .*'validation'/);
  });

  it("stops a running job: SIGTERM, Stopping, then Stopped with the model it saved, and no process left", async () => {
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest("slow-stop", { AlgorithmSpecification: { TrainingImage: IMAGES.slow, TrainingInputMode: "File" } })));
    await until(async () => (await describeJob("slow-stop")).SecondaryStatus === "Training" || undefined, 20_000, "Training");
    const root = path.join(h.dataDir, "sagemaker", "work", "training-jobs", "slow-stop");
    await until(() => fs.existsSync(path.join(root, "model", "grandchild.pid")) || undefined, 20_000, "grandchild started");
    expect(processesUnder(root).length).toBeGreaterThanOrEqual(2);
    await h.sm.send(new StopTrainingJobCommand({ TrainingJobName: "slow-stop" }));
    expect((await describeJob("slow-stop")).TrainingJobStatus).toMatch(/Stopping|Stopped/);
    const waited = await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "slow-stop" });
    expect(waited.state).toBe("SUCCESS");
    const d = await describeJob("slow-stop");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(d.SecondaryStatusTransitions!.map((t) => t.Status).slice(-2)).toEqual(["Stopping", "Stopped"]);
    const model = await untar("output/slow-stop/output/model.tar.gz");
    expect(model["stopped.txt"]).toMatch(/^stopped after \d+ steps\n$/);
    await until(() => processesUnder(root).length === 0 || undefined, 5000, "processes gone");

    const again = await errorOf(h.sm.send(new StopTrainingJobCommand({ TrainingJobName: "slow-stop" })));
    expect(again.name).toBe("ValidationException");
    expect(again.message).toBe("The request was rejected because the training job is in status Stopped.");
  });

  it("kills a job that ignores SIGTERM after the grace period", async () => {
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest("slow-stubborn", { AlgorithmSpecification: { TrainingImage: IMAGES.slow, TrainingInputMode: "File" }, HyperParameters: { ignore_sigterm: "true" } })));
    await until(async () => (await describeJob("slow-stubborn")).SecondaryStatus === "Training" || undefined, 20_000, "Training");
    await h.sm.send(new StopTrainingJobCommand({ TrainingJobName: "slow-stubborn" }));
    await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "slow-stubborn" });
    expect((await describeJob("slow-stubborn")).TrainingJobStatus).toBe("Stopped");
    await until(() => processesUnder(path.join(h.dataDir, "sagemaker", "work", "training-jobs", "slow-stubborn")).length === 0 || undefined, 5000, "processes gone");
  });

  it("enforces MaxRuntimeInSeconds: Stopped with SecondaryStatus MaxRuntimeExceeded", async () => {
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest("slow-max", { AlgorithmSpecification: { TrainingImage: IMAGES.slow, TrainingInputMode: "File" }, StoppingCondition: { MaxRuntimeInSeconds: 1 } })));
    await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "slow-max" });
    const d = await describeJob("slow-max");
    expect(d.TrainingJobStatus).toBe("Stopped");
    expect(d.SecondaryStatus).toBe("MaxRuntimeExceeded");
    expect(d.SecondaryStatusTransitions!.at(-1)!.StatusMessage).toBe("Training job stopped because it exceeded the maximum allowed runtime");
  });

  describe("refuses bad requests as SageMaker does", () => {
    it("reports every constraint violation in one ValidationException", async () => {
      const err = await errorOf(
        h.sm.send(new CreateTrainingJobCommand({ ...trainingRequest("bad name"), RoleArn: "role", StoppingCondition: { MaxRuntimeInSeconds: 0 } })),
      );
      expect(err.name).toBe("ValidationException");
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe(
        "4 validation errors detected: Value 'bad name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; " +
          "Value 'role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
          "Value 'role' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$; " +
          "Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    });

    it("refuses a duplicate name with ResourceInUse", async () => {
      await h.sm.send(new CreateTrainingJobCommand(trainingRequest("dup-job")));
      const err = await errorOf(h.sm.send(new CreateTrainingJobCommand(trainingRequest("DUP-job"))));
      expect(err).toBeInstanceOf(ResourceInUse);
      expect(err.message).toBe(
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (arn:aws:sagemaker:${h.srv.region}:${h.srv.accountId}:training-job/dup-job)`,
      );
      await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: "dup-job" });
    });

    it("answers a missing job with 'Requested resource not found.'", async () => {
      for (const call of [describeJob("no-such-job"), h.sm.send(new StopTrainingJobCommand({ TrainingJobName: "no-such-job" }))]) {
        const err = await errorOf(call);
        expect(err.name).toBe("ValidationException");
        expect(err.message).toBe("Requested resource not found.");
      }
    });

    it("refuses an input prefix without objects, in SageMaker's words", async () => {
      const err = await errorOf(
        h.sm.send(new CreateTrainingJobCommand(trainingRequest("empty-input", { InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/nothing/here` } } }] }))),
      );
      expect(err.name).toBe("ValidationException");
      expect(err.message).toBe(
        `No S3 objects found under S3 URL "s3://${BUCKET}/nothing/here" given in input data source. Please ensure that the bucket exists in the selected region (${h.srv.region}), that objects exist under that S3 prefix, and that the role "arn:aws:iam::000000000000:role/service-role/AmazonSageMaker-ExecutionRole-Local" has "s3:ListBucket" permissions on bucket "${BUCKET}".`,
      );
      await expect(describeJob("empty-input")).rejects.toThrow("Requested resource not found.");
    });

    it("refuses an output path in a bucket that does not exist", async () => {
      const err = await errorOf(h.sm.send(new CreateTrainingJobCommand(trainingRequest("no-bucket", { OutputDataConfig: { S3OutputPath: "s3://no-such-bucket-here/out" } }))));
      expect(err.name).toBe("ValidationException");
      expect(err.message).toMatch(/^The S3 bucket "no-such-bucket-here" of OutputDataConfig.S3OutputPath "s3:\/\/no-such-bucket-here\/out" does not exist/);
    });

    it("refuses an image without a local implementation, naming it and how to register one", async () => {
      const err = await errorOf(
        h.sm.send(new CreateTrainingJobCommand(trainingRequest("no-image", { AlgorithmSpecification: { TrainingImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/mystery:3", TrainingInputMode: "File" } }))),
      );
      expect(err.name).toBe("ValidationException");
      expect(err.message).toContain('The image "123456789012.dkr.ecr.us-east-1.amazonaws.com/mystery:3" has no local implementation.');
      expect(err.message).toContain(path.join(h.dataDir, "sagemaker", "images.json"));
    });

    it.each([
      ["Pipe mode", { AlgorithmSpecification: { TrainingImage: IMAGES.echo, TrainingInputMode: "Pipe" as const } }, /does not support TrainingInputMode Pipe/],
      ["several instances", { ResourceConfig: { InstanceType: "ml.m5.large" as const, InstanceCount: 2, VolumeSizeInGB: 1 } }, /does not support ResourceConfig.InstanceCount 2/],
      ["a manifest", { InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "ManifestFile" as const, S3Uri: `s3://${BUCKET}/m.json` } } }] }, /does not support S3DataType ManifestFile/],
      ["a bad metric regex", { AlgorithmSpecification: { TrainingImage: IMAGES.echo, TrainingInputMode: "File" as const, MetricDefinitions: [{ Name: "m", Regex: "(" }] } }, /metric definition "m" is not a valid regular expression/],
    ])("refuses what it cannot honour (%s) instead of ignoring it", async (_what, overrides, message) => {
      const err = await errorOf(h.sm.send(new CreateTrainingJobCommand(trainingRequest("unsupported", overrides))));
      expect(err.name).toBe("ValidationException");
      expect(err.message).toMatch(message);
    });

    it("answers operations it does not implement with UnknownOperationException", async () => {
      const err = await errorOf(h.sm.send(new ListNotebookInstancesCommand({})));
      expect(err.name).toBe("UnknownOperationException");
      expect(err.message).toContain("ListNotebookInstances");
    });

    it("answers a value of the wrong JSON type with SerializationException naming the member", async () => {
      const err = await errorOf(h.sm.send(new ListTrainingJobsCommand({ MaxResults: "five" as unknown as number })));
      expect(err.name).toBe("SerializationException");
      expect(err.message).toContain("'maxResults' must be an integer");
    });
  });

  it("lists jobs with filters, sorting and NextToken pages", async () => {
    for (const n of ["list-c", "list-a", "list-b"]) {
      await h.sm.send(new CreateTrainingJobCommand(trainingRequest(n)));
    }
    for (const n of ["list-a", "list-b", "list-c"]) await waitUntilTrainingJobCompletedOrStopped(waitOpts(), { TrainingJobName: n });

    const byName = await h.sm.send(new ListTrainingJobsCommand({ NameContains: "list-", SortBy: "Name", SortOrder: "Descending" }));
    expect(byName.TrainingJobSummaries!.map((s) => s.TrainingJobName)).toEqual(["list-c", "list-b", "list-a"]);
    expect(byName.TrainingJobSummaries![0]).toMatchObject({ TrainingJobStatus: "Completed", TrainingJobArn: expect.stringMatching(/training-job\/list-c$/) });
    expect(byName.NextToken).toBeUndefined();

    const pages: string[][] = [];
    for await (const page of paginateListTrainingJobs({ client: h.sm, pageSize: 2 }, { NameContains: "LIST" })) {
      pages.push(page.TrainingJobSummaries!.map((s) => s.TrainingJobName!));
    }
    expect(pages).toEqual([["list-c", "list-a"], ["list-b"]]);

    const failed = await h.sm.send(new ListTrainingJobsCommand({ StatusEquals: "Failed", MaxResults: 100 }));
    expect(failed.TrainingJobSummaries!.map((s) => s.TrainingJobName).sort()).toEqual(["builtin-ic", "fail-client", "fail-disk-full", "fail-plain", "fail-silent"]);
    const later = await h.sm.send(new ListTrainingJobsCommand({ CreationTimeAfter: new Date(Date.now() + 60_000) }));
    expect(later.TrainingJobSummaries).toEqual([]);

    const bad = await errorOf(h.sm.send(new ListTrainingJobsCommand({ NextToken: "garbage" })));
    expect(bad.name).toBe("ValidationException");
    expect(bad.message).toContain('The NextToken "garbage" is not one this operation returned');
  });
});
