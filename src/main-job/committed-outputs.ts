/**
 * Saves a run's outputs into the source notebook: the committed outputs that
 * check mode compares later runs against. Only outputs, execution counts and
 * the kernel's language_info are taken; the run's bookkeeping (papermill
 * times, parameters, error marks) stays out of the committed file.
 */
import { readNotebook, writeNotebook, type Notebook } from "../runner/notebook";

export function saveOutputsInto(sourcePath: string, executed: Notebook): void {
  const source = readNotebook(sourcePath);
  if (source.cells.length !== executed.cells.length) {
    throw new Error(
      `${sourcePath} has ${source.cells.length} cells, the executed notebook ${executed.cells.length} ` +
        `(injected parameters or error marks?); outputs are saved only from a complete run with the notebook's defaults.`,
    );
  }
  source.cells.forEach((cell, i) => {
    const ran = executed.cells[i];
    if (ran.cell_type !== cell.cell_type || ran.source !== cell.source) {
      throw new Error(`cell ${i} of ${sourcePath} changed since the run started; run again before saving outputs.`);
    }
    if (cell.cell_type === "code" && ran.cell_type === "code") {
      cell.outputs = ran.outputs;
      cell.execution_count = ran.execution_count;
    }
  });
  if (executed.metadata.language_info) source.metadata.language_info = executed.metadata.language_info;
  writeNotebook(sourcePath, source);
}
