/**
 * The state a local server must be in after a fault, checked through its
 * API and the process table: no process of its data directory outlives a
 * killed server, every job has ended with a reason, every endpoint serves or
 * has failed with a reason, and the S3 ledger holds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { ListEndpointsCommand, ListTrainingJobsCommand, ListTransformJobsCommand, DescribeTrainingJobCommand, DescribeTransformJobCommand, DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import type { Clients } from "../clients";
import { processesOf, type ProcessEntry } from "../processes";
import { sleep } from "../poll";
import type { ObjectLedger } from "./ledger";
import { waitForEndpoint } from "../workloads";

/** Processes of `dataDir` still alive `withinMs` after its server died (should be none). */
export async function orphansAfterKill(dataDir: string, withinMs = 15_000): Promise<ProcessEntry[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = processesOf(dataDir);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

const ENDED = new Set(["Completed", "Failed", "Stopped"]);

/** Jobs not in a terminal state, or Failed without a reason. */
export async function unfinishedJobs(clients: Clients): Promise<string[]> {
  const problems: string[] = [];
  const training = await clients.sagemaker.send(new ListTrainingJobsCommand({ MaxResults: 100 }));
  for (const j of training.TrainingJobSummaries ?? []) {
    const job = await clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: j.TrainingJobName }));
    if (!ENDED.has(job.TrainingJobStatus ?? "")) problems.push(`training job ${j.TrainingJobName} is ${job.TrainingJobStatus}`);
    else if (job.TrainingJobStatus === "Failed" && !job.FailureReason) problems.push(`training job ${j.TrainingJobName} failed without a reason`);
  }
  const transforms = await clients.sagemaker.send(new ListTransformJobsCommand({ MaxResults: 100 }));
  for (const j of transforms.TransformJobSummaries ?? []) {
    const job = await clients.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: j.TransformJobName }));
    if (!ENDED.has(job.TransformJobStatus ?? "")) problems.push(`transform job ${j.TransformJobName} is ${job.TransformJobStatus}`);
    else if (job.TransformJobStatus === "Failed" && !job.FailureReason) problems.push(`transform job ${j.TransformJobName} failed without a reason`);
  }
  return problems;
}

/** Endpoints that neither serve an invocation nor failed with a reason. */
async function endpointProblems(clients: Clients, payload: Buffer): Promise<string[]> {
  const problems: string[] = [];
  const list = await clients.sagemaker.send(new ListEndpointsCommand({ MaxResults: 100 }));
  for (const e of list.Endpoints ?? []) {
    const name = e.EndpointName!;
    const ep = e.EndpointStatus === "Creating" || e.EndpointStatus === "Updating" ? await waitForEndpoint(clients, name) : await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    if (ep.EndpointStatus === "Failed") {
      if (!ep.FailureReason) problems.push(`endpoint ${name} failed without a reason`);
    } else if (ep.EndpointStatus === "InService") {
      try {
        await clients.runtime.send(new InvokeEndpointCommand({ EndpointName: name, ContentType: "image/jpeg", Body: payload }));
      } catch (err) {
        problems.push(`endpoint ${name} is InService but InvokeEndpoint failed: ${(err as Error).name}: ${(err as Error).message}`);
      }
    } else {
      problems.push(`endpoint ${name} is ${ep.EndpointStatus}`);
    }
  }
  return problems;
}

/** Files left in the object store's staging folder (a restarted server empties it). */
export function stagedLeftovers(dataDir: string): string[] {
  const tmp = path.join(dataDir, "s3", "tmp");
  return fs.existsSync(tmp) ? fs.readdirSync(tmp).map((f) => path.join(tmp, f)) : [];
}

export interface RecoveryReport {
  problems: string[];
  objectsAcknowledged: number;
  objectsLost: number;
  partialObjects: number;
}

/** Everything checked after the server came back; `ledger` is the S3 writes made around the fault. */
export async function checkRecovery(clients: Clients, dataDir: string, ledger: ObjectLedger, payload: Buffer): Promise<RecoveryReport> {
  const objects = await ledger.check(clients.s3);
  const problems = [
    ...objects.lost.map((l) => `lost: ${l}`),
    ...objects.partial.map((p) => `partial object visible: ${p}`),
    ...stagedLeftovers(dataDir).map((f) => `staging file left after restart: ${f}`),
    ...(await unfinishedJobs(clients)),
    ...(await endpointProblems(clients, payload)),
  ];
  return { problems, objectsAcknowledged: objects.acknowledged, objectsLost: objects.lost.length, partialObjects: objects.partial.length };
}
