/**
 * SageMaker's container contract, shared by the local SageMaker (which lays the
 * directories out and starts "images" as processes) and the algorithms (which
 * run inside them). On AWS the root is `/opt/ml`; locally every job, endpoint
 * and transform gets its own root directory, passed in `SM_ML_ROOT`, because
 * many "containers" share one machine.
 */
import * as path from "node:path";

/** Environment variables the local SageMaker sets for an algorithm process. */
export const ENV = {
  /** The directory that plays the role of `/opt/ml`. */
  root: "SM_ML_ROOT",
  /** Serving: the port to bind `/ping` and `/invocations` to (always on 127.0.0.1). */
  port: "SAGEMAKER_BIND_TO_PORT",
  /** Batch transform: set to "true" when a serving process runs for a transform job. */
  batch: "SAGEMAKER_BATCH",
  maxPayloadInMB: "SAGEMAKER_MAX_PAYLOAD_IN_MB",
  batchStrategy: "SAGEMAKER_BATCH_STRATEGY",
  maxConcurrentTransforms: "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS",
  /** Name of the training job, endpoint or transform job the process belongs to. */
  jobName: "TRAINING_JOB_NAME",
} as const;

/** The first argument of the process: what SageMaker passes to the container's entry point. */
export type ContainerMode = "train" | "serve";

export interface MlPaths {
  root: string;
  hyperparameters: string;
  inputDataConfig: string;
  resourceConfig: string;
  /** Directory of one input channel: `input/data/<channel>/`. */
  channel(name: string): string;
  model: string;
  output: string;
  outputData: string;
  /** Written by the algorithm when it fails; its first 1024 characters become FailureReason. */
  failure: string;
  checkpoints: string;
}

export function mlPaths(root: string): MlPaths {
  return {
    root,
    hyperparameters: path.join(root, "input", "config", "hyperparameters.json"),
    inputDataConfig: path.join(root, "input", "config", "inputdataconfig.json"),
    resourceConfig: path.join(root, "input", "config", "resourceconfig.json"),
    channel: (name) => path.join(root, "input", "data", name),
    model: path.join(root, "model"),
    output: path.join(root, "output"),
    outputData: path.join(root, "output", "data"),
    failure: path.join(root, "output", "failure"),
    checkpoints: path.join(root, "checkpoints"),
  };
}

/** `input/config/inputdataconfig.json`: one entry per channel, as SageMaker writes it. */
export type InputDataConfigFile = Record<
  string,
  {
    ContentType?: string;
    TrainingInputMode: "File" | "Pipe" | "FastFile";
    S3DistributionType: "FullyReplicated" | "ShardedByS3Key";
    RecordWrapperType: "None" | "RecordIO";
    CompressionType?: "None" | "Gzip";
  }
>;

/** `input/config/resourceconfig.json`. */
export interface ResourceConfigFile {
  current_host: string;
  hosts: string[];
  network_interface_name?: string;
}

/** Exit codes an algorithm process uses: 0 success, anything else failure (reason in `output/failure`). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
