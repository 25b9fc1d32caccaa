/** CreateTransformJob, DescribeTransformJob, ListTransformJobs, StopTransformJob. */
import type { LocalSageMaker } from "../backend";
import { resourceInUse, validationException } from "../json/errors";
import { epochSeconds, type OperationHandler } from "../json/protocol";
import type { CreateTransformJobInput, ListInput } from "../model/api-types";
import { sagemakerArn } from "../model/arns";
import { listPage } from "../model/list-query";
import type { TransformJobRecord } from "../model/records";
import { SAGEMAKER_DESCRIBE_MEMBERS } from "../tables/sagemaker.generated";
import { checkImage, checkInputPrefix, checkOutputBucket, echo, unsupported } from "./checks";
import { modelNotFound, primaryContainer } from "./models";

function notFound(name: string): never {
  throw validationException(`Could not find requested job with name ${name}`);
}

function checkSupported(input: CreateTransformJobInput): void {
  const split = input.TransformInput.SplitType;
  if (split === "RecordIO" || split === "TFRecord") unsupported(`SplitType ${split}`, "inputs are split by lines (Line) or not at all (None).");
  const source = input.TransformInput.DataSource.S3DataSource;
  if (source.S3DataType !== "S3Prefix") unsupported(`S3DataType ${source.S3DataType}`, "transform inputs are read from an S3 prefix. Use S3DataType S3Prefix.");
  if (input.TransformResources.InstanceCount !== 1) {
    unsupported(`TransformResources.InstanceCount ${input.TransformResources.InstanceCount}`, "every local job runs on one host. Use InstanceCount 1.");
  }
  const dp = input.DataProcessing as { InputFilter?: string; OutputFilter?: string; JoinSource?: string } | undefined;
  if (dp && ((dp.InputFilter ?? "$") !== "$" || (dp.OutputFilter ?? "$") !== "$" || (dp.JoinSource ?? "None") !== "None")) {
    unsupported("DataProcessing", "inputs are sent and outputs written as they are. Remove InputFilter, OutputFilter and JoinSource.");
  }
  const payload = input.MaxPayloadInMB ?? 6;
  const concurrent = input.MaxConcurrentTransforms ?? 1;
  if (payload > 0 && concurrent * payload > 100) {
    throw validationException(`MaxConcurrentTransforms (${concurrent}) times MaxPayloadInMB (${payload}) must not exceed 100 MB.`);
  }
}

function describe(rec: TransformJobRecord): object {
  const r = rec.request;
  return {
    ...echo(r, SAGEMAKER_DESCRIBE_MEMBERS.DescribeTransformJob),
    TransformJobName: rec.name,
    TransformJobArn: rec.arn,
    TransformJobStatus: rec.status,
    ...(rec.failureReason !== undefined && { FailureReason: rec.failureReason }),
    ModelName: r.ModelName,
    TransformInput: { CompressionType: "None", SplitType: "None", ...r.TransformInput },
    TransformOutput: { AssembleWith: "None", ...r.TransformOutput },
    CreationTime: epochSeconds(rec.creationTime),
    ...(rec.transformStartTime !== undefined && { TransformStartTime: epochSeconds(rec.transformStartTime) }),
    ...(rec.transformEndTime !== undefined && { TransformEndTime: epochSeconds(rec.transformEndTime) }),
  };
}

export function transformJobOperations(b: LocalSageMaker): Record<string, OperationHandler> {
  const find = (name: string): TransformJobRecord => b.transformJobs.get(name) ?? notFound(name);
  return {
    async CreateTransformJob(input: CreateTransformJobInput) {
      const name = input.TransformJobName;
      const arn = sagemakerArn(b.ctx, "transform-job", name);
      const duplicate = (): never => {
        throw resourceInUse(`Transform job names must be unique within an AWS account and region, and a transform job with this name already exists (${arn})`);
      };
      if (b.transformJobs.get(name)) duplicate();
      checkSupported(input);
      const model = b.models.get(input.ModelName) ?? modelNotFound(b, input.ModelName);
      const container = primaryContainer(model.request);
      checkImage(b, container.Image!);
      await checkInputPrefix(b, input.TransformInput.DataSource.S3DataSource.S3Uri, "TransformInput.DataSource.S3DataSource.S3Uri");
      await checkOutputBucket(b, input.TransformOutput.S3OutputPath, "TransformOutput.S3OutputPath");
      if (b.transformJobs.get(name)) duplicate();
      const { Tags: _tags, ...request } = input;
      const now = Date.now();
      b.transformJobs.put({ name, arn, creationTime: now, lastModifiedTime: now, request, container, status: "InProgress" });
      b.transforms.start(name);
      return { TransformJobArn: arn };
    },

    async DescribeTransformJob(input: { TransformJobName: string }) {
      return describe(find(input.TransformJobName));
    },

    async ListTransformJobs(input: ListInput) {
      const { page, NextToken } = listPage(b.transformJobs.all(), input);
      return {
        TransformJobSummaries: page.map((r) => ({
          TransformJobName: r.name,
          TransformJobArn: r.arn,
          CreationTime: epochSeconds(r.creationTime),
          ...(r.transformEndTime !== undefined && { TransformEndTime: epochSeconds(r.transformEndTime) }),
          LastModifiedTime: epochSeconds(r.lastModifiedTime),
          TransformJobStatus: r.status,
          ...(r.failureReason !== undefined && { FailureReason: r.failureReason }),
        })),
        ...(NextToken && { NextToken }),
      };
    },

    async StopTransformJob(input: { TransformJobName: string }) {
      const rec = find(input.TransformJobName);
      if (rec.status === "InProgress") b.transforms.stop(rec.name);
      else if (rec.status !== "Stopping") throw validationException(`The request was rejected because the transform job is in status ${rec.status}.`);
      return {};
    },
  };
}
