/**
 * Where a run of the tutorial notebook is broken: a `throw` appended to one
 * code cell (a copy of the notebook is run, the original is never changed),
 * or a signal to the runner or to the kernel at a given moment.
 */
import * as fs from "node:fs";

export type Injection =
  | { kind: "throw"; /** Code cell, counted from 1 as in notebooks/README.md. */ cell: number }
  | { kind: "signal"; signal: "SIGINT" | "SIGKILL"; to: "runner" | "kernel"; /** The moment: once the run's endpoint exists, or while its training job runs. */ once: "endpoint" | "training" };

export function describeInjection(i: Injection): string {
  if (i.kind === "throw") return `throw at the end of code cell ${i.cell}`;
  return `${i.signal} to the ${i.to} ${i.once === "endpoint" ? "once the endpoint exists" : "while the training job runs"}`;
}

export function injectionName(i: Injection): string {
  return i.kind === "throw" ? `throw-cell-${i.cell}` : `${i.signal.toLowerCase()}-${i.to}-${i.once}`;
}

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
}

export const INJECTED_MESSAGE = "reliability check: failure injected";

/** The code cells of a notebook: [cell index in `cells`, tags]. */
export function codeCells(notebook: { cells: NotebookCell[] }): Array<{ index: number; tags: string[] }> {
  return notebook.cells.flatMap((c, index) => (c.cell_type === "code" ? [{ index, tags: c.metadata.tags ?? [] }] : []));
}

/** Writes a copy of `source` whose code cell `cell` (from 1) ends by throwing. */
export function writeInjectedCopy(source: string, cell: number, target: string): void {
  const notebook = JSON.parse(fs.readFileSync(source, "utf8")) as { cells: NotebookCell[] };
  const code = codeCells(notebook);
  if (cell < 1 || cell > code.length) throw new Error(`${source} has ${code.length} code cells; there is no code cell ${cell}`);
  const c = notebook.cells[code[cell - 1].index];
  const text = Array.isArray(c.source) ? c.source.join("") : c.source;
  c.source = `${text}\nthrow new Error("${INJECTED_MESSAGE} at the end of code cell ${cell}");\n`;
  fs.writeFileSync(target, JSON.stringify(notebook, null, 1));
}
