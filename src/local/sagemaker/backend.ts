/**
 * The state and the runners of one local SageMaker, shared by its three
 * services (control plane, runtime, CloudWatch Logs), which the server builds
 * separately from the same ServerContext. One backend per data directory.
 *
 * Layout under `<dataDir>`:
 *   sagemaker/state/<kind>/<name>.json   one JSON file per resource
 *   sagemaker/work/...                   ml roots of jobs and endpoints
 *   sagemaker/processes/<pgid>.json      running process groups (killed after a crash)
 *   sagemaker/images.json                optional local image registry
 *   logs/                                CloudWatch Logs groups and streams
 */
import * as path from "node:path";
import { ProcessRecords } from "../containers/process-records";
import { ImageRegistry } from "../containers/registry";
import type { ServerContext } from "../http/types";
import { LogStore } from "../logs/log-store";
import { EndpointManager } from "./jobs/endpoint-manager";
import type { RunnerContext } from "./jobs/runner-context";
import { TrainingJobRunner } from "./jobs/training-job-runner";
import { TransformJobRunner } from "./jobs/transform-job-runner";
import type { EndpointConfigRecord, EndpointRecord, ModelRecord, TrainingJobRecord, TransformJobRecord } from "./model/records";
import { ResourceStore } from "./model/resource-store";
import { readSettings } from "./settings";

export class LocalSageMaker {
  readonly trainingJobs: ResourceStore<TrainingJobRecord>;
  readonly models: ResourceStore<ModelRecord>;
  readonly endpointConfigs: ResourceStore<EndpointConfigRecord>;
  readonly endpoints: ResourceStore<EndpointRecord>;
  readonly transformJobs: ResourceStore<TransformJobRecord>;
  readonly logs: LogStore;
  readonly runner: RunnerContext;
  readonly training: TrainingJobRunner;
  readonly hosting: EndpointManager;
  readonly transforms: TransformJobRunner;
  private started?: Promise<void>;
  private closed?: Promise<void>;

  constructor(readonly ctx: ServerContext) {
    const root = path.join(ctx.dataDir, "sagemaker");
    const state = (kind: string): string => path.join(root, "state", kind);
    this.trainingJobs = new ResourceStore(state("training-jobs"));
    this.models = new ResourceStore(state("models"));
    this.endpointConfigs = new ResourceStore(state("endpoint-configs"));
    this.endpoints = new ResourceStore(state("endpoints"));
    this.transformJobs = new ResourceStore(state("transform-jobs"));
    this.logs = new LogStore(path.join(ctx.dataDir, "logs"));
    this.runner = {
      objects: ctx.store,
      logs: this.logs,
      registry: new ImageRegistry(path.join(root, "images.json"), ctx.region),
      processes: new ProcessRecords(path.join(root, "processes")),
      settings: readSettings(),
      workDir: path.join(root, "work"),
      region: ctx.region,
      accountId: ctx.accountId,
      logger: ctx.logger,
    };
    this.training = new TrainingJobRunner(this.runner, this.trainingJobs);
    this.hosting = new EndpointManager(this.runner, this.endpoints);
    this.transforms = new TransformJobRunner(this.runner, this.transformJobs);
  }

  /** Loads the state, ends processes a crashed server left, and resumes or fails what was running. Idempotent. */
  ready(): Promise<void> {
    this.started ??= (async () => {
      for (const store of [this.trainingJobs, this.models, this.endpointConfigs, this.endpoints, this.transformJobs]) {
        for (const problem of store.load()) this.ctx.logger.warn("unreadable SageMaker state file set aside", { problem });
      }
      for (const killed of this.runner.processes.killLeftovers()) {
        this.ctx.logger.warn("killed a process group left by a previous server", { ...killed });
      }
      this.training.recover();
      this.transforms.recover();
      this.hosting.recover();
    })();
    return this.started;
  }

  /** Stops every process the backend started. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      backends.delete(path.resolve(this.ctx.dataDir));
      if (!this.started) return;
      await this.started;
      await Promise.all([this.training.close(), this.transforms.close(), this.hosting.close()]);
    })();
    return this.closed;
  }
}

const backends = new Map<string, LocalSageMaker>();

/** The backend of a server: the same one for every service built from the same data directory. */
export function backendFor(ctx: ServerContext): LocalSageMaker {
  const key = path.resolve(ctx.dataDir);
  let backend = backends.get(key);
  if (!backend) {
    backend = new LocalSageMaker(ctx);
    backends.set(key, backend);
  }
  return backend;
}
