/** What the runners of training jobs, endpoints and transform jobs share. */
import type { ProcessRecords } from "../../containers/process-records";
import type { ImageRegistry } from "../../containers/registry";
import type { Logger } from "../../http/types";
import type { LogStore } from "../../logs/log-store";
import type { ObjectStore } from "../../s3/store-api";
import type { Settings } from "../settings";

export interface RunnerContext {
  objects: ObjectStore;
  logs: LogStore;
  registry: ImageRegistry;
  processes: ProcessRecords;
  settings: Settings;
  /** `<dataDir>/sagemaker/work`: the ml roots of jobs and endpoints. */
  workDir: string;
  region: string;
  accountId: string;
  logger: Logger;
}

/** The log groups SageMaker writes to. */
export const LOG_GROUPS = {
  training: "/aws/sagemaker/TrainingJobs",
  transform: "/aws/sagemaker/TransformJobs",
  endpoint: (name: string) => `/aws/sagemaker/Endpoints/${name}`,
};

/** An EC2-like instance id for log stream names (`i-0123456789abcdef0`). */
export function instanceId(): string {
  return `i-0${Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join("")}`;
}
