/**
 * Runs batch transform jobs: a serving container started with the batch
 * variables, every object under the input prefix sent to `/invocations`
 * (SplitType None: one object, one request; Line: its lines, one or several
 * per request), at most MaxConcurrentTransforms at a time. Outputs are staged
 * locally and published as `<S3OutputPath>/<path below the prefix>.out` only
 * when every record succeeded: a failed or stopped job leaves no output.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { ENV } from "../../../container/contract";
import { ContainerTimeoutError } from "../../containers/container-http";
import { localPathFor, objectsUnder } from "../../containers/channels";
import { formatS3Uri, joinKey, parseS3Uri, relativeKey } from "../../containers/s3-uri";
import { ServingContainer } from "../../containers/serving-container";
import type { CreateTransformJobInput } from "../model/api-types";
import type { TransformJobRecord, TransformJobStatus } from "../model/records";
import type { ResourceStore } from "../model/resource-store";
import { ModelLoadError, prepareModelRoot } from "./model-root";
import { instanceId, LOG_GROUPS, type RunnerContext } from "./runner-context";
import { SHUTDOWN_REASON } from "./training-job-runner";

const MB = 1024 * 1024;

interface ActiveJob {
  abort: AbortController;
  stopReason?: "user" | "shutdown";
  done: Promise<void>;
}

/** A failure with the FailureReason it gives the job. */
class JobFailure extends Error {}

interface BatchParameters {
  maxConcurrent: number;
  maxPayloadMB: number;
  strategy: "MultiRecord" | "SingleRecord";
}

interface StagedOutput {
  key: string;
  file: string;
  contentType?: string;
}

export class TransformJobRunner {
  private readonly active = new Map<string, ActiveJob>();

  constructor(
    private readonly ctx: RunnerContext,
    private readonly jobs: ResourceStore<TransformJobRecord>,
  ) {}

  private update(name: string, mutate: (rec: TransformJobRecord) => void): void {
    const rec = structuredClone(this.jobs.get(name)!);
    mutate(rec);
    rec.lastModifiedTime = Date.now();
    this.jobs.put(rec);
  }

  private finish(name: string, status: TransformJobStatus, failureReason?: string): void {
    // The job's log is on disk before its final status is.
    this.ctx.logs.flush();
    this.update(name, (rec) => {
      rec.status = status;
      rec.transformEndTime = Date.now();
      rec.transformStartTime ??= rec.transformEndTime;
      if (failureReason !== undefined) rec.failureReason = failureReason.slice(0, 1024);
    });
  }

  start(name: string): void {
    const job: ActiveJob = { abort: new AbortController(), done: Promise.resolve() };
    this.active.set(name.toLowerCase(), job);
    job.done = this.run(name, job)
      .catch((e) => this.ctx.logger.error("transform job runner failed", { job: name, error: String(e) }))
      .finally(() => this.active.delete(name.toLowerCase()));
  }

  /** StopTransformJob: Stopping now, Stopped once the container has ended. */
  stop(name: string): void {
    this.update(name, (rec) => (rec.status = "Stopping"));
    const job = this.active.get(name.toLowerCase());
    if (job && !job.stopReason) {
      job.stopReason = "user";
      job.abort.abort();
    }
  }

  async close(): Promise<void> {
    const jobs = [...this.active.values()];
    for (const job of jobs) {
      job.stopReason ??= "shutdown";
      job.abort.abort();
    }
    await Promise.all(jobs.map((j) => j.done));
  }

  recover(): void {
    for (const rec of this.jobs.all()) {
      if (rec.status === "Stopping") this.finish(rec.name, "Stopped");
      else if (rec.status === "InProgress") this.finish(rec.name, "Failed", SHUTDOWN_REASON);
    }
  }

  private async run(name: string, job: ActiveJob): Promise<void> {
    const root = path.join(this.ctx.workDir, "transform-jobs", name.toLowerCase());
    const rec = this.jobs.get(name)!;
    const request = rec.request;
    const dataLog = `${name}/${instanceId()}-${Math.floor(Date.now() / 1000)}`;
    const log = (line: string): void => this.ctx.logs.append(LOG_GROUPS.transform, `${dataLog}/data-log`, `${new Date().toISOString()} [sagemaker logs]: ${line}`);
    let container: ServingContainer | undefined;
    try {
      this.update(name, (r) => (r.transformStartTime = Date.now()));
      const image = this.ctx.registry.resolve(rec.container.Image!);
      try {
        await prepareModelRoot(this.ctx.objects, rec.container, root);
      } catch (e) {
        throw new JobFailure(e instanceof ModelLoadError ? `ClientError: ${e.message}` : String(e));
      }
      const params = initialParameters(request);
      this.ctx.logs.ensureStream(LOG_GROUPS.transform, dataLog);
      try {
        container = await ServingContainer.start({
          image,
          root,
          name,
          owner: `transform-job/${name}`,
          env: {
            ...rec.container.Environment,
            ...request.Environment,
            AWS_REGION: this.ctx.region,
            [ENV.batch]: "true",
            [ENV.maxPayloadInMB]: String(params.maxPayloadMB),
            [ENV.batchStrategy]: params.strategy === "SingleRecord" ? "SINGLE_RECORD" : "MULTI_RECORD",
            [ENV.maxConcurrentTransforms]: String(params.maxConcurrent),
          },
          records: this.ctx.processes,
          onLine: (line) => this.ctx.logs.append(LOG_GROUPS.transform, dataLog, line),
          healthTimeoutMs: this.ctx.settings.healthTimeoutMs,
          signal: job.abort.signal,
        });
      } catch (e) {
        if (job.abort.signal.aborted) throw e;
        throw new JobFailure(`ClientError: The model container did not pass the ping health check: ${(e as Error).message}. See the job's logs in ${LOG_GROUPS.transform}.`);
      }
      await this.askExecutionParameters(container, request, params);
      log(`MaxConcurrentTransforms=${params.maxConcurrent}, MaxPayloadInMB=${params.maxPayloadMB}, BatchStrategy=${params.strategy}`);
      const staged = await this.transformAll(container, request, params, path.join(root, "staged"), job.abort.signal, log);
      job.abort.signal.throwIfAborted();
      await this.publish(staged, request.TransformOutput.S3OutputPath);
      this.finish(name, "Completed");
    } catch (e) {
      if (job.stopReason === "user") this.finish(name, "Stopped");
      else if (job.stopReason === "shutdown") this.finish(name, "Failed", SHUTDOWN_REASON);
      else this.finish(name, "Failed", e instanceof JobFailure ? e.message : `InternalServerError: ${(e as Error).message}`);
    } finally {
      await container?.stop(job.stopReason === "shutdown" ? this.ctx.settings.shutdownGraceMs : this.ctx.settings.stopGraceMs);
      fs.rmSync(path.join(root, "staged"), { recursive: true, force: true });
    }
  }

  /** SageMaker asks the container for defaults of what the request leaves unset. */
  private async askExecutionParameters(container: ServingContainer, request: CreateTransformJobInput, params: BatchParameters): Promise<void> {
    if (request.MaxConcurrentTransforms !== undefined && request.MaxPayloadInMB !== undefined && request.BatchStrategy !== undefined) return;
    let answer: { MaxConcurrentTransforms?: unknown; MaxPayloadInMB?: unknown; BatchStrategy?: unknown };
    try {
      const res = await container.request({ method: "GET", path: "/execution-parameters", timeoutMs: 5000 });
      if (res.status !== 200) return;
      answer = JSON.parse(res.body.toString("utf8"));
    } catch {
      return;
    }
    const positive = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;
    if (request.MaxConcurrentTransforms === undefined && positive(answer.MaxConcurrentTransforms)) params.maxConcurrent = answer.MaxConcurrentTransforms;
    if (request.MaxPayloadInMB === undefined && positive(answer.MaxPayloadInMB)) params.maxPayloadMB = Math.min(100, answer.MaxPayloadInMB);
    if (request.BatchStrategy === undefined && (answer.BatchStrategy === "MULTI_RECORD" || answer.BatchStrategy === "SINGLE_RECORD")) {
      params.strategy = answer.BatchStrategy === "SINGLE_RECORD" ? "SingleRecord" : "MultiRecord";
    }
  }

  private async transformAll(
    container: ServingContainer,
    request: CreateTransformJobInput,
    params: BatchParameters,
    stagingDir: string,
    signal: AbortSignal,
    log: (line: string) => void,
  ): Promise<StagedOutput[]> {
    const input = parseS3Uri(request.TransformInput.DataSource.S3DataSource.S3Uri)!;
    const output = parseS3Uri(request.TransformOutput.S3OutputPath)!;
    const objects: { key: string; size: number }[] = [];
    for await (const o of objectsUnder(this.ctx.objects, input)) objects.push(o);
    if (objects.length === 0) {
      throw new JobFailure(`ClientError: No S3 objects found under S3 URL "${request.TransformInput.DataSource.S3DataSource.S3Uri}" given in input data source.`);
    }
    fs.mkdirSync(stagingDir, { recursive: true });
    const staged: StagedOutput[] = [];
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (next < objects.length && failure === undefined && !signal.aborted) {
        const o = objects[next++];
        const uri = formatS3Uri({ bucket: input.bucket, key: o.key });
        try {
          const relative = `${relativeKey(input.key, o.key)}.out`;
          const result = await this.transformObject(container, request, params, input.bucket, o, uri, signal);
          const file = localPathFor(stagingDir, relative, uri);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, result.body);
          staged.push({ key: joinKey(output.key, relative), file, contentType: result.contentType });
        } catch (e) {
          if (!signal.aborted) log(`${uri}: ${(e as Error).message}`);
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, params.maxConcurrent) }, worker));
    signal.throwIfAborted();
    if (failure !== undefined) throw failure;
    return staged.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private async transformObject(
    container: ServingContainer,
    request: CreateTransformJobInput,
    params: BatchParameters,
    bucket: string,
    o: { key: string; size: number },
    uri: string,
    signal: AbortSignal,
  ): Promise<{ body: Buffer; contentType?: string }> {
    const limit = params.maxPayloadMB * MB;
    const split = request.TransformInput.SplitType ?? "None";
    if (split === "None" && params.maxPayloadMB > 0 && o.size > limit) {
      throw new JobFailure(
        `ClientError: The input object ${uri} is ${o.size} bytes, more than MaxPayloadInMB (${params.maxPayloadMB} MB). Raise MaxPayloadInMB (at most 100) or split the input (SplitType Line).`,
      );
    }
    let data = await readAll(await this.ctx.objects.openObject(bucket, o.key));
    if (request.TransformInput.CompressionType === "Gzip") {
      try {
        data = gunzipSync(data);
      } catch (e) {
        throw new JobFailure(`ClientError: The input object ${uri} is not gzip data (CompressionType Gzip): ${(e as Error).message}`);
      }
    }
    const payloads = split === "Line" ? linePayloads(data, params, uri) : [data];
    const outputs: Buffer[] = [];
    let contentType: string | undefined;
    for (const [i, payload] of payloads.entries()) {
      const headers: Record<string, string> = {};
      if (request.TransformInput.ContentType !== undefined) headers["content-type"] = request.TransformInput.ContentType;
      if (request.TransformOutput.Accept !== undefined) headers.accept = request.TransformOutput.Accept;
      let res;
      try {
        res = await container.request({ method: "POST", path: "/invocations", headers, body: payload, timeoutMs: this.ctx.settings.invocationTimeoutMs, signal });
      } catch (e) {
        if (signal.aborted) throw e;
        const what = e instanceof ContainerTimeoutError ? `did not answer within ${this.ctx.settings.invocationTimeoutMs / 1000} s` : `could not be reached (${(e as Error).message})`;
        throw new JobFailure(`AlgorithmError: The model container ${what} for the input ${uri}${payloads.length > 1 ? ` (request ${i + 1})` : ""}.`);
      }
      if (res.status < 200 || res.status > 299) {
        const kind = res.status < 500 ? "ClientError" : "AlgorithmError";
        throw new JobFailure(
          `${kind}: Bad HTTP status received from algorithm: ${res.status} for the input ${uri}${payloads.length > 1 ? ` (request ${i + 1})` : ""}: ${res.body.toString("utf8").slice(0, 300)}`,
        );
      }
      contentType = typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : undefined;
      outputs.push(res.body);
    }
    const assembled =
      request.TransformOutput.AssembleWith === "Line"
        ? Buffer.concat(outputs.flatMap((b) => [b, ...(b.length > 0 && b[b.length - 1] === 0x0a ? [] : [Buffer.from("\n")])]))
        : Buffer.concat(outputs);
    return { body: assembled, contentType: contentType ?? request.TransformOutput.Accept };
  }

  private async publish(staged: StagedOutput[], outputPath: string): Promise<void> {
    const bucket = parseS3Uri(outputPath)!.bucket;
    for (const s of staged) {
      try {
        await this.ctx.objects.putObjectFromFile(bucket, s.key, s.file, s.contentType ? { contentType: s.contentType } : undefined);
      } catch (e) {
        throw new JobFailure(`ClientError: Could not write the output ${formatS3Uri({ bucket, key: s.key })}: ${(e as Error).message}`);
      }
    }
  }
}

function initialParameters(request: CreateTransformJobInput): BatchParameters {
  return {
    maxConcurrent: request.MaxConcurrentTransforms || 1,
    maxPayloadMB: request.MaxPayloadInMB ?? 6,
    strategy: request.BatchStrategy ?? "MultiRecord",
  };
}

/** SplitType Line: one line per request (SingleRecord), or as many whole lines as fit MaxPayloadInMB (MultiRecord). */
function linePayloads(data: Buffer, params: BatchParameters, uri: string): Buffer[] {
  const lines = data.toString("utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const limit = params.maxPayloadMB > 0 ? params.maxPayloadMB * MB : Infinity;
  lines.forEach((line, i) => {
    if (Buffer.byteLength(line) + 1 > limit) {
      throw new JobFailure(`ClientError: Line ${i + 1} of the input ${uri} is longer than MaxPayloadInMB (${params.maxPayloadMB} MB).`);
    }
  });
  if (params.strategy === "SingleRecord") return lines.map((line) => Buffer.from(line));
  const payloads: Buffer[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (size + bytes > limit) {
      payloads.push(Buffer.from(batch.join("\n") + "\n"));
      batch = [];
      size = 0;
    }
    batch.push(line);
    size += bytes;
  }
  if (batch.length > 0) payloads.push(Buffer.from(batch.join("\n") + "\n"));
  return payloads;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

