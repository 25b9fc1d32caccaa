/**
 * The local SageMaker for a job that needs it: found running, or started
 * and then stopped again when the job is done (unless it is to be kept), so
 * a job leaves the machine as it found it.
 */
import { ensureLocalServer, stopLocalServer } from "../local/launcher";

export interface LocalServerLease {
  endpoint: string;
  dataDir: string;
  startedByJob: boolean;
  startSeconds: number;
  /** Stops the server when this lease started it and `keep` is false; says whether it stopped it. */
  release(keep: boolean): Promise<boolean>;
}

export async function leaseLocalServer(): Promise<LocalServerLease> {
  const t = Date.now();
  const info = await ensureLocalServer();
  return {
    endpoint: info.endpoint,
    dataDir: info.dataDir,
    startedByJob: info.started,
    startSeconds: (Date.now() - t) / 1000,
    release: async (keep) => {
      if (!info.started || keep) return false;
      await stopLocalServer({ dataDir: info.dataDir });
      return true;
    },
  };
}
