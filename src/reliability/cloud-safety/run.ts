/**
 * Cloud safety, proven on the local backend: the tutorial notebook is run by
 * the project's runner (a real tslab kernel, the real clean-up cell and guard
 * process) with a failure injected at one step, and afterwards no endpoint,
 * endpoint configuration or model that run created may remain, no job of it
 * may still run, and neither its guard nor its kernel may still be alive.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../local/config";
import { sleep, until } from "../poll";
import { processesMentioning } from "../processes";
import type { Target } from "../target";
import { codeCells, describeInjection, injectionName, writeInjectedCopy, type Injection } from "./injection";
import { createdSince, leaksSince, snapshot } from "./resources";

export const NOTEBOOK = path.join(repoRoot(), "notebooks", "image-classification-fulltraining.ipynb");

/** The smallest run that still trains, transforms and serves (see notebooks/README.md for the parameters). */
const SMALL_RUN = { num_layers: "20", image_shape: "3,32,32", epochs: "1", mini_batch_size: "32" } as const;

export interface InjectionResult {
  injection: string;
  exitCode: number | null;
  /** Resources the run created (seen while it ran), deleted since or not. */
  created: string[];
  cleanedBy: "always-run cell" | "guard" | "nothing to clean";
  leaks: string[];
  problems: string[];
  seconds: number;
}

export interface CloudSafetyOptions {
  target: Target;
  /** Folder for this check's notebooks, outputs and per-run temporary folders. */
  workDir: string;
  /** Shared by every run, so the dataset is generated once. */
  dataDir: string;
  /** How long the guard may take to clean up after a killed kernel. */
  settleMs?: number;
}

interface OutCell {
  cell_type: string;
  metadata: { tags?: string[]; papermill?: { status?: string } };
}

/** Files of the tutorial's state folder under `tmp` whose names match `pattern`. */
function stateFolderFiles(tmp: string, pattern: RegExp): string[] {
  return fs.readdirSync(tmp).flatMap((d) => (d.startsWith("sagemaker-tutorial-") ? fs.readdirSync(path.join(tmp, d)).filter((f) => pattern.test(f)).map((f) => path.join(tmp, d, f)) : []));
}

/** The kernel's record of what it created: gone once everything is deleted. */
const stateFiles = (tmp: string): string[] => stateFolderFiles(tmp, /^resources-.*\.json$/);
/** Kept by a guard that had to clean up (removed when the kernel cleaned up itself). */
const guardLogs = (tmp: string): string[] => stateFolderFiles(tmp, /\.guard\.log$/);

/** The runner's exit code: 1 for a failed cell, 130 after SIGINT, 138 when the kernel died, none when it was killed itself. */
function expectedExit(i: Injection): number | null {
  if (i.kind === "throw") return 1;
  if (i.to === "kernel") return 138;
  return i.signal === "SIGINT" ? 130 : null;
}

async function runInjection(o: CloudSafetyOptions, injection: Injection, name: string): Promise<InjectionResult> {
  const started = Date.now();
  const runDir = path.join(o.workDir, name);
  const tmp = path.join(runDir, "tmp");
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const notebook = injection.kind === "throw" ? path.join(runDir, "injected.ipynb") : NOTEBOOK;
  if (injection.kind === "throw") writeInjectedCopy(NOTEBOOK, injection.cell, notebook);
  const output = path.join(runDir, "output.ipynb");

  const clients = o.target.clients;
  const before = await snapshot(clients);
  const created = new Set<string>();
  const args = ["scripts/run-notebook.js", "--no-progress-bar", "--execution-timeout", "600", notebook, output];
  for (const [k, v] of Object.entries({ ...SMALL_RUN, data_dir: o.dataDir })) args.push("-r", k, v);
  const runner = spawn(process.execPath, args, {
    cwd: repoRoot(),
    // Its own TMPDIR: the kernel's resource state file, the guard's log and the connection file stay with this run.
    env: { ...process.env, LOCAL_SAGEMAKER_HOME: o.target.dataDir, TMPDIR: tmp, AWS_EC2_METADATA_DISABLED: "true", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  runner.stdout.on("data", (d: Buffer) => (log += d.toString()));
  runner.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => runner.on("exit", (code, signal) => resolve({ code, signal })));

  let running = true;
  const watcher = (async () => {
    while (running) {
      createdSince(before, await snapshot(clients), created);
      await sleep(300);
    }
  })();
  const problems: string[] = [];
  if (injection.kind === "signal") {
    const moment = async () => {
      const now = await snapshot(clients);
      createdSince(before, now, created);
      return injection.once === "endpoint" ? [...created].some((r) => r.startsWith("Endpoint ")) : [...now.running].some((r) => r.startsWith("TrainingJob ") && !before.running.has(r));
    };
    try {
      await until(moment, injection.once === "endpoint" ? "the run's endpoint exists" : "the run's training job runs", 600_000, 200);
      if (injection.to === "kernel") {
        const [kernel] = processesMentioning("tslab-kernel", [tmp]);
        if (kernel === undefined) problems.push("no kernel process of this run was found to kill");
        else process.kill(kernel, injection.signal);
      } else {
        runner.kill(injection.signal);
      }
    } catch (err) {
      problems.push(`${(err as Error).message}; the runner's output ends: ${log.slice(-500)}`);
      runner.kill("SIGKILL");
    }
  }
  const exit = await exited;
  running = false;
  await watcher;

  const exitCode = exit.code;
  if (exitCode !== expectedExit(injection)) problems.push(`the runner ended with ${exit.code ?? exit.signal}, expected ${expectedExit(injection) ?? "SIGKILL"}; its output ends: ${log.slice(-800)}`);
  const cells = fs.existsSync(output) ? (JSON.parse(fs.readFileSync(output, "utf8")) as { cells: OutCell[] }).cells : [];
  // The runner adds an "injected-parameters" cell: code cells are counted without it, as in the input notebook.
  const code = codeCells({ cells: cells.map((c) => ({ ...c, source: "" })) })
    .filter((c) => !c.tags.includes("injected-parameters"))
    .map((c) => cells[c.index]);
  if (injection.kind === "throw") {
    const failed = code.findIndex((c) => c.metadata.papermill?.status === "failed") + 1;
    if (failed !== injection.cell) problems.push(`code cell ${failed || "none"} failed, expected ${injection.cell}`);
  }
  const last = code[code.length - 1];
  const cleanUpCellRan = last?.metadata.tags?.includes("always-run") === true && last.metadata.papermill?.status === "completed";

  // The guard needs a moment to see its kernel gone (it polls every second) and to delete.
  const settled = async () => {
    const leaks = leaksSince(before, await snapshot(clients));
    const left = { leaks, states: stateFiles(tmp), guards: processesMentioning("guard-main", [tmp]), kernels: processesMentioning("tslab-kernel", [tmp]) };
    return leaks.length + left.states.length + left.guards.length + left.kernels.length === 0 ? left : undefined;
  };
  let left = await settled().catch(() => undefined);
  if (!left) {
    try {
      left = await until(settled, "everything the run created is gone", o.settleMs ?? 180_000, 500);
    } catch {
      const leaks = leaksSince(before, await snapshot(clients));
      left = { leaks, states: stateFiles(tmp), guards: processesMentioning("guard-main", [tmp]), kernels: processesMentioning("tslab-kernel", [tmp]) };
    }
  }
  problems.push(...left.leaks.map((l) => `left behind: ${l}`));
  // Who should have deleted it, and what it said.
  if (left.leaks.length > 0) for (const log of guardLogs(tmp)) problems.push(`guard log ${log}: ${fs.readFileSync(log, "utf8").trim().split("\n").slice(-6).join(" | ")}`);
  problems.push(...left.states.map((f) => `resource state file left: ${f}`));
  problems.push(...left.guards.map((p) => `guard process ${p} still runs`));
  problems.push(...left.kernels.map((p) => `kernel process ${p} still runs`));
  const deletable = [...created].filter((r) => !r.startsWith("TrainingJob ") && !r.startsWith("TransformJob "));
  // The guard keeps its log only when it had to act (delete, or stop a running job).
  const cleanedBy = guardLogs(tmp).length > 0 ? "guard" : deletable.length > 0 && cleanUpCellRan ? "always-run cell" : "nothing to clean";
  if (deletable.length > 0 && cleanedBy === "nothing to clean") problems.push("the run created resources, but neither the clean-up cell nor the guard deleted them");
  return { injection: describeInjection(injection), exitCode, created: [...created].sort(), cleanedBy, leaks: left.leaks, problems, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

function readNotebook(): { cells: Array<{ cell_type: string; source: string | string[]; metadata: { tags?: string[] } }> } {
  return JSON.parse(fs.readFileSync(NOTEBOOK, "utf8"));
}

/** The code cell (from 1) whose source contains `text`, e.g. the call that creates the endpoint. */
export function codeCellWith(text: string): number {
  const notebook = readNotebook();
  const cell = codeCells(notebook).findIndex((c) => {
    const source = notebook.cells[c.index].source;
    return (Array.isArray(source) ? source.join("") : source).includes(text);
  });
  if (cell < 0) throw new Error(`no code cell of ${NOTEBOOK} contains ${JSON.stringify(text)}`);
  return cell + 1;
}

/**
 * The injection points: a throw in every code cell but the parameters and the
 * clean-up cell; SIGINT and SIGKILL to the runner and SIGKILL to the kernel
 * once the endpoint exists; SIGKILL to the kernel while the training job runs.
 */
export function allInjections(): Injection[] {
  const cells = codeCells(readNotebook());
  const throws = cells.flatMap((c, i) => (c.tags.includes("parameters") || c.tags.includes("always-run") ? [] : [{ kind: "throw" as const, cell: i + 1 }]));
  return [
    ...throws,
    { kind: "signal", signal: "SIGINT", to: "runner", once: "endpoint" },
    { kind: "signal", signal: "SIGKILL", to: "runner", once: "endpoint" },
    { kind: "signal", signal: "SIGKILL", to: "kernel", once: "endpoint" },
    { kind: "signal", signal: "SIGKILL", to: "kernel", once: "training" },
  ];
}

export interface CloudSafetyFigures {
  injections: number;
  /** Runs after which something the run created remained. */
  runsWithLeaks: number;
  leakedResources: number;
  passed: number;
  results: InjectionResult[];
}

export async function runCloudSafety(o: CloudSafetyOptions, injections: Injection[]): Promise<CloudSafetyFigures> {
  const results: InjectionResult[] = [];
  for (const [i, injection] of injections.entries()) {
    try {
      results.push(await runInjection(o, injection, `${String(i + 1).padStart(2, "0")}-${injectionName(injection)}`));
    } catch (err) {
      results.push({ injection: describeInjection(injection), exitCode: null, created: [], cleanedBy: "nothing to clean", leaks: [], problems: [`the check itself failed: ${(err as Error).stack}`], seconds: 0 });
    }
  }
  return {
    injections: results.length,
    runsWithLeaks: results.filter((r) => r.leaks.length > 0).length,
    leakedResources: results.reduce((n, r) => n + r.leaks.length, 0),
    passed: results.filter((r) => r.problems.length === 0).length,
    results,
  };
}
