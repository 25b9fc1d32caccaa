/**
 * `npm start`: the project's main job. Runs the tutorial notebook end to end
 * (local SageMaker by default, started if needed), streams its progress,
 * writes the executed notebook, its HTML page and a JSON summary to out/,
 * prints the summary and exits non-zero when a cell failed or the results
 * miss the bar. See src/main-job/ and `npm start -- --help`.
 */
import { parseMainArgs, MAIN_USAGE, type MainArgs } from "../src/main-job/args";
import { saveOutputsInto } from "../src/main-job/committed-outputs";
import { formatSummary } from "../src/main-job/format";
import { runMainJob } from "../src/main-job/job";
import { EXIT, RunnerError, UsageError } from "../src/runner/errors";
import { mergeParameters, type Parameters } from "../src/runner/parameters";
import { readNotebook } from "../src/runner/notebook";

function parseCommandLine(argv: string[]): { args: MainArgs; parameters: Parameters } | number {
  try {
    const args = parseMainArgs(argv);
    if (args.kind === "help") {
      process.stdout.write(MAIN_USAGE + "\n");
      return EXIT.ok;
    }
    return { args, parameters: mergeParameters(args.parameterSources) };
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${MAIN_USAGE}\n\nError: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (typeof parsed === "number") return parsed;
  const { args, parameters } = parsed;

  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) process.exit(sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);
    signalled = sig;
    process.stderr.write(`\nReceived ${sig}: stopping the notebook and the local server this job started (again to quit at once).\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    process.stdout.write(`Main job: ${args.notebook} -> ${args.outDir}/\n`);
    const report = await runMainJob({
      notebook: args.notebook,
      outDir: args.outDir,
      parameters,
      keepServer: args.keepServer,
      minAccuracy: args.minAccuracy,
      executionTimeoutSec: args.executionTimeoutSec,
      signal: controller.signal,
      write: (text) => process.stdout.write(text),
    });
    process.stdout.write(formatSummary(report));
    if (report.failure) {
      process.stderr.write(`\nThe notebook failed at In [${report.failure.executionCount ?? " "}] (notebook cell ${report.failure.cellIndex}, stage ${report.failure.stage}):\n  ${report.failure.firstLine}\n  ${report.failure.ename}: ${report.failure.evalue}\n`);
    }
    if (args.updateNotebook && report.passed) {
      saveOutputsInto(args.notebook, readNotebook(report.outputs.notebook));
      process.stdout.write(`Saved this run's outputs into ${args.notebook}.\n`);
    } else if (args.updateNotebook) {
      process.stderr.write(`Not saving outputs into ${args.notebook}: the run did not pass.\n`);
    }
    if (signalled) return signalled === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    return report.exitCode;
  } catch (err) {
    if (err instanceof RunnerError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failure);
  },
);
