/**
 * Static checks of the tutorial notebook: its format, tags and parameters,
 * that it type-checks exactly as the tslab kernel compiles it (tslab's own
 * converter and TypeScript 5.0, cell after cell), and that every cell of
 * AWS's tutorial has its counterpart, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { declaredStage, STAGES, type StageId } from "../../src/main-job/stages";
import type { Cell as RunnerCell } from "../../src/runner/notebook";

const NOTEBOOK = path.join(__dirname, "..", "..", "notebooks", "image-classification-fulltraining.ipynb");
const README = path.join(__dirname, "..", "..", "notebooks", "README.md");

interface Cell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name: string; display_name: string; language: string } };
  cells: Cell[];
}

const nb = JSON.parse(fs.readFileSync(NOTEBOOK, "utf8")) as Notebook;
const text = (cell: Cell): string => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);
const codeCells = nb.cells.filter((c) => c.cell_type === "code");

describe("notebook format", () => {
  it("is nbformat 4.5 with valid cells and unique ids", () => {
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBeGreaterThanOrEqual(5);
    const ids = new Set<string>();
    for (const cell of nb.cells) {
      expect(["code", "markdown", "raw"]).toContain(cell.cell_type);
      expect(typeof cell.metadata).toBe("object");
      expect(cell.id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
      ids.add(cell.id as string);
      expect(typeof text(cell)).toBe("string");
      if (Array.isArray(cell.source)) {
        // Lines keep their newline except the last.
        cell.source.slice(0, -1).forEach((line) => expect(line.endsWith("\n")).toBe(true));
      }
      if (cell.cell_type === "code") {
        expect(Array.isArray(cell.outputs)).toBe(true);
        expect(cell).toHaveProperty("execution_count");
      } else {
        expect(cell).not.toHaveProperty("outputs");
      }
    }
    expect(ids.size).toBe(nb.cells.length);
  });

  it("is committed with the outputs of one complete run, without the run's bookkeeping", () => {
    // `npm start -- --update-notebook` saves them; `npm run check:notebooks` compares fresh runs with them.
    expect(codeCells.map((c) => c.execution_count)).toEqual(codeCells.map((_, i) => i + 1));
    for (const cell of codeCells) {
      expect((cell.outputs as Array<{ output_type: string }>).filter((o) => o.output_type === "error")).toEqual([]);
      expect(cell.metadata).not.toHaveProperty("papermill");
      expect(cell.metadata).not.toHaveProperty("execution");
    }
    expect(nb.metadata).not.toHaveProperty("papermill");
    for (const tag of ["injected-parameters", "papermill-error-cell-tag"]) expect(nb.cells.filter((c) => c.metadata.tags?.includes(tag))).toEqual([]);
    const shown = JSON.stringify(codeCells.map((c) => c.outputs));
    expect(shown).toContain("Training job ended with status: Completed");
    expect(shown).toContain("image/svg+xml");
    expect(shown).toContain("Result: label - triangle");
    expect(shown).toContain("<td>Endpoint</td>");
  });

  it("names the main job's stage of every code cell, in the order the tutorial runs them", () => {
    const stages = codeCells.map((c, i) => declaredStage(c as unknown as RunnerCell, i));
    expect(stages.every((s) => s !== null)).toBe(true);
    const order = STAGES.map((s) => s.id);
    const positions = stages.map((s) => order.indexOf(s as StageId));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(stages)).toEqual(new Set(order));
  });

  it("tags for check mode only the cells whose output legitimately varies", () => {
    const ignored = codeCells.filter((c) => c.metadata.tags?.includes("nbval-ignore-output")).map((c) => text(c));
    expect(ignored).toHaveLength(2);
    expect(ignored[0]).toMatch(/trainingFiles\(/); // generates the data the first time only
    expect(ignored[1]).toMatch(/waitForTrainingJob\(/); // the streamed training log
  });

  it("runs on the tslab kernel", () => {
    expect(nb.metadata.kernelspec).toEqual({ name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" });
  });

  it("has a first code cell tagged parameters that only declares re-assignable string parameters", () => {
    const first = codeCells[0];
    expect(first.metadata.tags).toContain("parameters");
    const statements = text(first)
      .split("\n")
      .map((l) => l.replace(/\/\/.*$/, "").trim())
      .filter((l) => l !== "");
    expect(statements.length).toBeGreaterThan(10);
    for (const s of statements) expect(s).toMatch(/^let [a-z_0-9]+ = "[^"]*";$/);
    const names = statements.map((s) => /^let ([a-z_0-9]+)/.exec(s)?.[1]);
    for (const expected of ["backend", "region", "bucket", "role", "dataset", "num_layers", "image_shape", "num_training_samples", "num_classes", "mini_batch_size", "epochs", "learning_rate"]) {
      expect(names).toContain(expected);
    }
    expect(text(first)).toMatch(/let backend = "local";/);
    expect(text(first)).toMatch(/let dataset = "synthetic";/);
    expect(nb.cells.filter((c) => c.metadata.tags?.includes("parameters"))).toHaveLength(1);
  });

  it("ends with the clean-up cell, tagged always-run", () => {
    const last = codeCells[codeCells.length - 1];
    expect(last.metadata.tags).toEqual(["always-run"]);
    expect(text(last)).toMatch(/= await cleanUp\(\);/);
    expect(nb.cells.filter((c) => c.metadata.tags?.includes("always-run"))).toEqual([last]);
  });
});

/** Names a cell declares anywhere (variables, parameters, imports, functions, classes). */
function declaredNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node) || ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) || ts.isImportSpecifier(node) || ts.isNamespaceImport(node) || ts.isImportClause(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      names.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

describe("tslab pitfalls", () => {
  // tslab 1.0.22 rewrites references to earlier cells' variables, but not
  // shorthand properties: `{ backend }` compiles and then throws
  // "ReferenceError: backend is not defined". Cells must write `{ backend: backend }`.
  it("no cell uses a shorthand property for a variable of an earlier cell", () => {
    const offenders: string[] = [];
    codeCells.forEach((cell, i) => {
      const file = ts.createSourceFile(`cell${i + 1}.ts`, text(cell), ts.ScriptTarget.ES2022, true);
      const own = declaredNames(file);
      const visit = (node: ts.Node): void => {
        if (ts.isShorthandPropertyAssignment(node) && !own.has(node.name.text)) offenders.push(`code cell ${i + 1}: { ${node.name.text} }`);
        ts.forEachChild(node, visit);
      };
      visit(file);
    });
    expect(offenders).toEqual([]);
  });
});

describe("the tutorial's cells", () => {
  /** What identifies each tutorial cell's counterpart. */
  const MARKERS: Record<string, RegExp[]> = {
    C1: [/setup\(/, /role = session\.role/, /bucket = session\.bucket/, /training_image = session\.trainingImage/],
    C2: [/trainingFiles\(/, /upload_to_s3\(s3_train_key/, /upload_to_s3\(s3_validation_key/, /const s3_train = /, /const s3_validation = /],
    C3: [/num_layers: num_layers/, /learning_rate: learning_rate/, /checkHyperParameters\(hyperparameters\)/],
    C4: [/const job_name = job_name_prefix \+ "-" \+ timestamp\(\)/, /const training_params = buildTrainingJobRequest/],
    C5: [/createTrainingJob\(session, training_params\)/, /waitForTrainingJob\(session, job_name\)/],
    C6: [/describeTrainingJob\(session, job_name\)/, /Training job ended with status/],
    C7: [/const model_name = "DEMO-full-image-classification-model" \+ timestamp\(\)/, /modelArtifacts\(/, /const hosting_image = training_image/, /createModel\(/],
    C8: [/testImagesFolder\(/],
    C9: [/const batch_input = /, /uploadFolder\(/],
    C10: [/const batch_job_name = "image-classification-model" \+ timestamp\(\)/, /buildTransformJobRequest\(/],
    C11: [/runTransformJob\(session, request\)/],
    C12: [/const object_categories = /, /readTransformResults\(/, /resultLine\(/],
    C13: [/const endpoint_config_name = job_name_prefix \+ "-epc-" \+ timestamp\(\)/, /createEndpointConfig\(/],
    C14: [/const endpoint_name = job_name_prefix \+ "-ep-" \+ timestamp\(\)/, /createEndpoint\(/],
    C15: [/EndpointStatus = /, /waitForEndpoint\(/],
    C16: [/const runtime = session\.clients\.runtime/],
    C17: [/testImage\(/, /showImageBytes\(/],
    C18: [/classifyImage\(session, endpoint_name, payload\)/, /topLabel\(/],
    C19: [/cleanUp\(\)/],
  };

  /** The README's table: tutorial cell -> our code cell numbers. */
  function readmeMapping(): Map<string, number[]> {
    const rows = fs.readFileSync(README, "utf8").split("\n").filter((l) => /^\| C\d+ \|/.test(l));
    return new Map(
      rows.map((row) => {
        const cols = row.split("|").map((c) => c.trim());
        return [cols[1], [...cols[3].matchAll(/code cell (\d+)/g)].map((m) => Number(m[1]))];
      }),
    );
  }

  it("maps C1..C19 to code cells in the README, in the tutorial's order", () => {
    const mapping = readmeMapping();
    expect([...mapping.keys()]).toEqual(Object.keys(MARKERS));
    const firsts = [...mapping.values()].map((cells) => cells[0]);
    expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
    for (const cells of mapping.values()) {
      expect(cells.length).toBeGreaterThan(0);
      for (const n of cells) expect(n).toBeLessThanOrEqual(codeCells.length);
    }
  });

  it.each(Object.entries(MARKERS))("%s has its counterpart where the README says", (id, markers) => {
    const cells = readmeMapping().get(id) as number[];
    const source = cells.map((n) => text(codeCells[n - 1])).join("\n");
    for (const marker of markers) expect(source).toMatch(marker);
  });
});

describe("the notebook compiles under tslab", () => {
  // tslab's converter: TypeScript 5.0.4, tslab's compiler options, every
  // imported .ts file type-checked with the cell, declarations carried from
  // cell to cell. This is exactly what the kernel does before running a cell.
  type Converter = {
    convert(prevDecl: string, src: string): { diagnostics: Array<{ messageText: string; start: { line: number; character: number }; fileName?: string }>; declOutput?: string };
    close(): void;
  };
  let converter: Converter;
  beforeAll(() => {
    const { createConverter } = require("tslab/dist/converter") as { createConverter(o: { isJS: boolean; isBrowser: boolean }): Converter };
    converter = createConverter({ isJS: false, isBrowser: false });
  });
  afterAll(() => converter?.close());

  it("type-checks every code cell in order, with every import resolved to an exported name", () => {
    let prevDecl = "";
    const problems: string[] = [];
    codeCells.forEach((cell, i) => {
      const result = converter.convert(prevDecl, text(cell));
      for (const d of result.diagnostics) {
        problems.push(`code cell ${i + 1} ${d.fileName ?? ""} ${d.start.line + 1}:${d.start.character + 1} ${d.messageText}`);
      }
      prevDecl = result.declOutput ?? prevDecl;
    });
    expect(problems).toEqual([]);
  }, 120_000);

  it("compiles the clean-up cell on its own (it must not need variables of cells that may have failed)", () => {
    const result = converter.convert("", text(codeCells[codeCells.length - 1]));
    expect(result.diagnostics).toEqual([]);
  });

  it("reports a wrong import, so the check above can fail", () => {
    const result = converter.convert("", 'import { noSuchExport } from "./src/tutorial/teardown";');
    expect(result.diagnostics.map((d) => d.messageText).join("\n")).toMatch(/noSuchExport/);
  });
});
