/**
 * The training job status machine: TrainingJobStatus with its SecondaryStatus
 * and the StatusMessages SageMaker shows, recorded as SecondaryStatusTransitions.
 *
 *   InProgress: Starting → Downloading → Training → Uploading
 *   Completed:  Completed            Failed: Failed
 *   Stopping:   Stopping             Stopped: Stopped | MaxRuntimeExceeded
 */
import type { StatusTransition, TrainingJobRecord, TrainingJobStatus } from "./records";

export const TRAINING_MESSAGES = {
  starting: ["Starting", "Starting the training job"],
  preparing: ["Starting", "Preparing the instances for training"],
  downloading: ["Downloading", "Downloading input data"],
  pullingImage: ["Training", "Downloading the training image"],
  training: ["Training", "Training image download completed. Training in progress."],
  uploading: ["Uploading", "Uploading generated training model"],
  completed: ["Completed", "Training job completed"],
  failed: ["Failed", "Training job failed"],
  stopping: ["Stopping", "Stopping the training job"],
  stopped: ["Stopped", "Training job stopped"],
  maxRuntime: ["MaxRuntimeExceeded", "Training job stopped because it exceeded the maximum allowed runtime"],
} as const satisfies Record<string, readonly [string, string]>;

export type TrainingStep = keyof typeof TRAINING_MESSAGES;

/** Same secondary status: the message changes in place; a new one closes the previous transition. */
function transition(transitions: StatusTransition[], status: string, message: string, now: number, final: boolean): void {
  const last = transitions[transitions.length - 1];
  if (last && last.Status === status && last.EndTime === undefined) {
    last.StatusMessage = message;
  } else {
    if (last && last.EndTime === undefined) last.EndTime = now;
    transitions.push({ Status: status, StartTime: now, StatusMessage: message });
  }
  if (final) transitions[transitions.length - 1].EndTime = now;
}

const PRIMARY: Partial<Record<TrainingStep, TrainingJobStatus>> = {
  completed: "Completed",
  failed: "Failed",
  stopping: "Stopping",
  stopped: "Stopped",
  maxRuntime: "Stopped",
};

const FINAL: TrainingStep[] = ["completed", "failed", "stopped", "maxRuntime"];

/** Moves the job to a step; final steps also end the training clock. */
export function enterStep(rec: TrainingJobRecord, step: TrainingStep, now: number, failureReason?: string): void {
  const [secondary, message] = TRAINING_MESSAGES[step];
  const final = FINAL.includes(step);
  transition(rec.transitions, secondary, message, now, final);
  rec.secondaryStatus = secondary;
  rec.status = PRIMARY[step] ?? "InProgress";
  rec.lastModifiedTime = now;
  if (step === "downloading" && rec.trainingStartTime === undefined) rec.trainingStartTime = now;
  if (final) {
    rec.trainingEndTime = now;
    rec.trainingStartTime ??= now;
  }
  if (failureReason !== undefined) rec.failureReason = failureReason.slice(0, 1024);
}

export function isActive(status: TrainingJobStatus): boolean {
  return status === "InProgress" || status === "Stopping";
}

/** Whole seconds between start and end of training, at least 1 (what AWS bills). */
export function trainingSeconds(rec: TrainingJobRecord): number | undefined {
  if (rec.trainingStartTime === undefined || rec.trainingEndTime === undefined) return undefined;
  return Math.max(1, Math.round((rec.trainingEndTime - rec.trainingStartTime) / 1000));
}
