/**
 * `run-notebook`: parses the command line, runs (or checks) the notebook,
 * reports like papermill and returns the exit code. SIGINT/SIGTERM stop the
 * run cleanly (the notebook is written, the kernel's process group stopped);
 * a second signal exits at once (the exit hook still kills the kernel group).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderNotebookHtml } from "../render/html";
import { checkNotebook, formatCheckReport } from "./check/check";
import { sanitizerSet } from "./check/sanitize";
import { USAGE, parseArgs, type RunArgs } from "./cli-args";
import { executeNotebook, type ExecuteNotebookResult } from "./engine";
import { EXIT, RunnerError, UsageError } from "./errors";
import { RUNNER_VERSION } from "./papermill-metadata";
import { mergeParameters } from "./parameters";
import { createReporter } from "./progress";

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${USAGE}\n\nError: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args.kind === "help") {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  if (args.kind === "version") {
    process.stdout.write(RUNNER_VERSION + "\n");
    return EXIT.ok;
  }

  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(signal === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);
    signalled = signal;
    process.stderr.write(`\nReceived ${signal}: stopping the kernel and writing the notebook (again to quit at once).\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const code = await run(args, controller.signal);
    if (signalled) return signalled === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof RunnerError) {
      process.stderr.write(`Error: ${err.message}\n`);
      if (signalled) return signalled === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
      return err.exitCode;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function run(args: RunArgs, signal: AbortSignal): Promise<number> {
  const parameters = mergeParameters(args.parameterSources);
  const reporter = createReporter({ progressBar: args.progressBar, logOutput: args.logOutput, stdout: process.stdout, stderr: process.stderr });
  process.stderr.write(`Input Notebook:  ${args.input}\n`);
  if (args.output) process.stderr.write(`Output Notebook: ${args.output}\n`);
  const common = {
    inputPath: args.input,
    outputPath: args.output,
    parameters,
    kernelName: args.kernel,
    cwd: args.cwd,
    startTimeoutSec: args.startTimeoutSec,
    executionTimeoutSec: args.executionTimeoutSec,
    autosaveCellEverySec: args.autosaveCellEverySec,
    reportMode: args.reportMode,
    signal,
    onEvent: reporter.onEvent,
  };

  if (args.check) {
    const sanitizers = sanitizerSet({ files: args.sanitizerFiles, defaults: args.defaultSanitizers });
    const result = await checkNotebook({ ...common, lax: args.lax, sanitizers });
    reporter.finish();
    reportRun(result.run, args);
    process.stdout.write(formatCheckReport(result, args.input) + "\n");
    writeHtml(args, result.run);
    return result.exitCode;
  }

  const result = await executeNotebook({ ...common, prepareOnly: args.prepareOnly });
  reporter.finish();
  reportRun(result, args);
  writeHtml(args, result);
  return result.exitCode;
}

function reportRun(result: ExecuteNotebookResult, args: RunArgs): void {
  if (result.status === "prepared") {
    process.stderr.write(`Prepared ${args.output} without executing it (--prepare-only).\n`);
    return;
  }
  const failure = result.failure;
  if (!failure) return;
  const where = `"In [${failure.executionCount ?? " "}]" (notebook cell ${failure.cellIndex})`;
  const traceback = failure.traceback.map((l) => l.replace(ANSI, "")).join("\n");
  process.stderr.write(
    [
      "",
      "-".repeat(75),
      `Exception encountered at ${where}${args.output ? ` of ${args.output}` : ""}:`,
      traceback || `${failure.ename}: ${failure.evalue}`,
      "-".repeat(75),
      result.status === "dead-kernel"
        ? "The kernel died; the run stopped."
        : `Stopped at the first failing cell${args.output ? `; ${args.output} shows it marked (tag papermill-error-cell-tag)` : ""}.`,
      "",
    ].join("\n"),
  );
}

function writeHtml(args: RunArgs, result: ExecuteNotebookResult): void {
  if (!args.html) return;
  const title = path.basename(args.input, ".ipynb");
  fs.mkdirSync(path.dirname(path.resolve(args.html)), { recursive: true });
  fs.writeFileSync(args.html, renderNotebookHtml(result.notebook, { title }));
  process.stderr.write(`HTML: ${args.html}\n`);
}
