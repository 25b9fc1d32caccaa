/**
 * The local SageMaker for a job that needs it: found running, or started
 * and then stopped again when the job is done (unless it is to be kept), so
 * a job leaves the machine as it found it.
 */
import { ensureLocalServer, stopLocalServer } from "../local/launcher";
import { waitForGuards } from "./guards";

/** How long a release waits for the guards of kernels that died before their clean-up cell. */
const GUARD_WAIT_MS = 60_000;

export interface LocalServerLease {
  endpoint: string;
  dataDir: string;
  startedByJob: boolean;
  startSeconds: number;
  /**
   * Stops the server when this lease started it and `keep` is false; says whether it stopped it.
   * Guards still deleting resources of a dead kernel get to finish first (`warn` hears of those that do not).
   */
  release(keep: boolean, warn: (message: string) => void): Promise<boolean>;
}

export async function leaseLocalServer(): Promise<LocalServerLease> {
  const t = Date.now();
  const info = await ensureLocalServer();
  return {
    endpoint: info.endpoint,
    dataDir: info.dataDir,
    startedByJob: info.started,
    startSeconds: (Date.now() - t) / 1000,
    release: async (keep, warn) => {
      if (!info.started || keep) return false;
      const left = await waitForGuards(info.endpoint, GUARD_WAIT_MS);
      if (left.length > 0) {
        warn(
          `resources of a kernel that died are still recorded in ${left.join(", ")}; stopping the local SageMaker anyway. ` +
            `Its next start brings such endpoints back, and their guard deletes them then.`,
        );
      }
      await stopLocalServer({ dataDir: info.dataDir });
      return true;
    },
  };
}
