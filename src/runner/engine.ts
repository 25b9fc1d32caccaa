/**
 * papermill's execute_notebook for Jupyter kernels, tslab first: prepare and
 * parameterize, start the kernel, run the cells in order writing the output
 * notebook as they finish, stop at the first failure (cells tagged
 * `always-run` still run), mark the failure, and stop the kernel's process
 * group whatever happens.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { foreignTslabWarning, tslabKernelSpec } from "./builtin-kernel";
import { insertErrorMarkers } from "./error-markers";
import { EXIT, RunnerError } from "./errors";
import { executeCode, type CellExecution } from "./execute-cell";
import { errorFromKernelStderr } from "./kernel-error";
import { describeExit, shutdownKernelSession, startKernelSession, type KernelSession } from "./kernel-session";
import { findKernelSpec } from "./kernelspec";
import { hasTag, readNotebook, parseNotebook, writeNotebook, type CodeCell, type ErrorOutput, type Notebook, type Output } from "./notebook";
import { CellOutputCollector, DisplayRegistry } from "./outputs";
import { completeNotebook, endCell, notebookPapermill, startCell, startNotebook } from "./papermill-metadata";
import { prepareNotebook } from "./parameterize";
import type { Parameters } from "./parameters";

export const ALWAYS_RUN_TAG = "always-run";
export const RAISES_EXCEPTION_TAG = "raises-exception";
export const SKIP_EXECUTION_TAG = "skip-execution";

export type RunnerEvent =
  | { type: "warning"; message: string }
  | { type: "kernel-starting"; kernel: string; displayName: string; cwd: string }
  | { type: "kernel-ready"; seconds: number }
  | { type: "cell-start"; cellIndex: number; position: number; total: number }
  | { type: "cell-end"; cellIndex: number; position: number; total: number; status: "completed" | "failed" | "expected-error"; seconds: number }
  | { type: "output"; cellIndex: number; output: Output };

export interface ExecuteNotebookOptions {
  inputPath: string;
  /** Where the output notebook goes (written after every cell); null keeps it in memory only. */
  outputPath: string | null;
  /** Run this notebook instead of reading `inputPath` (which is then only recorded in the metadata). */
  notebook?: Notebook;
  parameters?: Parameters;
  /** Kernelspec name; default: the notebook's `metadata.kernelspec.name`. */
  kernelName?: string;
  /** The kernel's working directory; default: the current directory (tslab's launcher then uses the repo root). */
  cwd?: string;
  prepareOnly?: boolean;
  startTimeoutSec?: number;
  /** Per-cell limit in seconds; null or undefined = none. */
  executionTimeoutSec?: number | null;
  reportMode?: boolean;
  /** Save during a long cell at most this often (papermill's --autosave-cell-every); 0 disables. */
  autosaveCellEverySec?: number;
  /** Code cells with one of these tags are not executed (nbclient's `skip-execution`). */
  skipTags?: string[];
  /** Seconds a kernel gets to answer after a timeout interrupt before it is stopped. */
  interruptGraceSec?: number;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Aborts the run: the running cell fails with KeyboardInterrupt and the kernel is stopped. */
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
}

export interface CellFailure {
  /** Index in the executed notebook before the two error-mark cells went in (as in RunnerEvent). */
  cellIndex: number;
  /** Index in the written notebook, error marks included. */
  outputCellIndex: number;
  executionCount: number | null;
  source: string;
  ename: string;
  evalue: string;
  traceback: string[];
}

export type RunStatus = "completed" | "failed" | "dead-kernel" | "interrupted" | "prepared";

export interface ExecuteNotebookResult {
  notebook: Notebook;
  status: RunStatus;
  /** The first failing cell (its index in `notebook`, error marks included). */
  failure: CellFailure | null;
  exitCode: number;
  warnings: string[];
}

const TSLAB_ABORT_WINDOW_MS = 250;
const RUNNING_SAVE_DELAY_MS = 1000;
const MAX_ABORT_RETRIES = 3;

/**
 * Runs a notebook. Problems before the first cell (unreadable notebook,
 * unknown kernel, kernel start failure) throw RunnerError; cell failures,
 * a dead kernel and interruption are returned, with the notebook written.
 */
export async function executeNotebook(opts: ExecuteNotebookOptions): Promise<ExecuteNotebookResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const nb = opts.notebook ? parseNotebook(structuredClone(opts.notebook), opts.inputPath) : readNotebook(opts.inputPath);
  // --prepare-only needs no kernel (papermill#262): the notebook's metadata then names the language.
  const spec = opts.prepareOnly ? null : findKernelSpec(opts.kernelName ?? notebookKernelName(nb, opts.inputPath), { fallbacks: [tslabKernelSpec()] });
  const warnings = prepareNotebook(nb, {
    parameters: opts.parameters ?? {},
    inputPath: opts.inputPath,
    outputPath: opts.outputPath,
    reportMode: opts.reportMode,
    language: spec ? spec.language : notebookLanguage(nb),
  });
  const foreign = spec && foreignTslabWarning(spec);
  if (foreign) warnings.push(foreign);
  for (const message of warnings) emit({ type: "warning", message });
  const save = () => {
    if (opts.outputPath) writeNotebook(opts.outputPath, nb);
  };
  if (!spec) {
    save();
    return { notebook: nb, status: "prepared", failure: null, exitCode: EXIT.ok, warnings };
  }

  const cwd = path.resolve(opts.cwd ?? process.cwd());
  if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new RunnerError(`--cwd ${cwd}: no such directory.`);
  }

  startNotebook(nb, new Date());
  save();
  emit({ type: "kernel-starting", kernel: spec.name, displayName: spec.display_name, cwd });
  const started = Date.now();
  let session: KernelSession;
  try {
    session = await startKernelSession(spec, {
      cwd,
      env: { ...opts.env, ...(opts.cwd ? { TSLAB_KERNEL_CWD: cwd } : {}) },
      startTimeoutMs: (opts.startTimeoutSec ?? 60) * 1000,
      signal: opts.signal,
    });
  } catch (err) {
    notebookPapermill(nb).exception = true;
    completeNotebook(nb, new Date(), 0);
    save();
    throw err;
  }
  emit({ type: "kernel-ready", seconds: (Date.now() - started) / 1000 });
  if (session.info.language_info) nb.metadata.language_info = session.info.language_info;
  nb.metadata.kernelspec = { name: spec.name, display_name: spec.display_name, language: spec.language };

  const run = new CellLoop(nb, session, opts, emit, save);
  let outcome: LoopOutcome;
  try {
    outcome = await run.runAll();
  } finally {
    await shutdownKernelSession(session);
  }
  const rejected = session.client.rejected;
  if (rejected.length > 0) {
    emit({ type: "warning", message: `${rejected.length} message(s) from the kernel were ignored; the first: ${rejected[0]}` });
  }

  completeNotebook(nb, new Date(), outcome.failure?.cellIndex ?? null);
  if (outcome.failure) {
    insertErrorMarkers(nb, outcome.failure.cellIndex, outcome.failure.executionCount);
    outcome.failure.outputCellIndex = outcome.failure.cellIndex + 2;
  }
  save();
  return { notebook: nb, status: outcome.status, failure: outcome.failure, exitCode: exitCodeOf(outcome.status), warnings };
}

function exitCodeOf(status: RunStatus): number {
  if (status === "completed" || status === "prepared") return EXIT.ok;
  if (status === "dead-kernel") return EXIT.deadKernel;
  if (status === "interrupted") return EXIT.sigint;
  return EXIT.failure;
}

function notebookLanguage(nb: Notebook): string {
  const ks = nb.metadata.kernelspec as { language?: unknown } | undefined;
  const li = nb.metadata.language_info as { name?: unknown } | undefined;
  return typeof ks?.language === "string" ? ks.language : typeof li?.name === "string" ? li.name : "";
}

function notebookKernelName(nb: Notebook, where: string): string {
  const ks = nb.metadata.kernelspec as { name?: unknown } | undefined;
  if (ks && typeof ks.name === "string" && ks.name !== "") return ks.name;
  throw new RunnerError(`${where}: metadata.kernelspec.name is missing, so the kernel is unknown; pass -k KERNEL (e.g. -k tslab).`);
}

interface LoopOutcome {
  status: RunStatus;
  failure: CellFailure | null;
}

interface CellOutcome {
  /** The cell failed (an expected error in a `raises-exception` cell is not a failure). */
  failed: boolean;
  expectedError: boolean;
  /** Nothing more can run: the kernel died, was stopped, or the run was interrupted. */
  kernelGone: "dead" | "stopped" | "interrupted" | null;
}

class CellLoop {
  private readonly displays = new DisplayRegistry();
  private lastErrorAt = 0;

  constructor(
    private readonly nb: Notebook,
    private readonly session: KernelSession,
    private readonly opts: ExecuteNotebookOptions,
    private readonly emit: (e: RunnerEvent) => void,
    private readonly save: () => void,
  ) {}

  private runnable(index: number): boolean {
    const cell = this.nb.cells[index];
    const skip = this.opts.skipTags ?? [SKIP_EXECUTION_TAG];
    return cell.cell_type === "code" && cell.source.trim() !== "" && !skip.some((t) => hasTag(cell, t));
  }

  async runAll(): Promise<LoopOutcome> {
    const cells = this.nb.cells;
    const total = cells.filter((_, i) => this.runnable(i)).length;
    let position = 0;
    let failure: CellFailure | null = null;
    let status: RunStatus = "completed";
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      if (failure && !(cell.cell_type === "code" && hasTag(cell, ALWAYS_RUN_TAG))) continue;
      startCell(cell, new Date());
      if (!this.runnable(i)) {
        endCell(cell, new Date(), false);
        continue;
      }
      position++;
      this.emit({ type: "cell-start", cellIndex: i, position, total });
      const began = Date.now();
      const outcome = await this.runCodeCell(i, cell as CodeCell);
      endCell(cell, new Date(), outcome.failed);
      this.save();
      this.emit({
        type: "cell-end",
        cellIndex: i,
        position,
        total,
        status: outcome.failed ? "failed" : outcome.expectedError ? "expected-error" : "completed",
        seconds: (Date.now() - began) / 1000,
      });
      if (outcome.failed && !failure) {
        failure = failureOf(i, cell as CodeCell);
        status = "failed";
      }
      if (outcome.kernelGone) {
        if (outcome.kernelGone === "dead") status = "dead-kernel";
        if (outcome.kernelGone === "interrupted") status = "interrupted";
        const left = cells.slice(i + 1).filter((c) => c.cell_type === "code" && hasTag(c, ALWAYS_RUN_TAG)).length;
        if (left > 0) this.emit({ type: "warning", message: `${left} cell(s) tagged '${ALWAYS_RUN_TAG}' were not run: the kernel is gone.` });
        break;
      }
    }
    return { status, failure };
  }

  private async runCodeCell(index: number, cell: CodeCell): Promise<CellOutcome> {
    const collector = new CellOutputCollector(cell.outputs, this.displays, (output) => this.emit({ type: "output", cellIndex: index, output }));
    let dirty = false;
    // papermill also saves at cell start; saving once the cell has run for a second shows the
    // running cell just as well, without two writes per quick cell.
    const runningSave = setTimeout(() => {
      dirty = false;
      this.save();
    }, RUNNING_SAVE_DELAY_MS);
    const autosaveMs = (this.opts.autosaveCellEverySec ?? 30) * 1000;
    const autosave =
      autosaveMs > 0
        ? setInterval(() => {
            if (!dirty) return;
            dirty = false;
            this.save();
          }, autosaveMs)
        : undefined;
    let exec: CellExecution;
    try {
      for (let attempt = 0; ; attempt++) {
        // tslab answers "abort" to requests arriving within 200 ms of a failed cell.
        const wait = this.lastErrorAt + TSLAB_ABORT_WINDOW_MS - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        exec = await executeCode(this.session, cell.source, collector, {
          timeoutMs: this.opts.executionTimeoutSec ? this.opts.executionTimeoutSec * 1000 : null,
          interruptGraceMs: (this.opts.interruptGraceSec ?? 5) * 1000,
          // nbclient waits 4 s; a loaded machine can delay IOPub more than that.
          iopubTimeoutMs: 15_000,
          signal: this.opts.signal,
          onChange: () => (dirty = true),
        });
        if (exec.status !== "abort" || attempt >= MAX_ABORT_RETRIES) break;
        this.lastErrorAt = Date.now();
      }
    } finally {
      clearTimeout(runningSave);
      if (autosave) clearInterval(autosave);
    }
    cell.execution_count = exec.executionCount;
    cell.metadata.execution = exec.timing;
    if (exec.idleMissing) {
      this.emit({ type: "warning", message: `Cell ${index}: the kernel replied but never reported idle on IOPub; outputs it sent later are not recorded.` });
    }
    if (exec.status === "ok") return { failed: false, expectedError: false, kernelGone: null };
    this.lastErrorAt = Date.now();

    const seconds = this.opts.executionTimeoutSec;
    switch (exec.status) {
      case "error": {
        if (!exec.kernelSentError) addRecoveredError(collector, cell.outputs);
        const expected = hasTag(cell, RAISES_EXCEPTION_TAG);
        return { failed: !expected, expectedError: expected, kernelGone: null };
      }
      case "abort":
        collector.push(errorOutput("ExecutionAborted", "The kernel aborted the request repeatedly; the cell did not run."));
        return { failed: true, expectedError: false, kernelGone: null };
      case "timeout": {
        const note = exec.unresponsive ? " The kernel ignored the interrupt and was stopped." : "";
        const error = errorOutput("CellTimeoutError", `A cell timed out while it was being executed, after ${seconds} seconds.${note}`);
        // The interrupt's own error text (tslab prints it to stderr) belongs to this error, not to the cell's output.
        if (!exec.unresponsive && !exec.kernelSentError && collector.stderr.trim() !== "") {
          error.traceback.push("", ...takeRecoveredError(cell.outputs, collector.stderr).traceback);
        }
        collector.push(error);
        if (exec.unresponsive) await this.session.kernel.terminate(500);
        return { failed: true, expectedError: false, kernelGone: exec.unresponsive ? "stopped" : null };
      }
      case "dead": {
        const said = this.session.kernel.recentOutput().split("\n").slice(-20);
        const how = exec.exit ? describeExit(exec.exit) : "unknown cause";
        const error = errorOutput("DeadKernelError", `Kernel died while executing this cell (${how}).`);
        if (said.join("") !== "") error.traceback.push("Last lines the kernel process printed:", ...said);
        collector.push(error);
        return { failed: true, expectedError: false, kernelGone: "dead" };
      }
      case "interrupted":
        collector.push(errorOutput("KeyboardInterrupt", "The run was interrupted; the kernel was stopped."));
        return { failed: true, expectedError: false, kernelGone: "interrupted" };
    }
  }
}

function errorOutput(ename: string, evalue: string): ErrorOutput {
  return { output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

/** Builds the error output tslab never sends, moving the error text out of the stderr stream it came in. */
function addRecoveredError(collector: CellOutputCollector, outputs: Output[]): void {
  collector.push(takeRecoveredError(outputs, collector.stderr));
}

function takeRecoveredError(outputs: Output[], stderr: string): ErrorOutput {
  const { consumed, ...error } = errorFromKernelStderr(stderr);
  const last = outputs[outputs.length - 1];
  if (consumed && last?.output_type === "stream" && last.name === "stderr" && last.text.endsWith(consumed)) {
    last.text = last.text.slice(0, last.text.length - consumed.length);
    if (last.text === "") outputs.pop();
  }
  return error;
}

function failureOf(cellIndex: number, cell: CodeCell): CellFailure {
  const err = cell.outputs.find((o): o is ErrorOutput => o.output_type === "error");
  return {
    cellIndex,
    outputCellIndex: cellIndex,
    executionCount: cell.execution_count,
    source: cell.source,
    ename: err?.ename ?? "CellExecutionError",
    evalue: err?.evalue ?? "",
    traceback: err?.traceback ?? [],
  };
}
