/**
 * Parameter values from the command line, merged in papermill's order:
 * base64 YAML < YAML files < YAML strings < `-p` (type-coerced) < `-r` (raw).
 */
import * as fs from "node:fs";
import * as YAML from "yaml";
import { UsageError } from "./errors";

export type ParameterValue = null | boolean | number | string | ParameterValue[] | { [key: string]: ParameterValue };
export type Parameters = Record<string, ParameterValue>;

export interface ParameterSources {
  base64: string[];
  files: string[];
  yaml: string[];
  /** `-p NAME VALUE` pairs, coerced. */
  typed: [string, string][];
  /** `-r NAME VALUE` pairs, kept as strings. */
  raw: [string, string][];
}

const INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const FLOAT = /^\s*[+-]?(?:(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*|\d+(?:_\d+)*\.?)(?:[eE][+-]?\d+)?\s*$/;
const SPECIAL_FLOAT = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/**
 * papermill's `_resolve_type`: True/False/None, then int, then float, else
 * the string. TypeScript spellings true/false/null are accepted too, since
 * this runner's users write TypeScript.
 */
export function coerceValue(name: string, value: string): ParameterValue {
  if (value === "True" || value === "true") return true;
  if (value === "False" || value === "false") return false;
  if (value === "None" || value === "null") return null;
  if (INT.test(value)) {
    const n = Number(value.replace(/_/g, "").trim());
    if (!Number.isSafeInteger(n)) {
      throw new UsageError(`-p ${name} ${value}: the integer is too large for a TypeScript number; pass it with -r to keep it as a string.`);
    }
    return n;
  }
  if (FLOAT.test(value)) return Number(value.replace(/_/g, "").trim());
  const special = SPECIAL_FLOAT.exec(value);
  if (special) return special[2].toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  return value;
}

export function mergeParameters(src: ParameterSources): Parameters {
  const merged: Parameters = {};
  for (const b64 of src.base64) {
    Object.assign(merged, yamlMapping(Buffer.from(b64, "base64").toString("utf8"), "-b/--parameters_base64"));
  }
  for (const file of src.files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`-f ${file}: cannot read the parameters file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    Object.assign(merged, yamlMapping(text, `-f ${file}`));
  }
  for (const text of src.yaml) Object.assign(merged, yamlMapping(text, "-y/--parameters_yaml"));
  for (const [name, value] of src.typed) merged[name] = coerceValue(name, value);
  for (const [name, value] of src.raw) merged[name] = value;
  return merged;
}

function yamlMapping(text: string, where: string): Parameters {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: invalid YAML (${(err as Error).message.split("\n")[0]}).`);
  }
  // papermill treats an empty document as no parameters.
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`${where}: expected a YAML mapping of parameter names to values, got ${Array.isArray(doc) ? "a list" : typeof doc}.`);
  }
  return doc as Parameters;
}
