/**
 * Starts, finds and stops the local SageMaker as a background process. The
 * notebook helpers call `ensureLocalServer()`; `npm run local:*` wraps the
 * same functions. This module is compiled by the tslab kernel: it imports no
 * server code and keeps to TypeScript 5.0 syntax.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import {
  credentialsFile,
  livePid,
  pidFile,
  readServerInfo,
  removeServerInfo,
  repoRoot,
  resolveSettings,
  type LocalIdentity,
} from "./config";
import { isProcessRunning } from "../system/process-state";

export interface LocalServerInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  pid: number;
  dataDir: string;
  startedAt: string;
}

export interface LauncherOptions {
  /** Defaults to LOCAL_SAGEMAKER_HOME or `<repo>/.local-sagemaker`. */
  dataDir?: string;
  /** Port for a server that has to be started (default LOCAL_SAGEMAKER_PORT or 9430; 0 = any free port). */
  port?: number;
  region?: string;
  /** How long to wait for a start or a graceful stop (default 30 s). */
  timeoutMs?: number;
}

/** Exit code of the server process when another server already owns the data directory. */
export const EXIT_DATA_DIR_IN_USE = 75;
const HEALTH_PATH = "/_local/health";

/** The running server of the data directory, or undefined when none answers. */
export async function readLocalServerInfo(opts: LauncherOptions = {}): Promise<LocalServerInfo | undefined> {
  const dataDir = resolveSettings({ dataDir: opts.dataDir, port: 0 }).dataDir;
  const pid = livePid(dataDir);
  const info = readServerInfo(dataDir);
  if (pid === undefined || !info || info.pid !== pid) return undefined;
  const health = await getJson(`${info.endpoint}${HEALTH_PATH}`, 2000);
  if (!health || health.status !== "ok" || health.pid !== pid) return undefined;
  const identity = JSON.parse(fs.readFileSync(credentialsFile(dataDir), "utf8")) as LocalIdentity;
  return {
    endpoint: info.endpoint,
    region: info.region,
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    accountId: identity.accountId,
    pid,
    dataDir,
    startedAt: info.startedAt,
  };
}

/**
 * Returns the running server, starting one in the background first when the
 * data directory has none (a stale pid file is replaced). `started` says which.
 */
export async function ensureLocalServer(opts: LauncherOptions = {}): Promise<LocalServerInfo & { started: boolean }> {
  const settings = resolveSettings({ dataDir: opts.dataDir, port: opts.port, region: opts.region });
  const running = await readLocalServerInfo({ dataDir: settings.dataDir });
  if (running) return Object.assign(running, { started: false });

  const logDir = path.join(settings.dataDir, "logs");
  // The data directory holds the credentials: private to this user from the start.
  fs.mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "process.log");
  const out = fs.openSync(logFile, "a", 0o600);
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts", "local-server.ts"), "--data-dir", settings.dataDir, "--port", String(settings.port), "--region", settings.region],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", out, out],
      env: Object.assign({}, process.env, { AWS_EC2_METADATA_DISABLED: "true" }),
    },
  );
  fs.closeSync(out);
  let exitCode: number | null | undefined;
  child.on("exit", (code, signal) => {
    exitCode = code === null ? -1 : code;
    if (signal) exitCode = -1;
  });
  child.unref();

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const info = await readLocalServerInfo({ dataDir: settings.dataDir });
    if (info) {
      // Another start won the race: ours must not take over later, when that server stops.
      if (info.pid !== child.pid && exitCode === undefined && child.pid !== undefined) signal(child.pid, "SIGTERM");
      return Object.assign(info, { started: info.pid === child.pid });
    }
    // Lost a race with another start: wait for that server instead.
    if (exitCode !== undefined && exitCode !== EXIT_DATA_DIR_IN_USE) {
      throw new Error(`the local SageMaker did not start (exit code ${exitCode}). Its log (${logFile}) ends with:\n${tail(logFile, 20)}`);
    }
    await sleep(150);
  }
  throw new Error(`the local SageMaker did not answer within ${opts.timeoutMs ?? 30_000} ms. Its log (${logFile}) ends with:\n${tail(logFile, 20)}`);
}

/**
 * Stops the data directory's server: SIGTERM (it closes its services and the
 * processes they started), then SIGKILL to its whole process group after the
 * timeout. Removes the pid and info files either way.
 */
export async function stopLocalServer(opts: LauncherOptions = {}): Promise<{ stopped: boolean; pid?: number; forced: boolean }> {
  const dataDir = resolveSettings({ dataDir: opts.dataDir, port: 0 }).dataDir;
  const pid = livePid(dataDir);
  if (pid === undefined) {
    fs.rmSync(pidFile(dataDir), { force: true });
    removeServerInfo(dataDir);
    return { stopped: false, forced: false };
  }
  if (pid === process.pid) throw new Error(`the local SageMaker of ${dataDir} runs in this very process; call its close() instead.`);
  signal(pid, "SIGTERM");
  let forced = false;
  if (!(await waitForExit(pid, opts.timeoutMs ?? 30_000))) {
    forced = true;
    signal(-pid, "SIGKILL");
    signal(pid, "SIGKILL");
    await waitForExit(pid, 5000);
  }
  fs.rmSync(pidFile(dataDir), { force: true });
  removeServerInfo(dataDir);
  return { stopped: true, pid, forced };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone (or, for a group, no member left).
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isProcessRunning(pid)) return true;
    await sleep(100);
  }
  return !isProcessRunning(pid);
}

function getJson(url: string, timeoutMs: number): Promise<{ status?: string; pid?: number } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
