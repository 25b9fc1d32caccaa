/**
 * Deletes what the tutorial created: endpoint, endpoint configuration and
 * model (the original deleted only the endpoint), and stops jobs still
 * running. Resources that are already gone count as cleaned, so running the
 * clean-up twice is fine.
 */
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  StopTrainingJobCommand,
  StopTransformJobCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { ResourceKind, ResourceTracker, TrackedResource } from "./resources";

export type CleanupOutcome = "deleted" | "already gone" | "stopped" | "already finished" | "failed";

export interface CleanupResult {
  kind: ResourceKind;
  name: string;
  outcome: CleanupOutcome;
  /** The error, when the outcome is "failed". */
  error?: string;
}

/** SageMaker answers a missing resource with ValidationException ("Could not find ...", "Requested resource not found."). */
export function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; message?: string };
  if (err?.name === "ResourceNotFound") return true;
  return err?.name === "ValidationException" && /could not find|not found|does not exist/i.test(err.message ?? "");
}

const RUNNING = new Set(["InProgress"]);

async function stopTrainingJob(sagemaker: SageMakerClient, name: string): Promise<CleanupOutcome> {
  const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
  if (!RUNNING.has(job.TrainingJobStatus ?? "")) return "already finished";
  await sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name }));
  return "stopped";
}

async function stopTransformJob(sagemaker: SageMakerClient, name: string): Promise<CleanupOutcome> {
  const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
  if (!RUNNING.has(job.TransformJobStatus ?? "")) return "already finished";
  await sagemaker.send(new StopTransformJobCommand({ TransformJobName: name }));
  return "stopped";
}

/** Removes (or stops) one resource. */
export async function cleanUpResource(sagemaker: SageMakerClient, resource: TrackedResource): Promise<CleanupResult> {
  const { kind, name } = resource;
  try {
    let outcome: CleanupOutcome;
    switch (kind) {
      case "Endpoint":
        await sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
        outcome = "deleted";
        break;
      case "EndpointConfig":
        await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
        outcome = "deleted";
        break;
      case "Model":
        await sagemaker.send(new DeleteModelCommand({ ModelName: name }));
        outcome = "deleted";
        break;
      case "TrainingJob":
        outcome = await stopTrainingJob(sagemaker, name);
        break;
      case "TransformJob":
        outcome = await stopTransformJob(sagemaker, name);
        break;
    }
    return { kind, name, outcome };
  } catch (e) {
    if (isNotFound(e)) return { kind, name, outcome: "already gone" };
    return { kind, name, outcome: "failed", error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Endpoints first (they cost by the hour and hold their configuration and model), then the rest. */
const ORDER: ResourceKind[] = ["Endpoint", "TrainingJob", "TransformJob", "EndpointConfig", "Model"];

export function cleanupOrder(resources: readonly TrackedResource[]): TrackedResource[] {
  return [...resources].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/**
 * Cleans up everything `tracker` recorded; what is gone is forgotten, what
 * failed stays recorded for the next try (and for the guard).
 */
export async function cleanUpTracked(sagemaker: SageMakerClient, tracker: ResourceTracker): Promise<CleanupResult[]> {
  const results: CleanupResult[] = [];
  for (const resource of cleanupOrder(tracker.list())) {
    const result = await cleanUpResource(sagemaker, resource);
    results.push(result);
    if (result.outcome !== "failed") tracker.forget(resource.kind, resource.name);
  }
  return results;
}
