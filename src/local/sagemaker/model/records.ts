/** What the local SageMaker stores per resource. Times are epoch milliseconds. */
import type { MetricDatum } from "../../containers/metrics";
import type {
  ContainerDefinition,
  CreateEndpointConfigInput,
  CreateModelInput,
  CreateTrainingJobInput,
  CreateTransformJobInput,
} from "./api-types";

interface Resource {
  name: string;
  arn: string;
  creationTime: number;
  lastModifiedTime: number;
}

export type TrainingJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface StatusTransition {
  Status: string;
  StartTime: number;
  EndTime?: number;
  StatusMessage: string;
}

export interface TrainingJobRecord extends Resource {
  request: Omit<CreateTrainingJobInput, "Tags">;
  status: TrainingJobStatus;
  secondaryStatus: string;
  transitions: StatusTransition[];
  failureReason?: string;
  trainingStartTime?: number;
  trainingEndTime?: number;
  finalMetrics: MetricDatum[];
  /** S3 URI of model.tar.gz, once uploaded. */
  modelArtifacts?: string;
}

export interface ModelRecord extends Resource {
  request: Omit<CreateModelInput, "Tags">;
}

export interface EndpointConfigRecord extends Resource {
  request: Omit<CreateEndpointConfigInput, "Tags">;
}

export type EndpointStatus = "Creating" | "InService" | "Deleting" | "Failed";

/** A variant as the endpoint was created: the model is copied, later changes to it do not matter. */
export interface DeployedVariant {
  variantName: string;
  modelName: string;
  container: ContainerDefinition;
  weight: number;
  instanceCount: number;
  healthCheckTimeoutSeconds?: number;
  /** When the image was resolved to its local program. */
  resolutionTime?: number;
}

export interface EndpointRecord extends Resource {
  endpointConfigName: string;
  status: EndpointStatus;
  failureReason?: string;
  variants: DeployedVariant[];
}

export type TransformJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface TransformJobRecord extends Resource {
  request: Omit<CreateTransformJobInput, "Tags">;
  /** The model as it was when the job was created. */
  container: ContainerDefinition;
  status: TransformJobStatus;
  failureReason?: string;
  transformStartTime?: number;
  transformEndTime?: number;
}
