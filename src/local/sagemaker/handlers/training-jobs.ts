/** CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob. */
import type { LocalSageMaker } from "../backend";
import { resourceInUse, validationException } from "../json/errors";
import { epochSeconds, type OperationHandler } from "../json/protocol";
import type { CreateTrainingJobInput, ListInput } from "../model/api-types";
import { sagemakerArn } from "../model/arns";
import { listPage } from "../model/list-query";
import type { TrainingJobRecord } from "../model/records";
import { enterStep, isActive, trainingSeconds } from "../model/training-status";
import { SAGEMAKER_DESCRIBE_MEMBERS } from "../tables/sagemaker.generated";
import { checkImage, checkInputPrefix, checkOutputBucket, echo, unsupported } from "./checks";

function notFound(): never {
  throw validationException("Requested resource not found.");
}

function checkSupported(input: CreateTrainingJobInput): void {
  const spec = input.AlgorithmSpecification;
  if (spec.TrainingImage === undefined) {
    unsupported("AlgorithmSpecification.AlgorithmName", "algorithm resources and Marketplace algorithms have no local implementation. Give AlgorithmSpecification.TrainingImage instead.");
  }
  if (spec.ContainerEntrypoint !== undefined || spec.ContainerArguments !== undefined) {
    unsupported("AlgorithmSpecification.ContainerEntrypoint/ContainerArguments", "local images are programs started with the argument \"train\". Register a program that does what you need instead.");
  }
  if (spec.TrainingInputMode === "Pipe" || input.InputDataConfig?.some((c) => c.InputMode === "Pipe")) {
    unsupported("TrainingInputMode Pipe", "channels are downloaded as files. Use File (or FastFile, which is treated as File).");
  }
  const rc = input.ResourceConfig;
  if (rc.InstanceGroups !== undefined) unsupported("ResourceConfig.InstanceGroups", "every local job runs on one host. Give InstanceType and InstanceCount 1.");
  if (rc.InstanceType === undefined) throw validationException("ResourceConfig.InstanceType is required when ResourceConfig.InstanceGroups is not given.");
  if ((rc.InstanceCount ?? 1) !== 1) unsupported(`ResourceConfig.InstanceCount ${rc.InstanceCount}`, "every local job runs on one host. Use InstanceCount 1.");
  if (input.OutputDataConfig.CompressionType === "NONE") unsupported("OutputDataConfig.CompressionType NONE", "model artifacts are always uploaded as model.tar.gz.");
  if ((input as { CheckpointConfig?: unknown }).CheckpointConfig !== undefined) {
    unsupported("CheckpointConfig", "checkpoints are not synchronised with S3. Remove CheckpointConfig; the algorithm's checkpoints/ directory stays in the job's local directory.");
  }
  const names = new Set<string>();
  for (const [i, c] of (input.InputDataConfig ?? []).entries()) {
    if (names.has(c.ChannelName)) throw validationException(`Channel names must be unique: "${c.ChannelName}" is given twice in InputDataConfig.`);
    names.add(c.ChannelName);
    const s3 = c.DataSource.S3DataSource;
    if (!s3) unsupported(`InputDataConfig.${i + 1}.DataSource.FileSystemDataSource`, "channels come from S3 only. Give an S3DataSource.");
    if (s3.S3DataType !== "S3Prefix") unsupported(`S3DataType ${s3.S3DataType} (channel ${c.ChannelName})`, "channels are read from an S3 prefix. Use S3DataType S3Prefix.");
  }
  for (const m of spec.MetricDefinitions ?? []) {
    try {
      new RegExp(m.Regex);
    } catch (e) {
      throw validationException(`The Regex of metric definition "${m.Name}" is not a valid regular expression: ${(e as Error).message}`);
    }
  }
}

function describe(rec: TrainingJobRecord): object {
  const seconds = trainingSeconds(rec);
  const r = rec.request;
  return {
    ...echo(r, SAGEMAKER_DESCRIBE_MEMBERS.DescribeTrainingJob),
    TrainingJobName: rec.name,
    TrainingJobArn: rec.arn,
    ...(rec.modelArtifacts !== undefined && { ModelArtifacts: { S3ModelArtifacts: rec.modelArtifacts } }),
    TrainingJobStatus: rec.status,
    SecondaryStatus: rec.secondaryStatus,
    ...(rec.failureReason !== undefined && { FailureReason: rec.failureReason }),
    HyperParameters: r.HyperParameters ?? {},
    AlgorithmSpecification: { ...r.AlgorithmSpecification, EnableSageMakerMetricsTimeSeries: false },
    ...(r.InputDataConfig && {
      InputDataConfig: r.InputDataConfig.map((c) => ({
        ...c,
        DataSource: c.DataSource.S3DataSource
          ? { S3DataSource: { S3DataDistributionType: "FullyReplicated", ...c.DataSource.S3DataSource } }
          : c.DataSource,
        CompressionType: c.CompressionType ?? "None",
        RecordWrapperType: c.RecordWrapperType ?? "None",
      })),
    }),
    CreationTime: epochSeconds(rec.creationTime),
    ...(rec.trainingStartTime !== undefined && { TrainingStartTime: epochSeconds(rec.trainingStartTime) }),
    ...(rec.trainingEndTime !== undefined && { TrainingEndTime: epochSeconds(rec.trainingEndTime) }),
    LastModifiedTime: epochSeconds(rec.lastModifiedTime),
    SecondaryStatusTransitions: rec.transitions.map((t) => ({
      Status: t.Status,
      StartTime: epochSeconds(t.StartTime),
      ...(t.EndTime !== undefined && { EndTime: epochSeconds(t.EndTime) }),
      StatusMessage: t.StatusMessage,
    })),
    FinalMetricDataList: rec.finalMetrics.map((m) => ({ MetricName: m.MetricName, Value: m.Value, Timestamp: epochSeconds(m.Timestamp) })),
    EnableNetworkIsolation: (r as { EnableNetworkIsolation?: boolean }).EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: (r as { EnableInterContainerTrafficEncryption?: boolean }).EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: (r as { EnableManagedSpotTraining?: boolean }).EnableManagedSpotTraining ?? false,
    ...(seconds !== undefined && { TrainingTimeInSeconds: seconds, BillableTimeInSeconds: seconds }),
  };
}

export function trainingJobOperations(b: LocalSageMaker): Record<string, OperationHandler> {
  const find = (name: string): TrainingJobRecord => b.trainingJobs.get(name) ?? notFound();
  return {
    async CreateTrainingJob(input: CreateTrainingJobInput) {
      const name = input.TrainingJobName;
      const arn = sagemakerArn(b.ctx, "training-job", name);
      if (b.trainingJobs.get(name)) {
        throw resourceInUse(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`);
      }
      checkSupported(input);
      checkImage(b, input.AlgorithmSpecification.TrainingImage!);
      for (const c of input.InputDataConfig ?? []) await checkInputPrefix(b, c.DataSource.S3DataSource!.S3Uri, `InputDataConfig channel ${c.ChannelName}`, input.RoleArn);
      await checkOutputBucket(b, input.OutputDataConfig.S3OutputPath, "OutputDataConfig.S3OutputPath");
      // Another request may have taken the name while this one awaited S3.
      if (b.trainingJobs.get(name)) {
        throw resourceInUse(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`);
      }
      const { Tags: _tags, ...request } = input;
      const now = Date.now();
      const rec: TrainingJobRecord = {
        name,
        arn,
        creationTime: now,
        lastModifiedTime: now,
        request,
        status: "InProgress",
        secondaryStatus: "Starting",
        transitions: [],
        finalMetrics: [],
      };
      enterStep(rec, "starting", now);
      b.trainingJobs.put(rec);
      b.training.start(name);
      return { TrainingJobArn: arn };
    },

    async DescribeTrainingJob(input: { TrainingJobName: string }) {
      return describe(find(input.TrainingJobName));
    },

    async ListTrainingJobs(input: ListInput) {
      const { page, NextToken } = listPage(b.trainingJobs.all(), input);
      return {
        TrainingJobSummaries: page.map((r) => ({
          TrainingJobName: r.name,
          TrainingJobArn: r.arn,
          CreationTime: epochSeconds(r.creationTime),
          ...(r.trainingEndTime !== undefined && { TrainingEndTime: epochSeconds(r.trainingEndTime) }),
          LastModifiedTime: epochSeconds(r.lastModifiedTime),
          TrainingJobStatus: r.status,
        })),
        ...(NextToken && { NextToken }),
      };
    },

    async StopTrainingJob(input: { TrainingJobName: string }) {
      const rec = find(input.TrainingJobName);
      if (!isActive(rec.status)) throw validationException(`The request was rejected because the training job is in status ${rec.status}.`);
      if (rec.status === "InProgress") b.training.stop(rec.name);
      return {};
    },
  };
}
