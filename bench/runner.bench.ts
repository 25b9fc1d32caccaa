/**
 * Runner overhead against Jupyter's own `jupyter execute` (nbclient 0.7.2),
 * same tslab kernel (this repo's kernelspec, installed into a temporary
 * Jupyter data dir), same notebooks, both as command-line processes:
 * - a one-cell notebook: process start + kernel start + first result + shutdown;
 * - the extra cost of each further trivial cell (N-cell run minus one-cell run, / (N-1));
 * - the client's own gap between cells (kernel idle -> next busy, from the
 *   timing metadata both write; the reference through nbclient's Python API,
 *   the engine of jupyter execute, which does not save its output): this one
 *   leaves out the kernel's type-checking time, which dominates and is noisy.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installKernel } from "../src/runner/kernel-install";
import { serializeNotebook, type Notebook } from "../src/runner/notebook";
import { ratio, type BenchResult } from "./types";

export const title = "Notebook runner vs jupyter execute (tslab kernel)";

const ROOT = path.resolve(__dirname, "..");

function notebook(cells: number): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } },
    cells: Array.from({ length: cells }, (_, i) => ({ cell_type: "code" as const, source: `const v${i} = ${i} + 1;`, metadata: {}, execution_count: null, outputs: [] })),
  };
}

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return ms;
}

const NBCLIENT_SAVE = [
  "import sys, nbformat",
  "from nbclient import NotebookClient",
  "nb = nbformat.read(sys.argv[1], as_version=4)",
  "NotebookClient(nb, kernel_name='tslab').execute()",
  "nbformat.write(nb, sys.argv[2])",
].join("\n");

/** Mean milliseconds between a cell's IOPub idle and the next cell's busy, from `metadata.execution`. */
function meanGapMs(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { metadata: { execution?: Record<string, string> } }[] };
  const times = nb.cells.map((c) => c.metadata.execution ?? {});
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const idle = Date.parse(times[i - 1]["iopub.status.idle"]);
    const busy = Date.parse(times[i]["iopub.status.busy"]);
    if (Number.isFinite(idle) && Number.isFinite(busy)) gaps.push(busy - idle);
  }
  if (gaps.length === 0) throw new Error(`${file}: no cell timing metadata`);
  return gaps.reduce((a, b) => a + b, 0) / gaps.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-bench-"));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_DATA_DIR: path.join(dir, "data"),
      JUPYTER_PATH: path.join(dir, "path"),
      JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
      PYDEVD_DISABLE_FILE_VALIDATION: "1",
    };
    installKernel({ env });
    const many = opts.quick ? 21 : 51;
    const repeats = opts.quick ? 1 : 3;
    const files = { one: path.join(dir, "one.ipynb"), many: path.join(dir, "many.ipynb") };
    fs.writeFileSync(files.one, serializeNotebook(notebook(1)));
    fs.writeFileSync(files.many, serializeNotebook(notebook(many)));

    const ours = (file: string) => timeCommand(process.execPath, [path.join(ROOT, "scripts", "run-notebook.js"), file, path.join(dir, "out.ipynb"), "--no-progress-bar"], env);
    const theirs = (file: string) => timeCommand("/usr/bin/jupyter-execute", ["--kernel_name=tslab", file], env);

    const samples = { oursOne: [] as number[], theirsOne: [] as number[], oursMany: [] as number[], theirsMany: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      // Interleaved so that load from other work on the machine hits both alike.
      samples.oursOne.push(ours(files.one));
      samples.theirsOne.push(theirs(files.one));
      samples.oursMany.push(ours(files.many));
      samples.theirsMany.push(theirs(files.many));
      opts.log(`round ${i + 1}/${repeats}: one cell ${samples.oursOne[i].toFixed(0)} vs ${samples.theirsOne[i].toFixed(0)} ms, ${many} cells ${samples.oursMany[i].toFixed(0)} vs ${samples.theirsMany[i].toFixed(0)} ms`);
    }
    const ourOut = path.join(dir, "ours-many.ipynb");
    const theirOut = path.join(dir, "nbclient-many.ipynb");
    const gaps = { ours: [] as number[], theirs: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      timeCommand(process.execPath, [path.join(ROOT, "scripts", "run-notebook.js"), files.many, ourOut, "--no-progress-bar"], env);
      timeCommand("/usr/bin/python3", ["-c", NBCLIENT_SAVE, files.many, theirOut], env);
      gaps.ours.push(meanGapMs(ourOut));
      gaps.theirs.push(meanGapMs(theirOut));
    }
    const oursGap = median(gaps.ours);
    const theirsGap = median(gaps.theirs);
    opts.log(`client gap between cells: ${gaps.ours.map((g) => g.toFixed(1)).join(", ")} vs ${gaps.theirs.map((g) => g.toFixed(1)).join(", ")} ms`);
    const oursOne = median(samples.oursOne);
    const theirsOne = median(samples.theirsOne);
    const oursPerCell = (median(samples.oursMany) - oursOne) / (many - 1);
    const theirsPerCell = (median(samples.theirsMany) - theirsOne) / (many - 1);
    const note = `median of ${repeats}, CLI processes, jupyter-execute = nbclient 0.7.2`;
    return [
      { name: "runner: one-cell notebook, start to exit", unit: "ms", project: round(oursOne), reference: round(theirsOne), ratio: ratio(oursOne, theirsOne, true), note },
      { name: "runner: per trivial cell round trip", unit: "ms", project: round(oursPerCell), reference: round(theirsPerCell), ratio: ratio(oursPerCell, theirsPerCell, true), note: `${many}-cell minus one-cell run; ${note}` },
      {
        name: "runner: client gap between cells",
        unit: "ms",
        project: round(oursGap),
        reference: round(theirsGap),
        ratio: ratio(oursGap, theirsGap, true),
        note: `kernel idle -> next busy, mean over ${many} cells, median of ${repeats}; reference: nbclient 0.7.2 Python API`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
