/**
 * Check mode (nbval's idea): run the notebook, then compare each code cell's
 * fresh outputs with the outputs saved in the input notebook.
 *
 * Tags: `nbval-skip` (not run, not compared), `nbval-ignore-output` (run,
 * not compared), `nbval-check-output` (compared in lax mode, where only
 * such cells are), `raises-exception` (an error is expected: the run goes on,
 * and a cell that does not raise is reported).
 */
import { ERROR_MARKER_TAG } from "../error-markers";
import { EXIT } from "../errors";
import { executeNotebook, RAISES_EXCEPTION_TAG, SKIP_EXECUTION_TAG, type ExecuteNotebookOptions, type ExecuteNotebookResult } from "../engine";
import { hasTag, readNotebook, type Cell, type CodeCell } from "../notebook";
import { INJECTED_TAG } from "../parameterize";
import { comparableItems, renderItems } from "./compare";
import { unifiedDiff } from "./diff";
import type { SanitizerSet } from "./sanitize";

export const SKIP_TAG = "nbval-skip";
export const IGNORE_OUTPUT_TAG = "nbval-ignore-output";
export const CHECK_OUTPUT_TAG = "nbval-check-output";

export interface CheckOptions extends Omit<ExecuteNotebookOptions, "skipTags" | "notebook" | "prepareOnly"> {
  /** Compare only cells tagged nbval-check-output (nbval's --nbval-lax). */
  lax?: boolean;
  sanitizers: SanitizerSet;
}

export interface CellDrift {
  /** Index of the cell in the input notebook. */
  cellIndex: number;
  executionCount: number | null;
  reason: string;
  diff: string;
}

export interface CheckResult {
  run: ExecuteNotebookResult;
  drifts: CellDrift[];
  compared: number;
  ignored: number;
  skipped: number;
  notRun: number;
  exitCode: number;
}

/** Marks and injected parameters are the runner's own cells, not the author's. */
function authored(cell: Cell): boolean {
  return !hasTag(cell, ERROR_MARKER_TAG) && !hasTag(cell, INJECTED_TAG);
}

export async function checkNotebook(opts: CheckOptions): Promise<CheckResult> {
  const committed = readNotebook(opts.inputPath);
  const run = await executeNotebook({ ...opts, notebook: committed, skipTags: [SKIP_EXECUTION_TAG, SKIP_TAG] });

  const before = committed.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => authored(cell));
  const after = run.notebook.cells.filter(authored);
  if (before.length !== after.length) {
    throw new Error(`internal: ${before.length} authored cells before the run, ${after.length} after`);
  }

  const drifts: CellDrift[] = [];
  let compared = 0;
  let ignored = 0;
  let skipped = 0;
  let notRun = 0;
  before.forEach(({ cell: old, index }, i) => {
    const fresh = after[i];
    if (old.cell_type !== "code" || fresh.cell_type !== "code" || old.source.trim() === "") return;
    if (hasTag(old, SKIP_TAG) || hasTag(old, SKIP_EXECUTION_TAG)) return void skipped++;
    if ((fresh.metadata.papermill as { status?: string } | undefined)?.status === "pending") return void notRun++;
    const expectsError = hasTag(old, RAISES_EXCEPTION_TAG);
    if (expectsError && !fresh.outputs.some((o) => o.output_type === "error")) {
      drifts.push({ cellIndex: index, executionCount: fresh.execution_count, reason: `tagged '${RAISES_EXCEPTION_TAG}' but raised no error`, diff: "" });
    }
    const wanted = opts.lax ? hasTag(old, CHECK_OUTPUT_TAG) : !hasTag(old, IGNORE_OUTPUT_TAG);
    if (!wanted) return void ignored++;
    compared++;
    const drift = compareCell(old, fresh, index, opts.sanitizers);
    if (drift) drifts.push(drift);
  });

  const exitCode = run.exitCode !== EXIT.ok ? run.exitCode : drifts.length > 0 ? EXIT.failure : EXIT.ok;
  return { run, drifts, compared, ignored, skipped, notRun, exitCode };
}

function compareCell(old: CodeCell, fresh: CodeCell, index: number, set: SanitizerSet): CellDrift | null {
  const expected = renderItems(comparableItems(old.outputs, set));
  const actual = renderItems(comparableItems(fresh.outputs, set));
  if (expected === actual) return null;
  return {
    cellIndex: index,
    executionCount: fresh.execution_count,
    reason: "outputs differ",
    diff: unifiedDiff(expected, actual, { from: `saved outputs (cell ${index})`, to: `fresh outputs (cell ${index})` }),
  };
}

export function formatCheckReport(result: CheckResult, input: string): string {
  const lines: string[] = [];
  for (const d of result.drifts) {
    lines.push(`✗ ${input} cell ${d.cellIndex} (In [${d.executionCount ?? " "}]): ${d.reason}`);
    if (d.diff) lines.push(d.diff, "");
  }
  const drifted = new Set(result.drifts.map((d) => d.cellIndex)).size;
  const summary =
    `${result.compared} cell(s) compared, ${drifted} with drift, ${result.ignored} ignored, ` +
    `${result.skipped} skipped` +
    (result.notRun ? `, ${result.notRun} not run` : "");
  lines.push(result.drifts.length === 0 && result.run.exitCode === EXIT.ok ? `✓ ${input}: outputs match (${summary}).` : `${input}: ${summary}.`);
  return lines.join("\n");
}
