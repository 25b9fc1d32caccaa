/**
 * A real local SageMaker for the control plane, runtime and logs tests: the
 * project's server on a free loopback port, the test images of
 * test/fixtures/images registered in its data directory, and real SDK clients.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient, type CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { startTestServer, type TestServer } from "../../helpers/local-server";

const FIXTURES = path.resolve(__dirname, "../../fixtures/images");

export const IMAGES = { echo: "local/echo:1", fail: "local/fail:1", slow: "local/slow:1" } as const;

export const ROLE = "arn:aws:iam::000000000000:role/service-role/AmazonSageMaker-ExecutionRole-Local";
export const BUCKET = "sagemaker-test-bucket";

export interface HarnessOptions {
  /** Reuse a data directory (restart tests); then it is not removed by stop(). */
  dataDir?: string;
  /** LOCAL_SAGEMAKER_* timing variables, in seconds. */
  settings?: Partial<Record<"STOP_GRACE" | "SHUTDOWN_GRACE" | "HEALTH_TIMEOUT" | "INVOCATION_TIMEOUT", number>>;
}

export interface Harness {
  srv: TestServer;
  sm: SageMakerClient;
  rt: SageMakerRuntimeClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
  dataDir: string;
  put(key: string, body: string | Buffer): Promise<void>;
  /** Uploads a model.tar.gz holding `files` and returns its S3 URI. */
  putModel(key: string, files: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

export function registerTestImages(dataDir: string): void {
  fs.mkdirSync(path.join(dataDir, "sagemaker"), { recursive: true });
  const metrics = [
    { Name: "train:accuracy", Regex: "Epoch\\[\\d+\\] Train-accuracy=([0-9.]+)" },
    { Name: "validation:accuracy", Regex: "Epoch\\[\\d+\\] Validation-accuracy=([0-9.]+)" },
  ];
  fs.writeFileSync(
    path.join(dataDir, "sagemaker", "images.json"),
    JSON.stringify({
      [IMAGES.echo]: { command: [path.join(FIXTURES, "echo.js")], metricDefinitions: metrics },
      [IMAGES.fail]: { command: [path.join(FIXTURES, "fail.js")] },
      [IMAGES.slow]: { command: [path.join(FIXTURES, "slow.js")] },
    }),
  );
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "local-sagemaker-sm-"));
  registerTestImages(dataDir);
  const names = { STOP_GRACE: 5, SHUTDOWN_GRACE: 2, HEALTH_TIMEOUT: 20, INVOCATION_TIMEOUT: 60, ...opts.settings };
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(names)) {
    const name = `LOCAL_SAGEMAKER_${k}_SECONDS`;
    saved[name] = process.env[name];
    process.env[name] = String(v);
  }
  let srv: TestServer;
  try {
    srv = await startTestServer({ dataDir });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const config = { endpoint: srv.endpoint, region: srv.region, credentials: srv.credentials };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((e: Error) => {
    if (e.name !== "BucketAlreadyOwnedByYou") throw e;
  });
  return {
    srv,
    sm: new SageMakerClient(config),
    rt: new SageMakerRuntimeClient(config),
    logs: new CloudWatchLogsClient(config),
    s3,
    dataDir,
    put: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    putModel: async (key, files) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "model-"));
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, "m", name)), { recursive: true });
        fs.writeFileSync(path.join(dir, "m", name), content);
      }
      await tar.create({ gzip: true, file: path.join(dir, "model.tar.gz"), cwd: path.join(dir, "m") }, Object.keys(files));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: fs.readFileSync(path.join(dir, "model.tar.gz")) }));
      fs.rmSync(dir, { recursive: true, force: true });
      return `s3://${BUCKET}/${key}`;
    },
    stop: async () => {
      await srv.stop();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function trainingRequest(name: string, overrides: Partial<CreateTrainingJobCommandInput> = {}): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: IMAGES.echo, TrainingInputMode: "File" },
    RoleArn: ROLE,
    HyperParameters: { epochs: "3" },
    InputDataConfig: [
      { ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/data/train`, S3DataDistributionType: "FullyReplicated" } }, ContentType: "text/plain" },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...overrides,
  };
}

/** Process ids of processes whose environment carries an SM_ML_ROOT below `dir` (Linux /proc). */
export function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, "utf8");
      if (env.split("\0").some((v) => v.startsWith(`SM_ML_ROOT=${dir}`))) found.push(Number(entry));
    } catch {
      // Gone, or not ours.
    }
  }
  return found;
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 20_000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export type CallError = Error & { $metadata?: { httpStatusCode?: number } };

export async function errorOf(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (e) {
    return e as CallError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
