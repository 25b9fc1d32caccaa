/**
 * Training: the tutorial's CreateTrainingJob request (its C4), creating the
 * job, and waiting for it with status transitions and the job's log shown
 * as they happen (its C5/C6).
 */
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  type CreateTrainingJobRequest,
  type DescribeTrainingJobResponse,
  type TrainingInstanceType,
} from "@aws-sdk/client-sagemaker";
import { checkHyperParameters, type TutorialHyperParameters } from "./hyperparameters";
import { checkResourceName } from "./names";
import { checkRoleArn } from "./role";
import { parseS3Uri } from "./s3";
import { LogTail, TRAINING_LOG_GROUP } from "./logs";
import { pollUntilSettled } from "./poll";
import { formatDuration, startProgress } from "./progress";
import type { TutorialSession } from "./session";

export const RECORDIO_CONTENT_TYPE = "application/x-recordio";

export interface TrainingJobRequestInput {
  jobName: string;
  /** The OutputDataConfig path is s3://<bucket>/<jobNamePrefix>/output, as in the tutorial. */
  jobNamePrefix: string;
  trainingImage: string;
  role: string;
  bucket: string;
  hyperParameters: TutorialHyperParameters;
  /** s3:// prefixes of the two RecordIO channels. */
  s3Train: string;
  s3Validation: string;
  instanceType?: string;
  instanceCount?: number;
  volumeSizeInGB?: number;
  maxRuntimeInSeconds?: number;
}

function positiveInt(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${field}: ${value} must be a whole number of at least 1.`);
  return value;
}

function recordIoChannel(name: "train" | "validation", s3Uri: string): NonNullable<CreateTrainingJobRequest["InputDataConfig"]>[number] {
  parseS3Uri(s3Uri);
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", S3Uri: s3Uri, S3DataDistributionType: "FullyReplicated" },
    },
    ContentType: RECORDIO_CONTENT_TYPE,
    CompressionType: "None",
  };
}

/** The tutorial's training_params, validated (names, role, S3 URIs, hyperparameters) before any request. */
export function buildTrainingJobRequest(input: TrainingJobRequestInput): CreateTrainingJobRequest {
  checkResourceName("job_name", input.jobName);
  checkRoleArn(input.role);
  if (!input.trainingImage) throw new Error("training_image: empty; use imageClassificationImageUri(region).");
  const { api } = checkHyperParameters(input.hyperParameters, [RECORDIO_CONTENT_TYPE]);
  return {
    AlgorithmSpecification: { TrainingImage: input.trainingImage, TrainingInputMode: "File" },
    RoleArn: input.role,
    OutputDataConfig: { S3OutputPath: `s3://${input.bucket}/${input.jobNamePrefix}/output` },
    ResourceConfig: {
      InstanceCount: positiveInt("instance_count", input.instanceCount ?? 1),
      InstanceType: (input.instanceType ?? "ml.p2.xlarge") as TrainingInstanceType,
      VolumeSizeInGB: positiveInt("volume_size_in_gb", input.volumeSizeInGB ?? 50),
    },
    TrainingJobName: input.jobName,
    HyperParameters: api,
    StoppingCondition: { MaxRuntimeInSeconds: positiveInt("max_runtime_in_seconds", input.maxRuntimeInSeconds ?? 360000) },
    InputDataConfig: [recordIoChannel("train", input.s3Train), recordIoChannel("validation", input.s3Validation)],
  };
}

/** Creates the job, records it for clean-up, prints its first status; returns its ARN. */
export async function createTrainingJob(session: TutorialSession, request: CreateTrainingJobRequest): Promise<string> {
  const name = request.TrainingJobName as string;
  const created = await session.tracker.creating("TrainingJob", name, () => session.clients.sagemaker.send(new CreateTrainingJobCommand(request)));
  const described = await describeTrainingJob(session, name);
  console.log(`Training job current status: ${described.TrainingJobStatus}`);
  return created.TrainingJobArn as string;
}

export async function describeTrainingJob(session: TutorialSession, name: string): Promise<DescribeTrainingJobResponse> {
  return session.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
}

export interface TrainingWaitOptions {
  /** Print the job's log lines as they arrive (default true). */
  showLog?: boolean;
  pollSeconds?: number;
  maxWaitSeconds?: number;
}

export interface TrainingOutcome {
  description: DescribeTrainingJobResponse;
  /** The job's log, as far as CloudWatch Logs had it. */
  logLines: string[];
}

function transitionLine(t: NonNullable<DescribeTrainingJobResponse["SecondaryStatusTransitions"]>[number]): string {
  const when = t.StartTime ? t.StartTime.toISOString().replace("T", " ").slice(0, 19) : "";
  return `${when} ${t.Status} - ${t.StatusMessage ?? ""}`.trim();
}

/**
 * Waits until the job is Completed, Stopped or Failed (the SDK waiter
 * TrainingJobCompletedOrStopped's states), showing status transitions and
 * the log. Throws with the FailureReason when the job failed.
 */
export async function waitForTrainingJob(
  session: TutorialSession,
  name: string,
  options: TrainingWaitOptions = {},
): Promise<TrainingOutcome> {
  const showLog = options.showLog ?? true;
  const logLines: string[] = [];
  const tail = new LogTail(session.clients.logs, TRAINING_LOG_GROUP, `${name}/`, (line) => {
    logLines.push(line);
    if (showLog) console.log(line);
  });
  const progress = startProgress(`training job ${name}`);
  let transitionsShown = 0;
  const { state, verdict } = await pollUntilSettled<DescribeTrainingJobResponse>({
    what: `training job ${name}`,
    describe: () => describeTrainingJob(session, name),
    verdict: (d) =>
      d.TrainingJobStatus === "Completed" || d.TrainingJobStatus === "Stopped"
        ? "done"
        : d.TrainingJobStatus === "Failed"
          ? "failed"
          : "wait",
    onState: async (d, elapsed) => {
      const transitions = d.SecondaryStatusTransitions ?? [];
      for (; transitionsShown < transitions.length; transitionsShown++) console.log(transitionLine(transitions[transitionsShown]));
      await tail.poll();
      progress.update(`${d.TrainingJobStatus} / ${d.SecondaryStatus} (${formatDuration(elapsed)})`);
    },
    pollSeconds: options.pollSeconds ?? session.pollSeconds,
    maxWaitSeconds: options.maxWaitSeconds ?? 6 * 3600,
    onTimeoutHint: "Run the cell again to keep waiting; the clean-up cell stops the job.",
  });
  // What the job wrote between the last look and its end.
  await tail.poll();
  if (tail.disabledReason) console.log(`(the job's log could not be followed: ${tail.disabledReason})`);
  progress.done(`${state.TrainingJobStatus}${state.TrainingTimeInSeconds ? `, ${state.TrainingTimeInSeconds} s of training` : ""}`);
  if (verdict === "failed") {
    console.log("Training failed with the following error: " + (state.FailureReason ?? "(no FailureReason)"));
    throw new Error(`Training job ${name} failed: ${state.FailureReason ?? "no FailureReason given"}`);
  }
  console.log(`Training job ended with status: ${state.TrainingJobStatus}`);
  return { description: state, logLines };
}
