/**
 * papermill's failure marks (same tag, anchor id and style; the text names
 * run-notebook): a red banner at the top linking to an anchor
 * cell placed just before the failing cell, both tagged so the next run can
 * remove them.
 */
import { newCellId, type Cell, type Notebook } from "./notebook";

export const ERROR_MARKER_TAG = "papermill-error-cell-tag";
const ERROR_STYLE = 'style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"';

export function removeErrorMarkers(nb: Notebook): void {
  nb.cells = nb.cells.filter((cell) => !(cell.metadata.tags ?? []).includes(ERROR_MARKER_TAG));
}

export function insertErrorMarkers(nb: Notebook, failingIndex: number, executionCount: number | null): void {
  const banner = markerCell(
    nb,
    `<span ${ERROR_STYLE}>An Exception was encountered at '<a href="#papermill-error-cell">In [${executionCount ?? " "}]</a>'.</span>`,
  );
  const anchor = markerCell(
    nb,
    `<span id="papermill-error-cell" ${ERROR_STYLE}>Execution using run-notebook encountered an exception here and stopped:</span>`,
  );
  nb.cells.splice(failingIndex, 0, anchor);
  nb.cells.unshift(banner);
}

function markerCell(nb: Notebook, source: string): Cell {
  const cell: Cell = { cell_type: "markdown", source, metadata: { tags: [ERROR_MARKER_TAG] } };
  const id = newCellId(nb);
  if (id) cell.id = id;
  return cell;
}
