/**
 * Runs the bad-input cases against a live server: sets up what they need (the
 * tiny dataset, a trained model, an InService endpoint, a sentinel object),
 * sends each case, compares the answer with AWS's, looks for leftovers, and
 * checks after each case that the server still serves.
 */
import * as crypto from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { TinyDataset } from "../fixtures";
import { md5Hex, serverProblems, type Sentinel } from "../liveness";
import type { Target } from "../target";
import { createModel, deployEndpoint, trainModel, uploadDataset } from "../workloads";
import { algorithmCases } from "./algorithm-cases";
import { describeExpected, describeOutcome, matches } from "../outcome";
import { CASE_RESOURCES, type Area, type BadInputCase, type CaseContext } from "./case";
import { runtimeCases } from "./runtime-cases";
import { sagemakerCases } from "./sagemaker-cases";
import { s3Cases, SENTINEL_KEY } from "./s3-cases";

export const ALL_CASES: BadInputCase[] = [...s3Cases, ...sagemakerCases, ...runtimeCases, ...algorithmCases];

export interface CaseResult {
  id: string;
  area: Area;
  via: BadInputCase["via"];
  sends: string;
  expected: string;
  observed: string;
  /** Right answer, nothing left behind, server still serving. */
  passed: boolean;
  /** Why it did not pass. */
  problems: string[];
}

export interface BadInputFigures {
  tried: number;
  passed: number;
  byArea: Record<string, { tried: number; passed: number }>;
  results: CaseResult[];
}

export interface BadInputSetup {
  ctx: CaseContext;
  sentinel: Sentinel;
}

const BUCKET = "reliability-bad-input";

/** Uploads the data, trains the model, deploys the endpoint and writes the sentinel object. */
export async function setUpCases(target: Target, data: TinyDataset): Promise<BadInputSetup> {
  const { clients, info } = target;
  await uploadDataset(clients, BUCKET, data);
  const sentinelBody = crypto.randomBytes(4096);
  await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: SENTINEL_KEY, Body: sentinelBody }));
  const modelData = await trainModel(clients, info.region, BUCKET, data, CASE_RESOURCES.job);
  await createModel(clients, info.region, CASE_RESOURCES.model, modelData);
  await deployEndpoint(clients, CASE_RESOURCES.model, CASE_RESOURCES.endpoint);
  let counter = 0;
  const ctx: CaseContext = {
    server: info,
    clients,
    dataDir: target.dataDir,
    bucket: BUCKET,
    data,
    completedJob: CASE_RESOURCES.job,
    modelData,
    model: CASE_RESOURCES.model,
    endpoint: CASE_RESOURCES.endpoint,
    unique: (prefix) => `${prefix}-${++counter}`,
  };
  return { ctx, sentinel: { bucket: BUCKET, key: SENTINEL_KEY, md5: md5Hex(sentinelBody) } };
}

async function runCase(setup: BadInputSetup, c: BadInputCase): Promise<CaseResult> {
  const { ctx, sentinel } = setup;
  const problems: string[] = [];
  let observed = "(nothing)";
  try {
    const outcome = await c.run(ctx);
    observed = describeOutcome(outcome);
    if (!matches(c.expect, outcome)) problems.push(`answered ${observed}, expected ${describeExpected(c.expect)}`);
    if (c.leftovers) problems.push(...(await c.leftovers(ctx)));
  } catch (err) {
    problems.push(`the case itself failed: ${(err as Error).stack ?? String(err)}`);
  }
  problems.push(...(await serverProblems(ctx.server, ctx.clients, sentinel, ctx.endpoint)).map((p) => `afterwards: ${p}`));
  return { id: c.id, area: c.area, via: c.via, sends: c.sends, expected: describeExpected(c.expect), observed, passed: problems.length === 0, problems };
}

/**
 * Quick cases run one after the other; training-job cases, which spend
 * seconds in a process of their own, `jobConcurrency` at a time.
 */
export async function runBadInput(setup: BadInputSetup, cases: BadInputCase[] = ALL_CASES, jobConcurrency = 3): Promise<BadInputFigures> {
  const results = new Map<string, CaseResult>();
  for (const c of cases.filter((x) => x.via !== "training-job")) results.set(c.id, await runCase(setup, c));
  const jobs = cases.filter((x) => x.via === "training-job");
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobConcurrency, jobs.length) }, async () => {
      while (next < jobs.length) {
        const c = jobs[next++];
        results.set(c.id, await runCase(setup, c));
      }
    }),
  );
  const ordered = cases.map((c) => results.get(c.id)!);
  const byArea: BadInputFigures["byArea"] = {};
  for (const r of ordered) {
    byArea[r.area] ??= { tried: 0, passed: 0 };
    byArea[r.area].tried++;
    if (r.passed) byArea[r.area].passed++;
  }
  return { tried: ordered.length, passed: ordered.filter((r) => r.passed).length, byArea, results: ordered };
}
