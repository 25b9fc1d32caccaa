/**
 * The guard: a small detached process that outlives the kernel. It watches
 * the kernel's pid and the resource state file; if the kernel dies while
 * resources are still recorded, it deletes exactly those (and nothing else),
 * then ends. When the clean-up cell has removed everything, the state file
 * is gone and the guard ends by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { BackendConfig } from "./clients";
import type { ResourceTracker } from "./resources";

/** Environment variables that carry the local backend's credentials to the guard (never written to disk). */
export const GUARD_ENV = {
  accessKeyId: "TUTORIAL_GUARD_ACCESS_KEY_ID",
  secretAccessKey: "TUTORIAL_GUARD_SECRET_ACCESS_KEY",
} as const;

const running = new Map<string, ChildProcess>();

export function guardLogFile(stateFile: string): string {
  return `${stateFile}.guard.log`;
}

function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The guard's pid for this tracker's state file, if one runs. */
export function guardPid(tracker: ResourceTracker): number | undefined {
  const child = running.get(tracker.stateFile);
  return isRunning(child) ? child?.pid : undefined;
}

/** Starts the guard for `tracker` unless one already runs for it. */
export function startGuard(tracker: ResourceTracker, config: BackendConfig): number | undefined {
  if (isRunning(running.get(tracker.stateFile))) return guardPid(tracker);
  const main = path.join(__dirname, "guard-main.ts");
  const loader = pathToFileURL(require.resolve("tsx")).href;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (config.backend === "local" && config.credentials) {
    env[GUARD_ENV.accessKeyId] = config.credentials.accessKeyId;
    env[GUARD_ENV.secretAccessKey] = config.credentials.secretAccessKey;
  }
  fs.mkdirSync(path.dirname(tracker.stateFile), { recursive: true });
  const log = fs.openSync(guardLogFile(tracker.stateFile), "a");
  try {
    const child = spawn(process.execPath, ["--import", loader, main, tracker.stateFile], {
      detached: true,
      stdio: ["ignore", log, log],
      env,
      cwd: path.resolve(__dirname, "..", ".."),
    });
    child.unref();
    running.set(tracker.stateFile, child);
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}
