/**
 * `npm run check:notebooks`: every notebook under notebooks/ in check mode
 * (run-notebook --check semantics): run with its defaults, compare the fresh
 * outputs with the committed ones through notebooks/sanitize.cfg and the
 * built-in sanitizers, and exit 1 on a failing cell or any drift. The local
 * SageMaker is started when none runs, and stopped again afterwards.
 *
 * Options: --out DIR (executed copies, default out/check), --execution-timeout SECONDS (per cell, default 900).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { leaseLocalServer } from "../src/main-job/local-server";
import { checkNotebook, formatCheckReport } from "../src/runner/check/check";
import { sanitizerSet } from "../src/runner/check/sanitize";
import { EXIT, RunnerError } from "../src/runner/errors";
import { createReporter } from "../src/runner/progress";

const ROOT = path.join(__dirname, "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const SANITIZERS = path.join(NOTEBOOKS, "sanitize.cfg");
const USAGE = "Usage: npm run check:notebooks [-- --out DIR] [--execution-timeout SECONDS]";

function parse(argv: string[]): { outDir: string; timeoutSec: number } {
  let outDir = path.join(ROOT, "out", "check");
  let timeoutSec = 900;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === "--out" && value !== undefined) outDir = argv[++i];
    else if (argv[i] === "--execution-timeout" && Number(value) > 0) timeoutSec = Number(argv[++i]);
    else throw new RunnerError(`${USAGE}\nUnexpected argument '${argv[i]}'${value === undefined ? "" : ` '${value}'`}.`, EXIT.usage);
  }
  return { outDir, timeoutSec };
}

async function main(): Promise<number> {
  const { outDir, timeoutSec } = parse(process.argv.slice(2));
  const notebooks = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
  if (notebooks.length === 0) throw new RunnerError(`no notebooks in ${NOTEBOOKS}`);
  const sanitizers = sanitizerSet({ files: fs.existsSync(SANITIZERS) ? [SANITIZERS] : [], defaults: true });
  const server = await leaseLocalServer();
  process.stderr.write(`Local SageMaker ${server.startedByJob ? "started" : "already running"} at ${server.endpoint}\n`);
  const failed: string[] = [];
  try {
    for (const name of notebooks) {
      const input = path.relative(process.cwd(), path.join(NOTEBOOKS, name));
      const output = path.join(outDir, name);
      process.stderr.write(`\nChecking ${input} (executed copy: ${output})\n`);
      const reporter = createReporter({ progressBar: true, logOutput: false, stdout: process.stdout, stderr: process.stderr });
      const result = await checkNotebook({
        inputPath: input,
        outputPath: output,
        sanitizers,
        executionTimeoutSec: timeoutSec,
        env: { AWS_EC2_METADATA_DISABLED: "true" },
        onEvent: reporter.onEvent,
      });
      reporter.finish();
      const f = result.run.failure;
      if (f) process.stderr.write(`✗ ${input}: In [${f.executionCount ?? " "}] (notebook cell ${f.cellIndex}) failed: ${f.ename}: ${f.evalue}\n`);
      process.stdout.write(formatCheckReport(result, input) + "\n");
      if (result.exitCode !== EXIT.ok) failed.push(input);
    }
  } finally {
    await server.release(false, (m) => process.stderr.write(`Warning: ${m}\n`));
  }
  process.stdout.write(failed.length === 0 ? `\nAll ${notebooks.length} notebook(s) match their committed outputs.\n` : `\nFailed: ${failed.join(", ")}\n`);
  return failed.length === 0 ? EXIT.ok : EXIT.failure;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof RunnerError ? err.exitCode : EXIT.failure);
  },
);
