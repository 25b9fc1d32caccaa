/** One injected fault and what was found after it. */
import type { TinyDataset } from "../fixtures";
import type { Target } from "../target";

export interface FaultResult {
  fault: string;
  /** Why the fault could not be injected here (e.g. no tmpfs); then it counts as neither injected nor survived. */
  skipped?: string;
  /** Every check held: nothing lost, nothing partial, no orphan, every job and endpoint in a proper state. */
  survived: boolean;
  problems: string[];
  objectsAcknowledged: number;
  objectsLost: number;
  partialObjects: number;
  orphanProcesses: number;
  /** What was observed, for people reading the report. */
  notes: string[];
}

/** A server with the tiny dataset, a trained model and an InService endpoint, shared by the faults in turn. */
export interface FaultContext {
  target: Target;
  data: TinyDataset;
  bucket: string;
  modelData: string;
  model: string;
  endpoint: string;
  /** An image the endpoint classifies. */
  payload: Buffer;
}

export function skippedFault(fault: string, reason: string): FaultResult {
  return { fault, skipped: reason, survived: false, problems: [], objectsAcknowledged: 0, objectsLost: 0, partialObjects: 0, orphanProcesses: 0, notes: [] };
}
