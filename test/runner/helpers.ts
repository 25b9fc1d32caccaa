/** Shared by the runner tests: the real CLI as a child process, temp dirs, process liveness. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(ROOT, "test", "fixtures", "notebooks");
export const CLI = path.join(ROOT, "scripts", "run-notebook.js");

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

const created: string[] = [];
// Registered once per test file (each file evaluates this module afresh).
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "runner-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** An environment where Jupyter paths point into `dir`, so nothing reads or writes the user's home. */
export function isolatedEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(dir, "jupyter-data"),
    JUPYTER_PATH: path.join(dir, "jupyter-path"),
    JUPYTER_CONFIG_DIR: path.join(dir, "jupyter-config"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "jupyter-runtime"),
    IPYTHONDIR: path.join(dir, "ipython"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  pid: number;
  done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
}

export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid as number, done, kill: (signal) => child.kill(signal) };
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** Alive = exists and is not a zombie (a reaped-later orphan has stopped running). */
export { isProcessRunning as isAlive } from "../../src/system/process-state";

export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Source and output text of a saved notebook's cells, joined the way nbformat splits them. */
export function joined(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join("") : (v ?? "");
}
