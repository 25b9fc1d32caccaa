/**
 * The billable resources this kernel created: every create helper records
 * what it made, in memory and in a small state file, so the clean-up cell
 * (and the guard process, if the kernel dies) deletes exactly those and
 * nothing else.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isProcessRunning, processStartTicks } from "../system/process-state";
import type { Backend } from "./clients";

export type ResourceKind = "TrainingJob" | "TransformJob" | "Model" | "EndpointConfig" | "Endpoint";

export interface TrackedResource {
  kind: ResourceKind;
  name: string;
  /** ISO time of creation, for people reading the state file. */
  createdAt: string;
}

/** The state file: enough for another process to clean up without the kernel. */
export interface ResourceState {
  version: 1;
  /** The process that created the resources (the kernel). */
  pid: number;
  /** Its start time in clock ticks after boot (Linux), to tell it from a later process with the same pid. */
  pidStartTicks?: string;
  backend: Backend;
  region: string;
  /** The local server's URL; absent on AWS. */
  endpoint?: string;
  resources: TrackedResource[];
}

export function defaultStateDir(): string {
  return path.join(os.tmpdir(), `sagemaker-tutorial-${typeof process.getuid === "function" ? process.getuid() : "user"}`);
}

export { processStartTicks };

/** Whether the process that wrote `state` still runs (and is that process, not a later one with its pid). */
export function ownerAlive(state: Pick<ResourceState, "pid" | "pidStartTicks">): boolean {
  if (!isProcessRunning(state.pid)) return false;
  if (state.pidStartTicks !== undefined) {
    const now = processStartTicks(state.pid);
    if (now !== undefined && now !== state.pidStartTicks) return false;
  }
  return true;
}

/** Writes JSON atomically: a reader sees the old file or the new one, never half of one. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2));
  fs.renameSync(temp, file);
}

export function readState(file: string): ResourceState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const state = JSON.parse(text) as ResourceState;
  if (state.version !== 1 || !Array.isArray(state.resources)) {
    throw new Error(`state file ${file}: not a tutorial resource state (version ${String(state.version)}).`);
  }
  return state;
}

export class ResourceTracker {
  private readonly state: ResourceState;
  private readonly listeners: Array<(resource: TrackedResource) => void> = [];

  constructor(
    readonly stateFile: string,
    base: { backend: Backend; region: string; endpoint?: string },
  ) {
    this.state = {
      version: 1,
      pid: process.pid,
      pidStartTicks: processStartTicks(process.pid),
      backend: base.backend,
      region: base.region,
      endpoint: base.endpoint,
      resources: [],
    };
  }

  /** A fresh tracker with its own state file in `dir`. */
  static create(base: { backend: Backend; region: string; endpoint?: string }, dir = defaultStateDir()): ResourceTracker {
    const file = path.join(dir, `resources-${process.pid}-${Date.now()}.json`);
    return new ResourceTracker(file, base);
  }

  get backend(): Backend {
    return this.state.backend;
  }

  get region(): string {
    return this.state.region;
  }

  list(): TrackedResource[] {
    return this.state.resources.map((r) => ({ ...r }));
  }

  /** Called after each record (the guard starts on the first). */
  onRecord(listener: (resource: TrackedResource) => void): void {
    this.listeners.push(listener);
  }

  record(kind: ResourceKind, name: string): void {
    if (this.state.resources.some((r) => r.kind === kind && r.name === name)) return;
    const resource = { kind, name, createdAt: new Date().toISOString() };
    this.state.resources.push(resource);
    this.save();
    for (const listener of this.listeners) listener(resource);
  }

  /**
   * Records the resource before `create` asks for it, and forgets it again
   * only when the service refused the request. Recording after the answer
   * would leave a window in which a kernel that dies (killed, out of memory)
   * leaves a resource that exists but that nobody, not even the guard, knows
   * of. A recorded name that was never created is harmless: clean-up counts
   * it as already gone.
   */
  async creating<T>(kind: ResourceKind, name: string, create: () => Promise<T>): Promise<T> {
    const knownBefore = this.state.resources.some((r) => r.kind === kind && r.name === name);
    this.record(kind, name);
    try {
      return await create();
    } catch (e) {
      // An answer from the service (e.g. the name is taken by a resource that is not ours) means nothing was created.
      const answered = typeof (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === "number";
      if (answered && !knownBefore) this.forget(kind, name);
      throw e;
    }
  }

  forget(kind: ResourceKind, name: string): void {
    this.state.resources = this.state.resources.filter((r) => !(r.kind === kind && r.name === name));
    this.save();
  }

  /** The state file goes away with the last resource, which tells the guard to end. */
  private save(): void {
    if (this.state.resources.length === 0) fs.rmSync(this.stateFile, { force: true });
    else writeJsonAtomic(this.stateFile, this.state);
  }
}
