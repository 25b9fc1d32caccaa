/** The model SageMaker hosts and batch-transforms with: the training job's artifacts plus the algorithm image (C7). */
import {
  CreateModelCommand,
  DescribeTrainingJobCommand,
  type CreateModelInput,
} from "@aws-sdk/client-sagemaker";
import { checkResourceName } from "./names";
import { checkRoleArn } from "./role";
import type { TutorialSession } from "./session";

export interface ModelRequestInput {
  modelName: string;
  role: string;
  /** The hosting image: the same algorithm image that trained the model. */
  image: string;
  /** s3://.../model.tar.gz from the training job. */
  modelDataUrl: string;
}

export function buildCreateModelRequest(input: ModelRequestInput): CreateModelInput {
  checkResourceName("model_name", input.modelName);
  checkRoleArn(input.role);
  if (!/^(https|s3):\/\/([^/]+)\/?(.*)$/.test(input.modelDataUrl)) {
    throw new Error(`model_data: "${input.modelDataUrl}" is not an s3:// URL of a model.tar.gz.`);
  }
  return {
    ModelName: input.modelName,
    ExecutionRoleArn: input.role,
    PrimaryContainer: { Image: input.image, ModelDataUrl: input.modelDataUrl },
  };
}

/** The S3 URL of a finished training job's model.tar.gz. */
export async function modelArtifacts(session: TutorialSession, jobName: string): Promise<string> {
  const job = await session.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
  const url = job.ModelArtifacts?.S3ModelArtifacts;
  if (job.TrainingJobStatus !== "Completed" || !url) {
    throw new Error(
      `training job ${jobName} is ${job.TrainingJobStatus}, so it has no model to deploy` +
        (job.FailureReason ? ` (FailureReason: ${job.FailureReason})` : "") +
        ". Train until the job is Completed first.",
    );
  }
  return url;
}

/** Creates the model, records it for clean-up and returns its ARN. */
export async function createModel(session: TutorialSession, request: CreateModelInput): Promise<string> {
  const created = await session.tracker.creating("Model", request.ModelName as string, () => session.clients.sagemaker.send(new CreateModelCommand(request)));
  return created.ModelArn as string;
}
