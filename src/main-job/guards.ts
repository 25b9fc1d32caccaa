/**
 * When the kernel goes before the clean-up cell ran (interrupt, dead
 * kernel), the tutorial's guard process deletes what the kernel had created
 * (src/tutorial/guard.ts). It needs the server for that, so a job that is
 * about to stop the server it started first waits for the guards of that
 * server to finish: a guard removes its state file when it is done.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultStateDir, ownerAlive, readState } from "../tutorial/resources";

/** State files of kernels that are gone but left resources on the server at `endpoint`. */
export function orphanedStateFiles(endpoint: string, dir = defaultStateDir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^resources-.*\.json$/.test(n))
    .map((n) => path.join(dir, n))
    .filter((file) => {
      let state;
      try {
        state = readState(file);
      } catch {
        return false; // not a state file the guards could use either
      }
      return state !== undefined && state.endpoint === endpoint && state.resources.length > 0 && !ownerAlive(state);
    });
}

/** Waits until the guards of `endpoint` are done; returns the state files still left at the deadline. */
export async function waitForGuards(endpoint: string, timeoutMs: number, dir = defaultStateDir()): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = orphanedStateFiles(endpoint, dir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    left = orphanedStateFiles(endpoint, dir);
  }
  return left;
}
