/**
 * One bad-input case: what is sent, through which path (a real SDK client,
 * raw signed HTTP, or a real training job whose FailureReason is the answer),
 * and the answer AWS gives.
 */
import type { Clients, ServerAddress } from "../clients";
import type { TinyDataset } from "../fixtures";
import type { Expected, Outcome } from "../outcome";

export type Area = "s3" | "sagemaker" | "runtime" | "hyperparameters" | "data" | "payload";

/** The live resources every case may use; set up once per run. */
export interface CaseContext {
  server: ServerAddress;
  clients: Clients;
  dataDir: string;
  /** A bucket holding the tiny dataset under tiny/train, tiny/validation, tiny/test. */
  bucket: string;
  data: TinyDataset;
  /** A completed training job, its model and an InService endpoint serving it. */
  completedJob: string;
  modelData: string;
  model: string;
  endpoint: string;
  /** A fresh name for a resource the case creates. */
  unique(prefix: string): string;
}

export interface BadInputCase {
  id: string;
  area: Area;
  /** What is sent, in words. */
  sends: string;
  via: "sdk" | "raw-http" | "training-job";
  expect: Expected;
  run(ctx: CaseContext): Promise<Outcome>;
  /** What the refused input must not have left behind (a partial object, a resource): one line per problem. */
  leftovers?(ctx: CaseContext): Promise<string[]>;
}

/** Names of the live resources of a case context, so that expected messages can name them. */
export const CASE_RESOURCES = { job: "bad-input-trained", model: "bad-input-model", endpoint: "bad-input-endpoint" } as const;
