/**
 * Runs training jobs: lays out the ml root, downloads the channels, runs the
 * image's `train` program, reads metrics from its log, enforces
 * MaxRuntimeInSeconds and StopTrainingJob, packs `model/` into model.tar.gz
 * and uploads it to `<S3OutputPath>/<job>/output/`, moving the job through
 * its status machine at each step.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ENV, mlPaths, type InputDataConfigFile } from "../../../container/contract";
import { AlgorithmProcess, type ProcessExit } from "../../containers/algorithm-process";
import { downloadChannel } from "../../containers/channels";
import { MetricParser } from "../../containers/metrics";
import { prepareTrainingRoot, readFailure, CURRENT_HOST } from "../../containers/ml-root";
import { packModel } from "../../containers/model-archive";
import { formatS3Uri, joinKey, parseS3Uri } from "../../containers/s3-uri";
import type { ResourceStore } from "../model/resource-store";
import type { TrainingJobRecord } from "../model/records";
import { enterStep, isActive, type TrainingStep } from "../model/training-status";
import { LOG_GROUPS, type RunnerContext } from "./runner-context";

type StopReason = "user" | "maxRuntime" | "shutdown";

interface ActiveJob {
  abort: AbortController;
  stopReason?: StopReason;
  process?: AlgorithmProcess;
  /** The algorithm logged a full disk: it cannot have written its failure file, so the reason says so instead. */
  diskFull?: boolean;
  done: Promise<void>;
}

const DISK_FULL = /\bENOSPC\b|no space left on device/i;

export const SHUTDOWN_REASON = "InternalServerError: the local SageMaker stopped while the job was running. Start the job again under a new name.";

/** A failure with the FailureReason it gives the job. */
class JobFailure extends Error {}

export class TrainingJobRunner {
  private readonly active = new Map<string, ActiveJob>();

  constructor(
    private readonly ctx: RunnerContext,
    private readonly jobs: ResourceStore<TrainingJobRecord>,
  ) {}

  private update(name: string, mutate: (rec: TrainingJobRecord) => void): TrainingJobRecord {
    const rec = structuredClone(this.jobs.get(name)!);
    mutate(rec);
    return this.jobs.put(rec);
  }

  private step(name: string, step: TrainingStep, failureReason?: string): void {
    // The log up to a status change is on disk before the status is.
    this.ctx.logs.flush();
    this.update(name, (rec) => enterStep(rec, step, Date.now(), failureReason));
  }

  /** Starts a created job in the background. */
  start(name: string): void {
    const job: ActiveJob = { abort: new AbortController(), done: Promise.resolve() };
    this.active.set(name.toLowerCase(), job);
    job.done = this.run(name, job)
      .catch((e) => this.ctx.logger.error("training job runner failed", { job: name, error: String(e) }))
      .finally(() => this.active.delete(name.toLowerCase()));
  }

  /** StopTrainingJob: Stopping now, Stopped once the program has ended. */
  stop(name: string): void {
    this.step(name, "stopping");
    this.requestStop(name, "user");
  }

  private requestStop(name: string, reason: StopReason, graceMs = this.ctx.settings.stopGraceMs): void {
    const job = this.active.get(name.toLowerCase());
    if (!job || job.stopReason) return;
    job.stopReason = reason;
    job.abort.abort();
    void job.process?.stop(graceMs);
  }

  /** Server shutdown: running jobs end Failed (they cannot survive the server). */
  async close(): Promise<void> {
    const jobs = [...this.active.entries()];
    for (const [name] of jobs) this.requestStop(name, "shutdown", this.ctx.settings.shutdownGraceMs);
    await Promise.all(jobs.map(([, j]) => j.done));
  }

  /** Server start: jobs that were running when the server died cannot be resumed. */
  recover(): void {
    for (const rec of this.jobs.all()) {
      if (!isActive(rec.status)) continue;
      if (rec.status === "Stopping") this.step(rec.name, "stopped");
      else this.step(rec.name, "failed", SHUTDOWN_REASON);
    }
  }

  private root(name: string): string {
    return path.join(this.ctx.workDir, "training-jobs", name.toLowerCase());
  }

  private async run(name: string, job: ActiveJob): Promise<void> {
    const root = this.root(name);
    const p = mlPaths(root);
    let exit: ProcessExit | undefined;
    let maxRuntimeTimer: NodeJS.Timeout | undefined;
    try {
      const request = this.jobs.get(name)!.request;
      this.step(name, "preparing");
      const image = this.resolveImage(request.AlgorithmSpecification.TrainingImage!);
      fs.rmSync(root, { recursive: true, force: true });
      const inputDataConfig: InputDataConfigFile = {};
      for (const c of request.InputDataConfig ?? []) {
        inputDataConfig[c.ChannelName] = {
          ...(c.ContentType !== undefined && { ContentType: c.ContentType }),
          TrainingInputMode: c.InputMode ?? request.AlgorithmSpecification.TrainingInputMode,
          S3DistributionType: c.DataSource.S3DataSource?.S3DataDistributionType ?? "FullyReplicated",
          RecordWrapperType: c.RecordWrapperType ?? "None",
          CompressionType: c.CompressionType ?? "None",
        };
      }
      prepareTrainingRoot(root, { hyperparameters: request.HyperParameters ?? {}, inputDataConfig });

      this.step(name, "downloading");
      const maxRuntimeMs = (request.StoppingCondition.MaxRuntimeInSeconds ?? 86400) * 1000;
      maxRuntimeTimer = setTimeout(() => this.requestStop(name, "maxRuntime"), maxRuntimeMs);
      for (const c of request.InputDataConfig ?? []) {
        const source = c.DataSource.S3DataSource!;
        try {
          await downloadChannel(this.ctx.objects, parseS3Uri(source.S3Uri)!, p.channel(c.ChannelName), job.abort.signal);
        } catch (e) {
          if (job.abort.signal.aborted) break;
          throw new JobFailure(`ClientError: Data download failed: could not download channel ${c.ChannelName} from ${source.S3Uri}: ${(e as Error).message}`);
        }
      }

      if (!job.abort.signal.aborted) {
        this.step(name, "pullingImage");
        const stream = `${name}/${CURRENT_HOST}-${Math.floor(Date.now() / 1000)}`;
        this.ctx.logs.ensureStream(LOG_GROUPS.training, stream);
        const metrics = new MetricParser([...image.metricDefinitions, ...(request.AlgorithmSpecification.MetricDefinitions ?? [])]);
        job.process = AlgorithmProcess.start({
          argv: [...image.argv, "train"],
          env: {
            ...image.environment,
            ...request.Environment,
            [ENV.root]: root,
            [ENV.jobName]: name,
            AWS_REGION: this.ctx.region,
          },
          cwd: root,
          root,
          owner: `training-job/${name}`,
          records: this.ctx.processes,
          onLine: (line) => {
            if (DISK_FULL.test(line)) job.diskFull = true;
            const at = Date.now();
            this.ctx.logs.append(LOG_GROUPS.training, stream, line, at);
            if (metrics.feed(line, at)) this.update(name, (rec) => (rec.finalMetrics = metrics.final()));
          },
        });
        this.step(name, "training");
        exit = await job.process.exited;
      }
      clearTimeout(maxRuntimeTimer);

      if (job.stopReason === "shutdown") throw new JobFailure(SHUTDOWN_REASON);
      if (!job.stopReason && exit && exit.code !== 0) {
        const written = readFailure(p);
        throw new JobFailure(
          written === undefined
            ? `AlgorithmError: ${killedBy(exit.code)}${job.diskFull ? diskFullHint(root) : ""}See job logs for more information`
            : /^(AlgorithmError|ClientError):/.test(written)
              ? written
              : `AlgorithmError: ${written}`,
        );
      }
      // Completed and stopped jobs both keep what the algorithm saved (SageMaker uploads after SIGTERM too).
      if (exit) {
        if (!job.stopReason) this.step(name, "uploading");
        await this.uploadArtifacts(name, root, request.OutputDataConfig.S3OutputPath);
      }
      this.step(name, job.stopReason === "maxRuntime" ? "maxRuntime" : job.stopReason === "user" ? "stopped" : "completed");
    } catch (e) {
      clearTimeout(maxRuntimeTimer);
      if (job.process?.running) {
        job.process.kill();
        await job.process.exited;
      }
      const reason = e instanceof JobFailure ? e.message : `InternalServerError: ${(e as Error).message}`;
      this.step(name, "failed", reason);
    } finally {
      // Inputs can be large and are not needed after the job; model/ and output/ stay for inspection.
      fs.rmSync(path.join(root, "input", "data"), { recursive: true, force: true });
    }
  }

  private resolveImage(uri: string) {
    try {
      return this.ctx.registry.resolve(uri);
    } catch (e) {
      throw new JobFailure(`ClientError: ${(e as Error).message}`);
    }
  }

  private async uploadArtifacts(name: string, root: string, outputPath: string): Promise<void> {
    const out = parseS3Uri(outputPath)!;
    const prefix = joinKey(out.key, `${name}/output`);
    const p = mlPaths(root);
    const modelFile = path.join(root, "model.tar.gz");
    await packModel(p.model, modelFile);
    const modelKey = `${prefix}/model.tar.gz`;
    try {
      await this.ctx.objects.putObjectFromFile(out.bucket, modelKey, modelFile, { contentType: "application/x-tar" });
      if (fs.existsSync(p.outputData) && fs.readdirSync(p.outputData).length > 0) {
        const outputFile = path.join(root, "output.tar.gz");
        await packModel(p.outputData, outputFile);
        await this.ctx.objects.putObjectFromFile(out.bucket, `${prefix}/output.tar.gz`, outputFile, { contentType: "application/x-tar" });
      }
    } catch (e) {
      throw new JobFailure(`ClientError: Artifact upload failed: could not write to ${outputPath}: ${(e as Error).message}`);
    }
    this.update(name, (rec) => (rec.modelArtifacts = formatS3Uri({ bucket: out.bucket, key: modelKey })));
  }
}

function diskFullHint(root: string): string {
  return `The disk is full (ENOSPC): the job's directory ${root} has no space left. Free space there (delete objects or old jobs' directories) and start the job again. `;
}

/**
 * "The algorithm was killed by SIGKILL (exit code 137). " for an exit that
 * reports a signal (128 + n, as the launcher and shells report them), so that
 * a process killed from outside (or by the out-of-memory killer) does not fail
 * silently: it writes no failure file and often no last log line.
 */
function killedBy(code: number): string {
  const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
  return code > 128 && name ? `The algorithm was killed by ${name} (exit code ${code}). ` : "";
}
