/**
 * A serving "container": the image's `serve` program on a free port of
 * 127.0.0.1, considered up once `GET /ping` answers 200, as SageMaker's
 * health check does before an endpoint goes InService.
 */
import { ENV } from "../../container/contract";
import { AlgorithmProcess, type ProcessExit } from "./algorithm-process";
import { ContainerTimeoutError, ContainerUnreachableError, freePort, requestContainer, type ContainerRequest, type ContainerResponse } from "./container-http";
import type { ProcessRecords } from "./process-records";
import type { ResolvedImage } from "./registry";

export interface ServingOptions {
  image: ResolvedImage;
  /** The serving root, its `model/` already filled. */
  root: string;
  /** Name of the endpoint or transform job (TRAINING_JOB_NAME in the contract). */
  name: string;
  owner: string;
  /** The model's Environment and, for batch transform, the SAGEMAKER_BATCH variables. */
  env: Record<string, string>;
  records: ProcessRecords;
  onLine(line: string): void;
  /** How long the container may take to answer its first ping. */
  healthTimeoutMs: number;
  signal?: AbortSignal;
}

/** The container never became healthy; the message says what happened. */
export class HealthCheckError extends Error {}

const PING_INTERVAL_MS = 100;

export class ServingContainer {
  private constructor(
    readonly port: number,
    readonly process: AlgorithmProcess,
  ) {}

  static async start(opts: ServingOptions): Promise<ServingContainer> {
    const port = await freePort();
    const proc = AlgorithmProcess.start({
      argv: [...opts.image.argv, "serve"],
      env: {
        ...opts.image.environment,
        ...opts.env,
        [ENV.root]: opts.root,
        [ENV.port]: String(port),
        [ENV.jobName]: opts.name,
      },
      cwd: opts.root,
      root: opts.root,
      owner: opts.owner,
      records: opts.records,
      onLine: opts.onLine,
    });
    let exit: ProcessExit | undefined;
    void proc.exited.then((e) => (exit = e));
    const deadline = Date.now() + opts.healthTimeoutMs;
    try {
      for (;;) {
        opts.signal?.throwIfAborted();
        if (exit) throw new HealthCheckError(`the serve process exited with code ${exit.code} before it answered GET /ping`);
        const left = deadline - Date.now();
        if (left <= 0) throw new HealthCheckError(`GET /ping did not answer 200 within ${opts.healthTimeoutMs / 1000} s`);
        try {
          const res = await requestContainer(port, { method: "GET", path: "/ping", timeoutMs: Math.min(2000, left) });
          if (res.status === 200) return new ServingContainer(port, proc);
        } catch (e) {
          if (!(e instanceof ContainerUnreachableError || e instanceof ContainerTimeoutError)) throw e;
        }
        await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
      }
    } catch (e) {
      proc.kill();
      await proc.exited;
      throw e;
    }
  }

  request(req: ContainerRequest): Promise<ContainerResponse> {
    return requestContainer(this.port, req);
  }

  stop(graceMs: number): Promise<ProcessExit> {
    return this.process.stop(graceMs);
  }
}
