/**
 * The tutorial's steps through the helpers, against a real local SageMaker
 * (in this process) that really trains and serves: a tiny synthetic dataset
 * and a small network keep it to seconds.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { CreateModelCommand, DeleteEndpointConfigCommand, DescribeEndpointCommand, DescribeModelCommand } from "@aws-sdk/client-sagemaker";
import { startTestServer, type TestServer } from "../helpers/local-server";
import { generateSyntheticDataset, type SyntheticManifest } from "../../src/datasets/synthetic";
import { setup, type TutorialSession } from "../../src/tutorial/session";
import { uploadFile, uploadFolder } from "../../src/tutorial/s3";
import { buildTrainingJobRequest, createTrainingJob, describeTrainingJob, waitForTrainingJob, type TrainingOutcome } from "../../src/tutorial/training";
import { buildCreateModelRequest, createModel, modelArtifacts } from "../../src/tutorial/model";
import { buildTransformJobRequest, readTransformResults, runTransformJob } from "../../src/tutorial/transform";
import { buildEndpointConfigRequest, buildEndpointRequest, createEndpoint, createEndpointConfig, waitForEndpoint } from "../../src/tutorial/hosting";
import { classifyImage } from "../../src/tutorial/inference";
import { topK } from "../../src/tutorial/predictions";
import { parseEpochMetrics } from "../../src/tutorial/metrics";
import { cleanUp } from "../../src/tutorial/teardown";
import { readState } from "../../src/tutorial/resources";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-workflow-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

let srv: TestServer;
let session: TutorialSession;
let data: SyntheticManifest;
const dataDir = fs.mkdtempSync(path.join(TMP, "workflow-data-"));
const stateDir = fs.mkdtempSync(path.join(TMP, "workflow-state-"));
const stamp = Date.now().toString(36);

beforeAll(async () => {
  srv = await startTestServer();
  data = await generateSyntheticDataset({ out: dataDir, numClasses: 3, imageSize: 32, trainPerClass: 12, valPerClass: 4, testImages: 3 });
  session = await setup({
    backend: "local",
    connectLocal: async () => ({ endpoint: srv.endpoint, region: srv.region, ...srv.credentials }),
    stateDir,
    guard: false,
  });
  await uploadFile(session.clients.s3, path.join(dataDir, data.files.trainRec), session.bucket, "wf/train/train.rec", { progress: false });
  await uploadFile(session.clients.s3, path.join(dataDir, data.files.valRec), session.bucket, "wf/validation/val.rec", { progress: false });
}, 120_000);

afterAll(async () => {
  await cleanUp().catch(() => undefined);
  await srv?.stop();
});

function trainingRequest(jobName: string, overrides: Record<string, string> = {}) {
  return buildTrainingJobRequest({
    jobName,
    jobNamePrefix: "wf",
    trainingImage: session.trainingImage,
    role: session.role,
    bucket: session.bucket,
    hyperParameters: {
      num_classes: "3",
      num_training_samples: String(data.numTrainingSamples),
      num_layers: "20",
      image_shape: "3,28,28",
      epochs: "2",
      mini_batch_size: "6",
      learning_rate: "0.05",
      ...overrides,
    },
    s3Train: `s3://${session.bucket}/wf/train/`,
    s3Validation: `s3://${session.bucket}/wf/validation/`,
  });
}

describe("the tutorial's flow on the local backend", () => {
  const jobName = `wf-train-${stamp}`;
  const modelName = `wf-model-${stamp}`;
  let training: TrainingOutcome;

  it("C5/C6: trains, printing status changes and the job's log, and records the job", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await createTrainingJob(session, trainingRequest(jobName));
      training = await waitForTrainingJob(session, jobName, { pollSeconds: 0.5 });
      const printed = log.mock.calls.map((c) => String(c[0]));
      expect(printed[0]).toBe("Training job current status: InProgress");
      expect(printed.at(-1)).toBe("Training job ended with status: Completed");
      expect(printed.some((l) => /Completed - Training job completed/.test(l))).toBe(true);
      expect(printed.some((l) => /Epoch\[1\] Validation-accuracy=/.test(l))).toBe(true);
    } finally {
      log.mockRestore();
    }
    expect(training.description.TrainingJobStatus).toBe("Completed");
    expect(parseEpochMetrics(training.logLines).map((m) => m.epoch)).toEqual([0, 1]);
    expect(session.tracker.list().map((r) => r.kind)).toEqual(["TrainingJob"]);
    expect((await describeTrainingJob(session, jobName)).TrainingJobStatus).toBe("Completed");
  }, 180_000);

  it("C7: creates the model from the job's artifacts", async () => {
    const modelData = await modelArtifacts(session, jobName);
    expect(modelData).toBe(`s3://${session.bucket}/wf/output/${jobName}/output/model.tar.gz`);
    const arn = await createModel(session, buildCreateModelRequest({ modelName, role: session.role, image: session.trainingImage, modelDataUrl: modelData }));
    expect(arn).toMatch(new RegExp(`:model/${modelName}$`, "i"));
  });

  it("C9-C12: batch-transforms the test folder and labels every .out file", async () => {
    const keys = await uploadFolder(session.clients.s3, path.join(dataDir, data.files.testFolder), session.bucket, "wf/test/", { progress: false });
    expect(keys).toHaveLength(3);
    const batchJobName = `wf-batch-${stamp}`;
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const state = await runTransformJob(
        session,
        buildTransformJobRequest({ batchJobName, modelName, bucket: session.bucket, batchInput: `s3://${session.bucket}/wf/test/` }),
        { pollSeconds: 0.5 },
      );
      expect(state.TransformJobStatus).toBe("Completed");
    } finally {
      log.mockRestore();
    }
    const results = await readTransformResults(session, session.bucket, `${batchJobName}/output`, data.classes);
    expect(results.map((r) => r.input).sort()).toEqual(fs.readdirSync(path.join(dataDir, data.files.testFolder)).sort());
    for (const r of results) {
      expect(data.classes).toContain(r.label);
      expect(r.probability).toBeGreaterThan(0);
      expect(r.probability).toBeLessThanOrEqual(1);
    }
  }, 120_000);

  it("C13-C18: hosts the model and classifies the test image", async () => {
    const epc = `wf-epc-${stamp}`;
    const ep = `wf-ep-${stamp}`;
    await createEndpointConfig(session, buildEndpointConfigRequest({ endpointConfigName: epc, modelName }));
    await createEndpoint(session, buildEndpointRequest(ep, epc));
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect((await waitForEndpoint(session, ep, { pollSeconds: 0.5 })).EndpointStatus).toBe("InService");
    } finally {
      log.mockRestore();
    }
    const probabilities = await classifyImage(session, ep, fs.readFileSync(path.join(dataDir, data.files.testImage)));
    expect(probabilities).toHaveLength(3);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(topK(probabilities, data.classes, 3).map((p) => p.label).sort()).toEqual([...data.classes].sort());
    await expect(classifyImage(session, ep, Buffer.from("GIF89a not really"))).rejects.toThrow(/not an image|JPEG or PNG/);
  }, 120_000);

  it("C19: cleans up endpoint, configuration and model, then finds nothing left the second time", async () => {
    // Deleted behind the tracker's back: still fine.
    await session.clients.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `wf-epc-${stamp}` }));
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const results = await cleanUp();
      expect(Object.fromEntries(results.map((r) => [`${r.kind}`, r.outcome]))).toEqual({
        Endpoint: "deleted",
        TrainingJob: "already finished",
        TransformJob: "already finished",
        EndpointConfig: "already gone",
        Model: "deleted",
      });
      expect(await cleanUp()).toEqual([]);
    } finally {
      log.mockRestore();
    }
    // An endpoint is Deleting for a moment before it is gone.
    await vi.waitFor(
      () => expect(session.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: `wf-ep-${stamp}` }))).rejects.toThrow(/Could not find endpoint/),
      { timeout: 30_000, interval: 250 },
    );
    await expect(session.clients.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }))).rejects.toThrow(/Could not find model/);
    expect(session.tracker.list()).toEqual([]);
    expect(readState(session.tracker.stateFile)).toBeUndefined();
  });

  it("deletes only what the notebook created", async () => {
    const other = `wf-not-ours-${stamp}`;
    await session.clients.sagemaker.send(
      new CreateModelCommand({
        ModelName: other,
        ExecutionRoleArn: session.role,
        PrimaryContainer: { Image: session.trainingImage, ModelDataUrl: `s3://${session.bucket}/wf/output/${jobName}/output/model.tar.gz` },
      }),
    );
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await cleanUp();
    } finally {
      log.mockRestore();
    }
    expect((await session.clients.sagemaker.send(new DescribeModelCommand({ ModelName: other }))).ModelName).toBe(other);
  });
});

describe("failures", () => {
  it("stops a training job that is still running", async () => {
    const jobName = `wf-long-${stamp}`;
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await createTrainingJob(session, trainingRequest(jobName, { epochs: "200" }));
      const results = await cleanUp();
      expect(results).toEqual([{ kind: "TrainingJob", name: jobName, outcome: "stopped" }]);
    } finally {
      log.mockRestore();
    }
    const status = async () => (await describeTrainingJob(session, jobName)).TrainingJobStatus;
    await vi.waitFor(async () => expect(await status()).toBe("Stopped"), { timeout: 60_000, interval: 500 });
  }, 90_000);

  it("reports the FailureReason of a failed training job", async () => {
    const jobName = `wf-fail-${stamp}`;
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      // Valid hyperparameters, but larger than the 32-pixel images: only the algorithm can tell.
      await createTrainingJob(session, trainingRequest(jobName, { image_shape: "3,64,64" }));
      await expect(waitForTrainingJob(session, jobName, { pollSeconds: 0.5 })).rejects.toThrow(new RegExp(`Training job ${jobName} failed: .+`));
      expect(log.mock.calls.some((c) => /^Training failed with the following error: .+/.test(String(c[0])))).toBe(true);
    } finally {
      log.mockRestore();
    }
  }, 120_000);
});

describe("the guard process", () => {
  const fixture = path.join(__dirname, "fixtures", "kernel.ts");
  const guardStateDir = fs.mkdtempSync(path.join(TMP, "guard-state-"));
  const modelData = () => `s3://${session.bucket}/wf/output/wf-train-${stamp}/output/model.tar.gz`;

  /** Runs the fake kernel; resolves with its report once it has created its resources. */
  function startKernel(args: string[]): Promise<{ child: ChildProcess; stateFile: string; guardPid: number }> {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
      cwd: path.join(__dirname, "..", ".."),
      env: {
        ...process.env,
        FIXTURE_ENDPOINT: srv.endpoint,
        FIXTURE_REGION: srv.region,
        FIXTURE_ACCESS_KEY_ID: srv.credentials.accessKeyId,
        FIXTURE_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
        FIXTURE_STATE_DIR: guardStateDir,
        FIXTURE_MODEL_DATA: modelData(),
        TUTORIAL_GUARD_POLL_MS: "100",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve({ child, ...(JSON.parse(line) as { stateFile: string; guardPid: number }) });
      });
      child.on("exit", (code) => {
        if (!out.includes("{")) reject(new Error(`fake kernel exited ${code}: ${err}`));
      });
    });
  }

  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const describeModel = (name: string) => session.clients.sagemaker.send(new DescribeModelCommand({ ModelName: name }));

  it("deletes what a killed kernel created, and nothing else, then ends", async () => {
    const model = `wf-guard-model-${stamp}`;
    const config = `wf-guard-epc-${stamp}`;
    const kernel = await startKernel([`Model:${model}`, `EndpointConfig:${config}:${model}`]);
    expect(kernel.guardPid).toBeGreaterThan(0);
    expect(readState(kernel.stateFile)?.resources.map((r) => r.name)).toEqual([model, config]);
    // While the kernel lives the guard only watches.
    await new Promise((r) => setTimeout(r, 500));
    expect((await describeModel(model)).ModelName).toBe(model);
    expect(alive(kernel.guardPid)).toBe(true);

    kernel.child.kill("SIGKILL");
    await vi.waitFor(() => expect(alive(kernel.guardPid)).toBe(false), { timeout: 30_000, interval: 200 });
    await expect(describeModel(model)).rejects.toThrow(/Could not find model/);
    expect(fs.existsSync(kernel.stateFile)).toBe(false);
    const log = fs.readFileSync(`${kernel.stateFile}.guard.log`, "utf8");
    expect(log).toMatch(new RegExp(`EndpointConfig ${config}: deleted`));
    expect(log).toMatch(new RegExp(`Model ${model}: deleted`));
    expect(log).toMatch(/all recorded resources are cleaned up/);
    // The model of the earlier test, which the fake kernel did not create, is untouched.
    expect((await describeModel(`wf-not-ours-${stamp}`)).ModelName).toBe(`wf-not-ours-${stamp}`);
  }, 60_000);

  it("ends by itself, deleting nothing, when the kernel cleans up", async () => {
    const model = `wf-guard-clean-${stamp}`;
    const kernel = await startKernel([`Model:${model}`, "--clean-up"]);
    await vi.waitFor(() => expect(alive(kernel.guardPid)).toBe(false), { timeout: 30_000, interval: 200 });
    await expect(describeModel(model)).rejects.toThrow(/Could not find model/);
    expect(fs.existsSync(kernel.stateFile)).toBe(false);
    expect(fs.existsSync(`${kernel.stateFile}.guard.log`)).toBe(false);
  }, 60_000);
});
