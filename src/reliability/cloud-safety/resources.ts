/**
 * What a notebook run left on the server: endpoints, endpoint configurations
 * and models (billable or cluttering on AWS), and jobs still running. A run
 * leaks what is there after it ended that was not there before it started.
 */
import { ListEndpointConfigsCommand, ListEndpointsCommand, ListModelsCommand, ListTrainingJobsCommand, ListTransformJobsCommand } from "@aws-sdk/client-sagemaker";
import type { Clients } from "../clients";

export interface ServerResources {
  /** "Endpoint name", "EndpointConfig name", "Model name". */
  deletable: Set<string>;
  /** "TrainingJob name", "TransformJob name" of jobs still InProgress or Stopping. */
  running: Set<string>;
  /** Every job ever seen, running or not. */
  jobs: Set<string>;
}

async function all<T>(page: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next;
  } while (token);
  return out;
}

export async function snapshot(clients: Clients): Promise<ServerResources> {
  const sm = clients.sagemaker;
  const [endpoints, configs, models, training, transforms] = await Promise.all([
    all(async (NextToken) => {
      const r = await sm.send(new ListEndpointsCommand({ MaxResults: 100, NextToken }));
      return { items: (r.Endpoints ?? []).map((e) => `Endpoint ${e.EndpointName}`), next: r.NextToken };
    }),
    all(async (NextToken) => {
      const r = await sm.send(new ListEndpointConfigsCommand({ MaxResults: 100, NextToken }));
      return { items: (r.EndpointConfigs ?? []).map((e) => `EndpointConfig ${e.EndpointConfigName}`), next: r.NextToken };
    }),
    all(async (NextToken) => {
      const r = await sm.send(new ListModelsCommand({ MaxResults: 100, NextToken }));
      return { items: (r.Models ?? []).map((m) => `Model ${m.ModelName}`), next: r.NextToken };
    }),
    all(async (NextToken) => {
      const r = await sm.send(new ListTrainingJobsCommand({ MaxResults: 100, NextToken }));
      return { items: (r.TrainingJobSummaries ?? []).map((j) => ({ name: `TrainingJob ${j.TrainingJobName}`, status: j.TrainingJobStatus })), next: r.NextToken };
    }),
    all(async (NextToken) => {
      const r = await sm.send(new ListTransformJobsCommand({ MaxResults: 100, NextToken }));
      return { items: (r.TransformJobSummaries ?? []).map((j) => ({ name: `TransformJob ${j.TransformJobName}`, status: j.TransformJobStatus })), next: r.NextToken };
    }),
  ]);
  const jobs = [...training, ...transforms];
  return {
    deletable: new Set([...endpoints, ...configs, ...models]),
    running: new Set(jobs.filter((j) => j.status === "InProgress" || j.status === "Stopping").map((j) => j.name)),
    jobs: new Set(jobs.map((j) => j.name)),
  };
}

/** What `now` holds that `before` did not: resources to delete, jobs still running. */
export function leaksSince(before: ServerResources, now: ServerResources): string[] {
  return [...[...now.deletable].filter((r) => !before.deletable.has(r)), ...[...now.running].filter((r) => !before.running.has(r)).map((r) => `${r} (still running)`)];
}

/** Everything `now` holds that `before` did not, deleted since or not. */
export function createdSince(before: ServerResources, now: ServerResources, seen: Set<string>): void {
  for (const r of [...now.deletable, ...now.jobs]) if (!before.deletable.has(r) && !before.jobs.has(r)) seen.add(r);
}
