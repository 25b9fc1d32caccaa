/**
 * papermill's bookkeeping in the output notebook: `metadata.papermill` at the
 * notebook and cell level (times in ISO UTC, durations in seconds), kept
 * field-compatible with papermill 2.x so tools that read it keep working.
 */
import type { Cell, Notebook } from "./notebook";
import type { Parameters } from "./parameters";

export const RUNNER_VERSION = `run-notebook ${(require("../../package.json") as { version: string }).version}`;

export type CellStatus = "pending" | "running" | "completed" | "failed";

export interface CellPapermill {
  exception: boolean | null;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  status: CellStatus;
}

export interface NotebookPapermill {
  default_parameters: Record<string, unknown>;
  parameters: Parameters;
  environment_variables: Record<string, string>;
  version: string;
  input_path: string | null;
  output_path: string | null;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  exception: boolean | null;
}

export function notebookPapermill(nb: Notebook): NotebookPapermill {
  const current = (nb.metadata.papermill ?? {}) as Partial<NotebookPapermill>;
  const pm: NotebookPapermill = {
    default_parameters: current.default_parameters ?? {},
    parameters: current.parameters ?? {},
    environment_variables: current.environment_variables ?? {},
    version: RUNNER_VERSION,
    input_path: current.input_path ?? null,
    output_path: current.output_path ?? null,
    start_time: current.start_time ?? null,
    end_time: current.end_time ?? null,
    duration: current.duration ?? null,
    exception: current.exception ?? null,
  };
  nb.metadata.papermill = pm;
  return pm;
}

export function cellPapermill(cell: Cell): CellPapermill {
  return cell.metadata.papermill as CellPapermill;
}

/** papermill's notebook_start: every cell pending, code outputs and counts cleared. */
export function startNotebook(nb: Notebook, now: Date): void {
  const pm = notebookPapermill(nb);
  Object.assign(pm, { start_time: now.toISOString(), end_time: null, duration: null, exception: null });
  for (const cell of nb.cells) {
    cell.metadata.tags ??= [];
    cell.metadata.papermill = { exception: null, start_time: null, end_time: null, duration: null, status: "pending" } satisfies CellPapermill;
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }
}

export function startCell(cell: Cell, now: Date): void {
  Object.assign(cellPapermill(cell), { start_time: now.toISOString(), status: "running", exception: false });
}

export function endCell(cell: Cell, now: Date, failed: boolean): void {
  const pm = cellPapermill(cell);
  pm.end_time = now.toISOString();
  pm.duration = pm.start_time ? (now.getTime() - Date.parse(pm.start_time)) / 1000 : null;
  if (failed) {
    pm.exception = true;
    pm.status = "failed";
  } else {
    pm.status = "completed";
  }
}

/**
 * papermill's notebook_complete: cells before the first failure that were
 * never run (markdown, skipped) count as completed; cells after it stay pending.
 */
export function completeNotebook(nb: Notebook, now: Date, failedIndex: number | null): void {
  const pm = notebookPapermill(nb);
  pm.end_time = now.toISOString();
  pm.duration = pm.start_time ? (now.getTime() - Date.parse(pm.start_time)) / 1000 : null;
  pm.exception = failedIndex !== null;
  nb.cells.forEach((cell, i) => {
    const cpm = cellPapermill(cell);
    if (cpm.status === "pending" && (failedIndex === null || i < failedIndex)) cpm.status = "completed";
  });
}
