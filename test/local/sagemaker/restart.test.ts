import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  SageMakerClient,
  waitUntilEndpointInService,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, IMAGES, processesUnder, registerTestImages, ROLE, startHarness, trainingRequest, until } from "./harness";

const SHUTDOWN_REASON = "InternalServerError: the local SageMaker stopped while the job was running. Start the job again under a new name.";
const REPO = path.resolve(__dirname, "../../..");

let dataDir: string;
let child: ChildProcess | undefined;

/** A server in its own process, so that the test can kill it without warning. */
async function startServerProcess(): Promise<{ endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }> {
  const script = `
    const { startServer } = require(${JSON.stringify(path.join(REPO, "src/local/server.ts"))});
    startServer({ port: 0, dataDir: ${JSON.stringify(dataDir)} }).then((s) => {
      console.log(JSON.stringify({ endpoint: s.endpoint, region: s.region, credentials: s.credentials }));
    });
  `;
  child = spawn(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true", LOCAL_SAGEMAKER_STOP_GRACE_SECONDS: "2", LOCAL_SAGEMAKER_HEALTH_TIMEOUT_SECONDS: "20" },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return until(() => {
    const line = out.split("\n").find((l) => l.startsWith("{"));
    return line ? JSON.parse(line) : undefined;
  }, 30_000, "server process started");
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "local-sagemaker-restart-"));
  registerTestImages(dataDir);
});
afterAll(() => {
  child?.kill("SIGKILL");
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const waitOpts = (client: SageMakerClient) => ({ client, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("restarts", () => {
  it("after a crash: leftover processes end, running jobs end Failed, endpoints come back, state and logs survive", async () => {
    const a = await startServerProcess();
    const config = { endpoint: a.endpoint, region: a.region, credentials: a.credentials };
    const sm = new SageMakerClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "data/train/a.txt", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "batch/slow.jpg", Body: "SLEEP" }));

    await sm.send(new CreateTrainingJobCommand(trainingRequest("done-job")));
    await waitUntilTrainingJobCompletedOrStopped(waitOpts(sm), { TrainingJobName: "done-job" });
    await sm.send(new CreateModelCommand({ ModelName: "m", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: `s3://${BUCKET}/output/done-job/output/model.tar.gz` } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge" }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: "ep", EndpointConfigName: "c" }));
    await waitUntilEndpointInService(waitOpts(sm), { EndpointName: "ep" });
    await sm.send(new CreateTrainingJobCommand(trainingRequest("running-job", { AlgorithmSpecification: { TrainingImage: IMAGES.slow, TrainingInputMode: "File" } })));
    await until(async () => (await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "running-job" }))).SecondaryStatus === "Training" || undefined, 20_000, "Training");
    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: "running-transform",
        ModelName: "m",
        TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/batch` } } },
        TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch-out` },
        TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1 },
      }),
    );
    const jobRoot = path.join(dataDir, "sagemaker", "work", "training-jobs", "running-job");
    await until(() => fs.existsSync(path.join(jobRoot, "model", "grandchild.pid")) || undefined, 20_000, "slow job's grandchild");
    await until(() => processesUnder(path.join(dataDir, "sagemaker", "work", "transform-jobs")).length > 0 || undefined, 20_000, "transform container");

    // The crash: the server dies, and so does the training job's launcher, so that its
    // algorithm is orphaned and only the next server's leftover sweep can end it.
    const records = fs.readdirSync(path.join(dataDir, "sagemaker", "processes")).map((f) => JSON.parse(fs.readFileSync(path.join(dataDir, "sagemaker", "processes", f), "utf8")));
    const trainingGroup = records.find((r) => r.owner === "training-job/running-job")!.pgid as number;
    child!.kill("SIGKILL");
    process.kill(trainingGroup, "SIGKILL");
    const grandchild = Number(fs.readFileSync(path.join(jobRoot, "model", "grandchild.pid"), "utf8"));
    // Groups whose launcher lived end by themselves; the orphaned job keeps running.
    await until(() => processesUnder(path.join(dataDir, "sagemaker", "work", "endpoints")).length === 0 || undefined, 10_000, "endpoint container gone");
    await until(() => processesUnder(path.join(dataDir, "sagemaker", "work", "transform-jobs")).length === 0 || undefined, 10_000, "transform container gone");
    expect(processesUnder(jobRoot).length).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(true);

    const b = await startHarness({ dataDir, settings: { STOP_GRACE: 2 } });
    try {
      await until(() => processesUnder(jobRoot).length === 0 || undefined, 10_000, "orphaned job killed");
      await until(() => !alive(grandchild) || undefined, 10_000, "grandchild killed");

      const running = await b.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "running-job" }));
      expect(running.TrainingJobStatus).toBe("Failed");
      expect(running.FailureReason).toBe(SHUTDOWN_REASON);
      const transform = await b.sm.send(new DescribeTransformJobCommand({ TransformJobName: "running-transform" }));
      expect(transform.TransformJobStatus).toBe("Failed");
      expect(transform.FailureReason).toBe(SHUTDOWN_REASON);
      const done = await b.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "done-job" }));
      expect(done.TrainingJobStatus).toBe("Completed");
      expect(done.FinalMetricDataList!.map((m) => m.MetricName)).toEqual(["train:accuracy", "validation:accuracy"]);

      expect((await b.sm.send(new DescribeEndpointCommand({ EndpointName: "ep" }))).EndpointStatus).toMatch(/Creating|InService/);
      await waitUntilEndpointInService(waitOpts(b.sm), { EndpointName: "ep" });
      const out = await b.rt.send(new InvokeEndpointCommand({ EndpointName: "ep", Body: Buffer.from("after restart") }));
      expect(JSON.parse(out.Body!.transformToString())).toMatchObject({ body: "after restart", hyperparameters: { epochs: "3" } });

      const streams = await b.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "done-job/" }));
      const events = await b.logs.send(new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: streams.logStreams![0].logStreamName, startFromHead: true }));
      expect(events.events!.map((e) => e.message)).toContain("Training complete.");
    } finally {
      await b.stop();
    }
  });

  it("on a clean stop: processes end with the server, running jobs are marked Failed at once, endpoints restart next time", async () => {
    const c = await startHarness({ dataDir });
    await waitUntilEndpointInService(waitOpts(c.sm), { EndpointName: "ep" });
    await c.sm.send(new CreateTrainingJobCommand(trainingRequest("cut-job", { AlgorithmSpecification: { TrainingImage: IMAGES.slow, TrainingInputMode: "File" } })));
    await until(async () => (await c.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "cut-job" }))).SecondaryStatus === "Training" || undefined, 20_000, "Training");
    expect(processesUnder(path.join(dataDir, "sagemaker", "work")).length).toBeGreaterThan(0);
    await c.stop();
    expect(processesUnder(path.join(dataDir, "sagemaker", "work"))).toEqual([]);
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, "sagemaker", "state", "training-jobs", "cut-job.json"), "utf8"));
    expect([saved.status, saved.failureReason]).toEqual(["Failed", SHUTDOWN_REASON]);

    const d = await startHarness({ dataDir });
    try {
      await waitUntilEndpointInService(waitOpts(d.sm), { EndpointName: "ep" });
      const out = await d.rt.send(new InvokeEndpointCommand({ EndpointName: "ep", Body: Buffer.from("again") }));
      expect(JSON.parse(out.Body!.transformToString()).body).toBe("again");
    } finally {
      await d.stop();
    }
    expect(processesUnder(path.join(dataDir, "sagemaker", "work"))).toEqual([]);
  });
});

