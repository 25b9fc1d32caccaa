/**
 * The main job: run the tutorial notebook end to end, write the executed
 * notebook, its HTML page and a JSON summary to the output folder, and hold
 * the results to the bar. On the local backend the local SageMaker
 * is started first when none runs, and stopped at the end unless asked to
 * keep it: the job leaves the machine as it found it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderNotebookHtml } from "../render/html";
import { executeNotebook, type ExecuteNotebookResult, type RunStatus, type RunnerEvent } from "../runner/engine";
import { EXIT, RunnerError } from "../runner/errors";
import { hasTag, readNotebook, type Notebook } from "../runner/notebook";
import { PARAMETERS_TAG } from "../runner/parameterize";
import { parseParametersCell } from "../runner/parameters-cell";
import type { Parameters } from "../runner/parameters";
import { leaseLocalServer, type LocalServerLease } from "./local-server";
import { createJobProgress } from "./progress";
import { checkResults, readResults, type Bar, type NotebookResults, type ResultCheck } from "./results";
import { cellStages, stageTimes, type StageId, type StageTime } from "./stages";

export const SUMMARY_FILE = "main-job-summary.json";

export interface MainJobOptions {
  notebook: string;
  outDir: string;
  parameters: Parameters;
  keepServer: boolean;
  minAccuracy: number;
  executionTimeoutSec: number;
  signal?: AbortSignal;
  /** Progress text (the terminal). */
  write: (text: string) => void;
}

export interface CellFailureSummary {
  /** `In [n]` of the failing cell. */
  executionCount: number | null;
  /** Index in the executed notebook before the error marks went in. */
  cellIndex: number;
  stage: StageId;
  /** The cell's first line of code. */
  firstLine: string;
  ename: string;
  evalue: string;
}

export interface ServerSummary {
  endpoint: string;
  dataDir: string;
  startedByJob: boolean;
  stoppedByJob: boolean;
  startSeconds: number;
}

export interface MainJobReport {
  status: RunStatus | "kernel-start-failed";
  /** Why the notebook did not complete, when it did not. */
  error: string | null;
  failure: CellFailureSummary | null;
  results: NotebookResults;
  bar: Bar;
  checks: ResultCheck[];
  passed: boolean;
  exitCode: number;
  stages: StageTime[];
  kernelStartSeconds: number;
  wallSeconds: number;
  server: ServerSummary | null;
  parameters: Parameters;
  /** The HTML page is null when no notebook ran. */
  outputs: { notebook: string; html: string | null; summary: string };
}

function declaredBackend(nb: Notebook, parameters: Parameters): string {
  if (typeof parameters.backend === "string") return parameters.backend;
  const cell = nb.cells.find((c) => c.cell_type === "code" && hasTag(c, PARAMETERS_TAG));
  const declared = cell ? parseParametersCell(cell.source).find((d) => d.name === "backend") : undefined;
  return declared ? declared.default.replace(/^["'`]|["'`]$/g, "") : "local";
}

function failureSummary(run: ExecuteNotebookResult, stages: readonly StageId[]): CellFailureSummary | null {
  const f = run.failure;
  if (!f) return null;
  const firstLine = f.source.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
  return { executionCount: f.executionCount, cellIndex: f.cellIndex, stage: stages[f.cellIndex] ?? "set-up", firstLine: firstLine.trim(), ename: f.ename, evalue: f.evalue };
}

export async function runMainJob(opts: MainJobOptions): Promise<MainJobReport> {
  const started = Date.now();
  const source = readNotebook(opts.notebook);
  const { parameters } = opts;
  // The runner's own preparation (injected parameters included) gives the cell indices its events use.
  const prepared = await executeNotebook({ inputPath: opts.notebook, outputPath: null, parameters, prepareOnly: true });
  const stages = cellStages(prepared.notebook);

  fs.mkdirSync(opts.outDir, { recursive: true });
  const base = path.basename(opts.notebook, ".ipynb");
  const htmlPath = path.join(opts.outDir, `${base}.html`);
  const outputs: MainJobReport["outputs"] = { notebook: path.join(opts.outDir, `${base}.ipynb`), html: null, summary: path.join(opts.outDir, SUMMARY_FILE) };
  // A previous run's files must not pass for this run's.
  for (const file of [outputs.notebook, htmlPath, outputs.summary]) fs.rmSync(file, { force: true });

  let server: ServerSummary | null = null;
  let lease: LocalServerLease | null = null;
  let run: ExecuteNotebookResult | null = null;
  let error: string | null = null;
  let kernelStartSeconds = 0;
  try {
    if (declaredBackend(source, parameters) === "local") {
      try {
        lease = await leaseLocalServer();
      } catch (e) {
        throw new RunnerError(`the local SageMaker is needed (backend "local") but did not start: ${(e as Error).message}`);
      }
      server = { endpoint: lease.endpoint, dataDir: lease.dataDir, startedByJob: lease.startedByJob, stoppedByJob: false, startSeconds: lease.startSeconds };
      opts.write(`Local SageMaker: ${lease.startedByJob ? "started" : "already running"} at ${lease.endpoint} (data in ${lease.dataDir})\n`);
    }
    const progress = createJobProgress(stages, opts.write);
    const onEvent = (e: RunnerEvent) => {
      if (e.type === "kernel-ready") kernelStartSeconds = e.seconds;
      progress(e);
    };
    try {
      run = await executeNotebook({
        inputPath: opts.notebook,
        outputPath: outputs.notebook,
        parameters,
        executionTimeoutSec: opts.executionTimeoutSec,
        signal: opts.signal,
        env: { AWS_EC2_METADATA_DISABLED: "true" },
        onEvent,
      });
    } catch (e) {
      if (!(e instanceof RunnerError)) throw e;
      error = e.message;
    }
  } finally {
    if (lease && server) server.stoppedByJob = await lease.release(opts.keepServer, (m) => opts.write(`Warning: ${m}\n`));
  }

  if (run) {
    fs.writeFileSync(htmlPath, renderNotebookHtml(run.notebook, { title: base }));
    outputs.html = htmlPath;
  }
  const results = run ? readResults(run.notebook) : { training: null, batchTransform: null, endpoint: null };
  const bar: Bar = { minValidationAccuracy: opts.minAccuracy };
  const checks = checkResults(results, bar);
  const failure = run ? failureSummary(run, stages) : null;
  if (run && run.status !== "completed" && !failure) error = `the run ended with status '${run.status}'`;
  const notebookOk = run !== null && run.exitCode === EXIT.ok;
  const passed = notebookOk && checks.every((c) => c.ok);
  const report: MainJobReport = {
    status: run ? run.status : "kernel-start-failed",
    error,
    failure,
    results,
    bar,
    checks,
    passed,
    exitCode: passed ? EXIT.ok : run && run.exitCode !== EXIT.ok ? run.exitCode : EXIT.failure,
    stages: run ? stageTimes(run.notebook, (server?.startSeconds ?? 0) + kernelStartSeconds) : [],
    kernelStartSeconds,
    wallSeconds: (Date.now() - started) / 1000,
    server,
    parameters,
    outputs,
  };
  fs.writeFileSync(outputs.summary, JSON.stringify(report, null, 1) + "\n");
  return report;
}
