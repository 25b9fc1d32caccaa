/**
 * What the checks make a local server do, through the real SDK clients: the
 * tiny dataset uploaded, real training jobs of the built-in algorithm, models,
 * endpoints and transform jobs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  type CreateTransformJobCommandInput,
  type DescribeEndpointCommandOutput,
  type DescribeTrainingJobCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { imageClassificationImageUri } from "../tutorial/image-uri";
import type { Clients } from "./clients";
import type { TinyDataset } from "./fixtures";
import { until } from "./poll";

export const ROLE = "arn:aws:iam::000000000000:role/service-role/AmazonSageMaker-ExecutionRole-Local";

/** Where the tiny dataset lies in a bucket. */
export const PREFIX = { train: "tiny/train", validation: "tiny/validation", test: "tiny/test", output: "tiny/output" } as const;

export async function createBucket(clients: Clients, bucket: string): Promise<void> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function uploadDataset(clients: Clients, bucket: string, data: TinyDataset): Promise<void> {
  await createBucket(clients, bucket);
  const put = (key: string, file: string) => clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(file) }));
  await put(`${PREFIX.train}/${path.basename(data.trainRec)}`, data.trainRec);
  await put(`${PREFIX.validation}/${path.basename(data.validationRec)}`, data.validationRec);
  for (const image of data.testImages) await put(`${PREFIX.test}/${path.basename(image)}`, image);
}

export interface TrainingJobOptions {
  epochs?: number;
  /** Replaces or adds hyperparameters; `undefined` values remove one. */
  hyperParameters?: Record<string, string | undefined>;
  trainPrefix?: string;
  validationPrefix?: string;
  extraChannels?: string[];
  withoutValidation?: boolean;
}

export function trainingJobRequest(region: string, bucket: string, data: TinyDataset, name: string, opts: TrainingJobOptions = {}): CreateTrainingJobCommandInput {
  const hp: Record<string, string | undefined> = {
    num_layers: "20",
    image_shape: data.imageShape,
    num_classes: String(data.numClasses),
    num_training_samples: String(data.numTrainingSamples),
    mini_batch_size: "16",
    epochs: String(opts.epochs ?? 1),
    learning_rate: "0.05",
    ...opts.hyperParameters,
  };
  const channel = (channelName: string, prefix: string) => ({
    ChannelName: channelName,
    ContentType: "application/x-recordio",
    CompressionType: "None" as const,
    DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: `s3://${bucket}/${prefix}/`, S3DataDistributionType: "FullyReplicated" as const } },
  });
  return {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: imageClassificationImageUri(region), TrainingInputMode: "File" },
    RoleArn: ROLE,
    HyperParameters: Object.fromEntries(Object.entries(hp).filter((e): e is [string, string] => e[1] !== undefined)),
    InputDataConfig: [
      channel("train", opts.trainPrefix ?? PREFIX.train),
      ...(opts.withoutValidation ? [] : [channel("validation", opts.validationPrefix ?? PREFIX.validation)]),
      ...(opts.extraChannels ?? []).map((c) => channel(c, PREFIX.validation)),
    ],
    OutputDataConfig: { S3OutputPath: `s3://${bucket}/${PREFIX.output}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

const TRAINING_DONE = new Set(["Completed", "Failed", "Stopped"]);

export async function waitForTrainingJob(clients: Clients, name: string, timeoutMs = 300_000): Promise<DescribeTrainingJobCommandOutput> {
  return until(
    async () => {
      const job = await clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return TRAINING_DONE.has(job.TrainingJobStatus ?? "") ? job : undefined;
    },
    `training job ${name} ends`,
    timeoutMs,
    250,
  );
}

export async function waitForEndpoint(clients: Clients, name: string, timeoutMs = 300_000): Promise<DescribeEndpointCommandOutput> {
  return until(
    async () => {
      const ep = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      return ep.EndpointStatus === "InService" || ep.EndpointStatus === "Failed" ? ep : undefined;
    },
    `endpoint ${name} is InService or Failed`,
    timeoutMs,
    250,
  );
}

/** Trains a model to completion; returns its model.tar.gz URL. */
export async function trainModel(clients: Clients, region: string, bucket: string, data: TinyDataset, name: string): Promise<string> {
  await clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(region, bucket, data, name)));
  const job = await waitForTrainingJob(clients, name);
  if (job.TrainingJobStatus !== "Completed" || !job.ModelArtifacts?.S3ModelArtifacts) {
    throw new Error(`training job ${name} ended ${job.TrainingJobStatus}: ${job.FailureReason ?? "no model"}`);
  }
  return job.ModelArtifacts.S3ModelArtifacts;
}

export async function createModel(clients: Clients, region: string, name: string, modelData: string): Promise<void> {
  await clients.sagemaker.send(
    new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: imageClassificationImageUri(region), ModelDataUrl: modelData } }),
  );
}

/** Endpoint configuration `<name>-config` and endpoint `<name>` for `model`; waits until InService. */
export async function deployEndpoint(clients: Clients, model: string, name: string): Promise<void> {
  await clients.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: [{ VariantName: "AllTraffic", ModelName: model, InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge", InitialVariantWeight: 1 }],
    }),
  );
  await clients.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  const ep = await waitForEndpoint(clients, name);
  if (ep.EndpointStatus !== "InService") throw new Error(`endpoint ${name} failed: ${ep.FailureReason}`);
}

export function transformJobRequest(bucket: string, model: string, name: string, inputPrefix: string = PREFIX.test): CreateTransformJobCommandInput {
  return {
    TransformJobName: name,
    ModelName: model,
    MaxConcurrentTransforms: 1,
    BatchStrategy: "SingleRecord",
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${bucket}/${inputPrefix}/` } }, ContentType: "application/x-image", SplitType: "None" },
    TransformOutput: { S3OutputPath: `s3://${bucket}/tiny/transform/${name}`, AssembleWith: "Line", Accept: "application/jsonlines" },
    TransformResources: { InstanceType: "ml.m4.xlarge", InstanceCount: 1 },
  };
}

/** The last `n` lines of a training job's log (CloudWatch Logs), for reports. */
export async function trainingLogTail(clients: Clients, name: string, n = 3): Promise<string[]> {
  const events = await clients.logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/` }));
  return (events.events ?? []).slice(-n).map((e) => e.message ?? "");
}
