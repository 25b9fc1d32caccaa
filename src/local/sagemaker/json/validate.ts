/**
 * Validates an awsJson1_1 request body against a shape table and words the
 * problems the way AWS's request validation does, so that a message seen
 * locally is the message a user would search for:
 *
 *   1 validation error detected: Value 'x y' at 'trainingJobName' failed to
 *   satisfy constraint: Member must satisfy regular expression pattern: ...
 *
 * Member paths are lowerCamelCase; list elements are `name.<n>.member`
 * (1-based). A value of the wrong JSON type is a serialization problem, not a
 * constraint violation, and is reported separately.
 */
import type { ListShape, MapShape, Shape, ShapeTable, StringShape } from "./shapes";

export interface ValidationResult {
  /** Constraint violations, each worded as one AWS "validation error". */
  violations: string[];
  /** Values of the wrong JSON type, each naming the member and the expected type. */
  typeErrors: string[];
}

const compiled = new Map<string, RegExp>();

/** AWS patterns are Java regular expressions matched against the whole value. */
function patternRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`, "u");
    } catch {
      re = new RegExp(`^(?:${pattern})$`);
    }
    compiled.set(pattern, re);
  }
  return re;
}

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Renders a value as the Java service does in its messages (`[a, b]`, `{k=v}`). */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${renderValue(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** The constraint texts a scalar value breaks (empty when it satisfies its shape). */
function scalarConstraints(shape: Shape, value: unknown): string[] {
  const broken: string[] = [];
  if (shape.type === "string" && typeof value === "string") {
    const length = [...value].length;
    if (shape.min !== undefined && length < shape.min) broken.push(`Member must have length greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && length > shape.max) broken.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.pattern !== undefined && !patternRegExp(shape.pattern).test(value)) {
      broken.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    if (shape.enum && !shape.enum.includes(value)) broken.push(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
  } else if ((shape.type === "integer" || shape.type === "long" || shape.type === "float" || shape.type === "double") && typeof value === "number") {
    if (shape.min !== undefined && value < shape.min) broken.push(`Member must have value greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && value > shape.max) broken.push(`Member must have value less than or equal to ${shape.max}`);
  }
  return broken;
}

function collectionConstraints(shape: ListShape | MapShape, size: number): string[] {
  const broken: string[] = [];
  if (shape.min !== undefined && size < shape.min) broken.push(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && size > shape.max) broken.push(`Member must have length less than or equal to ${shape.max}`);
  return broken;
}

const TYPE_NAMES: Record<Shape["type"], string> = {
  structure: "an object",
  list: "an array",
  map: "an object",
  string: "a string",
  integer: "an integer",
  long: "an integer",
  float: "a number",
  double: "a number",
  boolean: "a boolean",
  timestamp: "a timestamp (epoch seconds)",
  blob: "a base64 string",
};

function hasJsonType(shape: Shape, value: unknown): boolean {
  switch (shape.type) {
    case "structure":
    case "map":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "list":
      return Array.isArray(value);
    case "string":
    case "blob":
      return typeof value === "string";
    case "integer":
    case "long":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
    case "double":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "timestamp":
      return (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && !Number.isNaN(Date.parse(value)));
  }
}

function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isInteger(value)) return "a fractional number";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function validateShape(table: ShapeTable, shapeName: string, input: unknown): ValidationResult {
  const result: ValidationResult = { violations: [], typeErrors: [] };
  const violation = (path: string, value: unknown, constraint: string): void => {
    result.violations.push(`Value ${value === null || value === undefined ? "null" : `'${renderValue(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
  };

  const walk = (name: string, value: unknown, path: string): void => {
    const shape = table[name];
    if (!shape) throw new Error(`validation table has no shape ${name}`);
    if (!hasJsonType(shape, value)) {
      result.typeErrors.push(`${path ? `'${path}'` : "The request body"} must be ${TYPE_NAMES[shape.type]}, not ${describeJsonType(value)} (${renderValue(value).slice(0, 100)}).`);
      return;
    }
    const at = (member: string): string => (path ? `${path}.${member}` : member);
    switch (shape.type) {
      case "structure": {
        const obj = value as Record<string, unknown>;
        for (const [member, memberShape] of Object.entries(shape.members)) {
          const v = obj[member];
          if (v === undefined || v === null) {
            if (shape.required?.includes(member)) violation(at(lowerCamel(member)), null, "Member must not be null");
            continue;
          }
          walk(memberShape, v, at(lowerCamel(member)));
        }
        return;
      }
      case "list": {
        const list = value as unknown[];
        for (const c of collectionConstraints(shape, list.length)) violation(path, list, c);
        const memberShape = table[shape.member];
        if (memberShape.type === "structure" || memberShape.type === "list" || memberShape.type === "map") {
          list.forEach((item, i) => walk(shape.member, item, `${path}.${i + 1}.member`));
        } else {
          // Lists of scalars are reported once, at the list, as AWS does.
          const broken = new Set<string>();
          list.forEach((item, i) => {
            if (!hasJsonType(memberShape, item)) walk(shape.member, item, `${path}.${i + 1}.member`);
            else for (const c of scalarConstraints(memberShape, item)) broken.add(c);
          });
          if (broken.size > 0) violation(path, list, `Member must satisfy constraint: [${[...broken].join(", ")}]`);
        }
        return;
      }
      case "map": {
        const map = value as Record<string, unknown>;
        for (const c of collectionConstraints(shape, Object.keys(map).length)) violation(path, map, c);
        const keyShape = table[shape.key] as StringShape;
        const valueShape = table[shape.value];
        const brokenKeys = new Set<string>();
        const brokenValues = new Set<string>();
        for (const [k, v] of Object.entries(map)) {
          for (const c of scalarConstraints(keyShape, k)) brokenKeys.add(c);
          if (valueShape.type === "structure" || valueShape.type === "list" || valueShape.type === "map" || !hasJsonType(valueShape, v)) {
            walk(shape.value, v, `${path}.${k}`);
          } else {
            for (const c of scalarConstraints(valueShape, v)) brokenValues.add(c);
          }
        }
        if (brokenKeys.size > 0) violation(path, map, `Map keys must satisfy constraint: [${[...brokenKeys].join(", ")}]`);
        if (brokenValues.size > 0) violation(path, map, `Map value must satisfy constraint: [${[...brokenValues].join(", ")}]`);
        return;
      }
      default:
        for (const c of scalarConstraints(shape, value)) violation(path, value, c);
    }
  };

  walk(shapeName, input, "");
  return result;
}

/** "1 validation error detected: a" / "2 validation errors detected: a; b". */
export function formatViolations(violations: string[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`;
}
