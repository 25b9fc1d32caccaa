/**
 * The request members the local SageMaker reads, as they arrive after
 * validation against the shape tables (so the required ones are present and
 * every value has its declared type). Members not listed are kept and echoed
 * but have no local effect.
 */

export type StringMap = Record<string, string>;

export interface S3DataSource {
  S3DataType: "S3Prefix" | "ManifestFile" | "AugmentedManifestFile";
  S3Uri: string;
  S3DataDistributionType?: "FullyReplicated" | "ShardedByS3Key";
}

export interface Channel {
  ChannelName: string;
  DataSource: { S3DataSource?: S3DataSource; FileSystemDataSource?: object };
  ContentType?: string;
  CompressionType?: "None" | "Gzip";
  RecordWrapperType?: "None" | "RecordIO";
  InputMode?: "Pipe" | "File" | "FastFile";
}

export interface CreateTrainingJobInput {
  TrainingJobName: string;
  HyperParameters?: StringMap;
  AlgorithmSpecification: {
    TrainingImage?: string;
    AlgorithmName?: string;
    TrainingInputMode: "Pipe" | "File" | "FastFile";
    MetricDefinitions?: { Name: string; Regex: string }[];
    ContainerEntrypoint?: string[];
    ContainerArguments?: string[];
  };
  RoleArn: string;
  InputDataConfig?: Channel[];
  OutputDataConfig: { S3OutputPath: string; CompressionType?: "GZIP" | "NONE" };
  ResourceConfig: { InstanceType?: string; InstanceCount?: number; VolumeSizeInGB: number; InstanceGroups?: object[] };
  StoppingCondition: { MaxRuntimeInSeconds?: number; MaxWaitTimeInSeconds?: number };
  Environment?: StringMap;
  Tags?: object[];
}

export interface ContainerDefinition {
  Image?: string;
  ModelDataUrl?: string;
  Environment?: StringMap;
  Mode?: "SingleModel" | "MultiModel";
  ModelDataSource?: object;
  ContainerHostname?: string;
}

export interface CreateModelInput {
  ModelName: string;
  PrimaryContainer?: ContainerDefinition;
  Containers?: ContainerDefinition[];
  ExecutionRoleArn?: string;
  Tags?: object[];
}

export interface ProductionVariant {
  VariantName: string;
  ModelName: string;
  InitialInstanceCount?: number;
  InstanceType?: string;
  InitialVariantWeight?: number;
  ContainerStartupHealthCheckTimeoutInSeconds?: number;
  ServerlessConfig?: object;
}

export interface CreateEndpointConfigInput {
  EndpointConfigName: string;
  ProductionVariants: ProductionVariant[];
  AsyncInferenceConfig?: object;
  Tags?: object[];
}

export interface CreateEndpointInput {
  EndpointName: string;
  EndpointConfigName: string;
  Tags?: object[];
}

export interface CreateTransformJobInput {
  TransformJobName: string;
  ModelName: string;
  MaxConcurrentTransforms?: number;
  MaxPayloadInMB?: number;
  BatchStrategy?: "MultiRecord" | "SingleRecord";
  Environment?: StringMap;
  TransformInput: {
    DataSource: { S3DataSource: S3DataSource };
    ContentType?: string;
    CompressionType?: "None" | "Gzip";
    SplitType?: "None" | "Line" | "RecordIO" | "TFRecord";
  };
  TransformOutput: { S3OutputPath: string; Accept?: string; AssembleWith?: "None" | "Line" };
  TransformResources: { InstanceType: string; InstanceCount: number };
  DataProcessing?: object;
  Tags?: object[];
}

/** The members every List operation here shares. Timestamps arrive as epoch seconds (or ISO strings). */
export interface ListInput {
  MaxResults?: number;
  NextToken?: string;
  SortBy?: string;
  SortOrder?: "Ascending" | "Descending";
  NameContains?: string;
  StatusEquals?: string;
  CreationTimeAfter?: number | string;
  CreationTimeBefore?: number | string;
  LastModifiedTimeAfter?: number | string;
  LastModifiedTimeBefore?: number | string;
}
