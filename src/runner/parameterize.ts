/**
 * papermill's notebook preparation: default parameters read from the cell
 * tagged `parameters`, the `injected-parameters` cell (replacing an earlier
 * one, else right after the parameters cell, else at the top), report mode,
 * input/output paths, and removal of a previous run's error marks.
 */
import { removeErrorMarkers } from "./error-markers";
import { UsageError } from "./errors";
import { hasTag, newCellId, type CodeCell, type Notebook } from "./notebook";
import { notebookPapermill } from "./papermill-metadata";
import type { Parameters } from "./parameters";
import { parseParametersCell, type DeclaredParameter } from "./parameters-cell";
import { translateParameters } from "./translator";

export const PARAMETERS_TAG = "parameters";
export const INJECTED_TAG = "injected-parameters";

export interface PrepareOptions {
  parameters: Parameters;
  inputPath: string | null;
  outputPath: string | null;
  reportMode?: boolean;
  /** The kernel's language: the translator writes TypeScript (valid JavaScript too); "" = unknown, assumed TypeScript. */
  language?: string;
}

const TRANSLATABLE = new Set(["", "typescript", "javascript"]);

/** Prepares `nb` in place; returns papermill's warnings. */
export function prepareNotebook(nb: Notebook, opts: PrepareOptions): string[] {
  const warnings: string[] = [];
  const pm = notebookPapermill(nb);
  for (const cell of nb.cells) cell.metadata.tags ??= [];

  const paramsAt = nb.cells.findIndex((c) => c.cell_type === "code" && hasTag(c, PARAMETERS_TAG));
  const declared = paramsAt >= 0 ? parseParametersCell(nb.cells[paramsAt].source) : null;
  pm.default_parameters = declared ? defaultParameters(declared) : {};

  if (Object.keys(opts.parameters).length > 0) {
    const language = (opts.language ?? "").toLowerCase();
    if (!TRANSLATABLE.has(language)) {
      throw new UsageError(`No parameter translator for language '${opts.language}': run-notebook writes parameters as TypeScript (tslab) or JavaScript; run without parameters.`);
    }
    if (paramsAt < 0) warnings.push("Input notebook does not contain a cell with tag 'parameters'");
    const injected = translateParameters(opts.parameters, declared);
    warnings.push(...injected.warnings);
    const cell: CodeCell = {
      cell_type: "code",
      source: injected.source,
      metadata: { tags: [INJECTED_TAG], ...(opts.reportMode ? { jupyter: { source_hidden: true } } : {}) },
      execution_count: null,
      outputs: [],
    };
    const id = newCellId(nb);
    if (id) cell.id = id;
    const injectedAt = nb.cells.findIndex((c) => hasTag(c, INJECTED_TAG));
    if (injectedAt >= 0) nb.cells.splice(injectedAt, 1, cell);
    else if (paramsAt >= 0) nb.cells.splice(paramsAt + 1, 0, cell);
    else nb.cells.unshift(cell);
    pm.parameters = opts.parameters;
  }

  if (opts.reportMode) {
    for (const cell of nb.cells) {
      if (cell.cell_type !== "code") continue;
      const jupyter = (cell.metadata.jupyter ?? {}) as Record<string, unknown>;
      cell.metadata.jupyter = { ...jupyter, source_hidden: true };
    }
  }
  pm.input_path = opts.inputPath;
  pm.output_path = opts.outputPath;
  removeErrorMarkers(nb);
  return warnings;
}

function defaultParameters(declared: DeclaredParameter[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of declared) {
    out[d.name] = { name: d.name, inferred_type_name: d.inferred_type_name, default: d.default, help: d.help };
  }
  return out;
}
