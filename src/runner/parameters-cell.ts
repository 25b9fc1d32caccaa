/**
 * Reads the declarations of a TypeScript `parameters` cell with the same
 * TypeScript that tslab compiles cells with (tslab's own dependency), so the
 * runner knows which names exist, how they were declared, their types and
 * defaults (papermill's `default_parameters`).
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";

export interface DeclaredParameter {
  name: string;
  kind: "let" | "const" | "var";
  /** papermill's `inferred_type_name`: the annotation, else the literal's type, else "unknown". */
  inferred_type_name: string;
  /** The initializer's source text ("" when none). */
  default: string;
  /** A trailing `// comment` on the declaration's line. */
  help: string;
}

let tsModule: typeof TS | undefined;

/** tslab's TypeScript (5.0.4), loaded on first use (~0.1 s). */
function typescript(): typeof TS {
  tsModule ??= createRequire(require.resolve("tslab/package.json"))("@tslab/typescript-for-tslab") as typeof TS;
  return tsModule;
}

export function parseParametersCell(source: string): DeclaredParameter[] {
  const ts = typescript();
  const file = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: DeclaredParameter[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const flags = statement.declarationList.flags;
    const kind = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
    const help = trailingComment(ts, source, statement.end);
    for (const decl of statement.declarationList.declarations) {
      for (const name of bindingNames(ts, decl.name)) {
        const isPlain = ts.isIdentifier(decl.name);
        found.push({
          name,
          kind,
          inferred_type_name: decl.type ? decl.type.getText(file) : isPlain && decl.initializer ? literalType(ts, decl.initializer) : "unknown",
          default: isPlain && decl.initializer ? decl.initializer.getText(file) : "",
          help,
        });
      }
    }
  }
  return found;
}

function bindingNames(ts: typeof TS, name: TS.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) names.push(...bindingNames(ts, element.name));
  }
  return names;
}

function literalType(ts: typeof TS, init: TS.Expression): string {
  let e = init;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) {
    if (ts.isAsExpression(e)) return e.type.getText();
    e = e.expression;
  }
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e)) return "string";
  if (ts.isNumericLiteral(e) || (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand))) return "number";
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  if (e.kind === ts.SyntaxKind.NullKeyword) return "null";
  if (ts.isArrayLiteralExpression(e)) return "array";
  if (ts.isObjectLiteralExpression(e)) return "object";
  return "unknown";
}

function trailingComment(ts: typeof TS, source: string, end: number): string {
  const ranges = ts.getTrailingCommentRanges(source, end) ?? [];
  const line = ranges.find((r) => r.kind === ts.SyntaxKind.SingleLineCommentTrivia);
  return line ? source.slice(line.pos + 2, line.end).trim() : "";
}
