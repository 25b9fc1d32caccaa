/**
 * papermill's translator for TypeScript: parameter values as TypeScript
 * literals, and the source of the `injected-parameters` cell.
 *
 * Names the parameters cell declared with `let`/`var` are re-assigned
 * (`epochs = 5;`), so the value is type-checked against the declared type and
 * later cells keep that type. The assignments sit in a block because tslab
 * prints the value of a cell's last expression statement. Names it did not declare are declared
 * (`let extra = 5;`) after papermill's "Passed unknown parameter" warning.
 * `const` names cannot take a parameter: that is reported, with the fix.
 * A number or boolean given for a name declared as a string (`-p epochs 2`
 * where the cell says `let epochs = "2"`) is written as a string: papermill's
 * coercion is a guess at the type, while the declaration states it, and
 * SageMaker's hyperparameters are strings.
 */
import { UsageError } from "./errors";
import type { DeclaredParameter } from "./parameters-cell";
import type { ParameterValue, Parameters } from "./parameters";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with " +
    "implements interface let package private protected public static yield await"
  ).split(" "),
);

export function toTypeScriptLiteral(value: ParameterValue, at: string): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      if (Number.isNaN(value)) return "NaN";
      if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
      return Object.is(value, -0) ? "-0" : String(value);
    case "string":
      return JSON.stringify(value);
    case "object":
      if (Array.isArray(value)) return `[${value.map((v, i) => toTypeScriptLiteral(v, `${at}[${i}]`)).join(", ")}]`;
      if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
        const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${toTypeScriptLiteral(v, `${at}.${k}`)}`);
        return `{${fields.join(", ")}}`;
      }
  }
  throw new UsageError(`Parameter ${at}: cannot write a ${describe(value)} as a TypeScript literal; use strings, numbers, booleans, null, lists or mappings.`);
}

function describe(value: unknown): string {
  return value instanceof Date ? "date" : typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
}

export interface InjectedCell {
  source: string;
  /** papermill-style warnings, e.g. "Passed unknown parameter: X". */
  warnings: string[];
}

/**
 * @param declared the parameters cell's declarations, or null when the
 * notebook has no cell tagged `parameters`.
 */
export function translateParameters(params: Parameters, declared: DeclaredParameter[] | null): InjectedCell {
  const byName = new Map((declared ?? []).map((d) => [d.name, d]));
  const assignments: string[] = [];
  const declarations: string[] = [];
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new UsageError(`Parameter name '${name}' is not a valid TypeScript variable name; use letters, digits, _ or $ (not starting with a digit, not a keyword).`);
    }
    const decl = byName.get(name);
    const asDeclared = decl?.inferred_type_name === "string" && (typeof value === "number" || typeof value === "boolean") ? String(value) : value;
    const literal = toTypeScriptLiteral(asDeclared, name);
    if (!decl) {
      if (declared !== null) warnings.push(`Passed unknown parameter: ${name}`);
      declarations.push(`let ${name} = ${literal};`);
    } else if (decl.kind === "const") {
      throw new UsageError(
        `Parameter '${name}' is declared with const in the cell tagged 'parameters', so it cannot be overridden; declare it with let there.`,
      );
    } else {
      assignments.push(`  ${name} = ${literal};`);
    }
  }
  const block = assignments.length ? ["{", ...assignments, "}"] : [];
  return { source: ["// Parameters", ...block, ...declarations].join("\n") + "\n", warnings };
}
