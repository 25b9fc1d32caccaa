/**
 * nbformat 4 notebooks: reading with validation (errors name the field),
 * an in-memory form where multi-line strings are plain strings, and writing
 * the way nbformat does (sorted keys, one-space indent, lines split) through
 * a temporary file and a rename, so a reader never sees half a notebook.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunnerError } from "./errors";

export type JsonObject = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: Record<string, unknown>;
  metadata: JsonObject;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: Record<string, unknown>;
  metadata: JsonObject;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CellMetadata extends JsonObject {
  tags?: string[];
}

interface CellBase {
  id?: string;
  source: string;
  metadata: CellMetadata;
  [extra: string]: unknown;
}
export interface CodeCell extends CellBase {
  cell_type: "code";
  execution_count: number | null;
  outputs: Output[];
}
export interface MarkdownCell extends CellBase {
  cell_type: "markdown";
}
export interface RawCell extends CellBase {
  cell_type: "raw";
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: Cell[];
  [extra: string]: unknown;
}

export function tagsOf(cell: Cell): string[] {
  return Array.isArray(cell.metadata.tags) ? cell.metadata.tags.filter((t): t is string => typeof t === "string") : [];
}

export function hasTag(cell: Cell, tag: string): boolean {
  return tagsOf(cell).includes(tag);
}

/** A new cell id when the notebook format has ids (4.5+), like nbformat's `uuid4().hex[:8]`. */
export function newCellId(nb: Notebook): string | undefined {
  return nb.nbformat_minor >= 5 ? randomBytes(4).toString("hex") : undefined;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new RunnerError(`Cannot read notebook ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunnerError(`${file} is not a notebook: invalid JSON (${(err as Error).message}).`);
  }
  return parseNotebook(json, file);
}

/** Validates the parts of nbformat 4 that the runner relies on; `where` names the source in errors. */
export function parseNotebook(json: unknown, where: string): Notebook {
  const fail = (field: string, problem: string) => new RunnerError(`${where}: ${field} ${problem}.`);
  if (!isObject(json)) throw fail("(top level)", "must be a JSON object (an .ipynb notebook)");
  if (json.nbformat !== 4) {
    throw fail("nbformat", `is ${JSON.stringify(json.nbformat)}; only nbformat 4 is supported (convert with: jupyter nbconvert --to notebook --nbformat 4)`);
  }
  const minor = json.nbformat_minor;
  if (typeof minor !== "number" || !Number.isInteger(minor) || minor < 0) throw fail("nbformat_minor", "must be a non-negative integer");
  const metadata = json.metadata ?? {};
  if (!isObject(metadata)) throw fail("metadata", "must be an object");
  if (!Array.isArray(json.cells)) throw fail("cells", "must be an array");
  const cells = json.cells.map((raw, i) => parseCell(raw, `cells[${i}]`, fail));
  return { ...json, nbformat: 4, nbformat_minor: minor, metadata: structuredClone(metadata), cells };
}

function parseCell(raw: unknown, at: string, fail: (field: string, problem: string) => RunnerError): Cell {
  if (!isObject(raw)) throw fail(at, "must be an object");
  const type = raw.cell_type;
  if (type !== "code" && type !== "markdown" && type !== "raw") {
    throw fail(`${at}.cell_type`, `is ${JSON.stringify(type)}; expected "code", "markdown" or "raw"`);
  }
  const source = joinMultiline(raw.source, `${at}.source`, fail);
  const metadata = raw.metadata ?? {};
  if (!isObject(metadata)) throw fail(`${at}.metadata`, "must be an object");
  if (metadata.tags !== undefined && !(Array.isArray(metadata.tags) && metadata.tags.every((t) => typeof t === "string"))) {
    throw fail(`${at}.metadata.tags`, "must be an array of strings");
  }
  const base = { ...structuredClone(raw), source, metadata: structuredClone(metadata) as CellMetadata };
  if (type !== "code") return { ...base, cell_type: type } as Cell;
  const outputs = raw.outputs ?? [];
  if (!Array.isArray(outputs)) throw fail(`${at}.outputs`, "must be an array");
  const count = raw.execution_count ?? null;
  if (count !== null && typeof count !== "number") throw fail(`${at}.execution_count`, "must be a number or null");
  return {
    ...base,
    cell_type: "code",
    execution_count: count,
    outputs: outputs.map((o, j) => parseOutput(o, `${at}.outputs[${j}]`, fail)),
  };
}

function parseOutput(raw: unknown, at: string, fail: (field: string, problem: string) => RunnerError): Output {
  if (!isObject(raw)) throw fail(at, "must be an object");
  switch (raw.output_type) {
    case "stream":
      if (raw.name !== "stdout" && raw.name !== "stderr") throw fail(`${at}.name`, 'must be "stdout" or "stderr"');
      return { ...raw, output_type: "stream", name: raw.name, text: joinMultiline(raw.text, `${at}.text`, fail) };
    case "display_data":
    case "execute_result": {
      const data = raw.data ?? {};
      if (!isObject(data)) throw fail(`${at}.data`, "must be an object");
      const joined: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries(data)) {
        joined[mime] = typeof value === "string" || Array.isArray(value) ? joinMultiline(value, `${at}.data["${mime}"]`, fail) : value;
      }
      const metadata = isObject(raw.metadata) ? raw.metadata : {};
      if (raw.output_type === "display_data") return { ...raw, output_type: "display_data", data: joined, metadata };
      const count = typeof raw.execution_count === "number" ? raw.execution_count : null;
      return { ...raw, output_type: "execute_result", execution_count: count, data: joined, metadata };
    }
    case "error": {
      const tb = raw.traceback ?? [];
      if (!Array.isArray(tb)) throw fail(`${at}.traceback`, "must be an array of strings");
      return { ...raw, output_type: "error", ename: String(raw.ename ?? ""), evalue: String(raw.evalue ?? ""), traceback: tb.map(String) };
    }
    default:
      throw fail(`${at}.output_type`, `is ${JSON.stringify(raw.output_type)}; expected stream, display_data, execute_result or error`);
  }
}

function joinMultiline(value: unknown, at: string, fail: (field: string, problem: string) => RunnerError): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  throw fail(at, "must be a string or an array of strings");
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** nbformat splits text into lines on disk: sources, stream text and text-like MIME data. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const SPLIT_NON_TEXT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

function toDisk(nb: Notebook): unknown {
  return {
    ...nb,
    cells: nb.cells.map((cell) => {
      const out: JsonObject = { ...cell, source: splitLines(cell.source) };
      if (cell.cell_type === "code") {
        out.outputs = cell.outputs.map((o) => {
          if (o.output_type === "stream") return { ...o, text: splitLines(o.text) };
          if (o.output_type === "display_data" || o.output_type === "execute_result") {
            const data: JsonObject = {};
            for (const [mime, v] of Object.entries(o.data)) {
              data[mime] = typeof v === "string" && (mime.startsWith("text/") || SPLIT_NON_TEXT_MIMES.has(mime)) ? splitLines(v) : v;
            }
            return { ...o, data };
          }
          return o;
        });
      }
      return out;
    }),
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const sorted: JsonObject = {};
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined) sorted[key] = sortKeys(value[key]);
    return sorted;
  }
  return value;
}

export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(toDisk(nb)), null, 1) + "\n";
}

/** Writes next to the target and renames over it: readers see the old or the new notebook, never a mix. */
export function writeNotebook(file: string, nb: Notebook): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    fs.writeFileSync(tmp, serializeNotebook(nb));
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new RunnerError(`Cannot write notebook ${file}: ${(err as Error).message}`);
  }
}
