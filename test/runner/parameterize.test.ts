import { describe, expect, it } from "vitest";
import { ERROR_MARKER_TAG, insertErrorMarkers } from "../../src/runner/error-markers";
import type { Cell, Notebook } from "../../src/runner/notebook";
import { INJECTED_TAG, prepareNotebook } from "../../src/runner/parameterize";
import { parseParametersCell } from "../../src/runner/parameters-cell";
import { toTypeScriptLiteral, translateParameters } from "../../src/runner/translator";

function code(source: string, tags: string[] = []): Cell {
  return { cell_type: "code", source, metadata: { tags }, execution_count: null, outputs: [] };
}
function nb(cells: Cell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

describe("reading the parameters cell", () => {
  it("finds let/const/var names with types, defaults and help comments", () => {
    const found = parseParametersCell(
      [
        "let epochs: number = 2; // training epochs",
        'const region = "us-east-1";',
        "var ratio = -0.5, tags = ['a'];",
        'let backend: "aws" | "local" = "local" as "aws" | "local";',
        "let { a, b: [c] } = { a: 1, b: [2] };",
        "function notAParameter() {}",
        "// let commented = 1;",
      ].join("\n"),
    );
    expect(found.map((d) => [d.name, d.kind, d.inferred_type_name, d.default, d.help])).toEqual([
      ["epochs", "let", "number", "2", "training epochs"],
      ["region", "const", "string", '"us-east-1"', ""],
      ["ratio", "var", "number", "-0.5", ""],
      ["tags", "var", "array", "['a']", ""],
      ["backend", "let", '"aws" | "local"', '"local" as "aws" | "local"', ""],
      ["a", "let", "unknown", "", ""],
      ["c", "let", "unknown", "", ""],
    ]);
  });
});

describe("the TypeScript translator", () => {
  it("writes values as TypeScript literals", () => {
    expect(toTypeScriptLiteral(null, "x")).toBe("null");
    expect(toTypeScriptLiteral(true, "x")).toBe("true");
    expect(toTypeScriptLiteral(-0.25, "x")).toBe("-0.25");
    expect(toTypeScriptLiteral(NaN, "x")).toBe("NaN");
    expect(toTypeScriptLiteral(-Infinity, "x")).toBe("-Infinity");
    expect(toTypeScriptLiteral('say "hi"\n\u2028', "x")).toBe('"say \\"hi\\"\\n\u2028"');
    expect(toTypeScriptLiteral([1, "a", [null]], "x")).toBe('[1, "a", [null]]');
    expect(toTypeScriptLiteral({ "odd key": { n: 1 } }, "x")).toBe('{"odd key": {"n": 1}}');
  });

  it("re-assigns declared names in a block (tslab prints a last expression) and declares unknown ones", () => {
    const declared = parseParametersCell('let epochs = 2;\nlet name = "x";');
    const cell = translateParameters({ epochs: 5, name: "y", extra: [1] }, declared);
    expect(cell.source).toBe('// Parameters\n{\n  epochs = 5;\n  name = "y";\n}\nlet extra = [1];\n');
    expect(cell.warnings).toEqual(["Passed unknown parameter: extra"]);
  });

  it("writes numbers and booleans as strings for names the cell declares as strings", () => {
    const declared = parseParametersCell('let epochs = "2";\nlet lr: string = "0.1";\nlet steps = 3;\nlet flag = "False";');
    const cell = translateParameters({ epochs: 5, lr: 0.05, steps: 4, flag: true }, declared);
    expect(cell.source).toBe('// Parameters\n{\n  epochs = "5";\n  lr = "0.05";\n  steps = 4;\n  flag = "true";\n}\n');
  });

  it("declares everything, without unknown-parameter warnings, when there is no parameters cell", () => {
    expect(translateParameters({ a: 1 }, null)).toEqual({ source: "// Parameters\nlet a = 1;\n", warnings: [] });
  });

  it("refuses const parameters and names that are not identifiers, saying how to fix them", () => {
    const declared = parseParametersCell("const region = 'a';");
    expect(() => translateParameters({ region: "b" }, declared)).toThrow(/'region' is declared with const .* declare it with let/);
    expect(() => translateParameters({ "my-param": 1 }, declared)).toThrow(/'my-param' is not a valid TypeScript variable name/);
    expect(() => translateParameters({ class: 1 }, declared)).toThrow(/'class' is not a valid/);
  });

  it("refuses values with no literal form", () => {
    expect(() => toTypeScriptLiteral({ when: new Date(0) } as never, "p")).toThrow(/Parameter p.when: cannot write a date/);
  });
});

describe("preparing a notebook (papermill's parameterize)", () => {
  it("inserts the injected cell right after the parameters cell and records parameters", () => {
    const book = nb([code("console.log(1)"), code("let epochs = 1;", ["parameters"]), code("epochs")]);
    const warnings = prepareNotebook(book, { parameters: { epochs: 3 }, inputPath: "in.ipynb", outputPath: "out.ipynb" });
    expect(warnings).toEqual([]);
    expect(book.cells.map((c) => c.metadata.tags)).toEqual([[], ["parameters"], [INJECTED_TAG], []]);
    expect(book.cells[2].source).toContain("epochs = 3;");
    expect(book.cells[2].id).toMatch(/^[0-9a-f]{8}$/);
    const pm = book.metadata.papermill as Record<string, unknown>;
    expect(pm.parameters).toEqual({ epochs: 3 });
    expect(pm.default_parameters).toEqual({ epochs: { name: "epochs", inferred_type_name: "number", default: "1", help: "" } });
    expect(pm.input_path).toBe("in.ipynb");
    expect(pm.output_path).toBe("out.ipynb");
  });

  it("replaces an earlier injected cell instead of adding a second one", () => {
    const book = nb([code("let a = 1;", ["parameters"]), code("// Parameters\n{\n  a = 2;\n}\n", [INJECTED_TAG]), code("a")]);
    prepareNotebook(book, { parameters: { a: 9 }, inputPath: null, outputPath: null });
    expect(book.cells.filter((c) => c.metadata.tags?.includes(INJECTED_TAG))).toHaveLength(1);
    expect(book.cells[1].source).toContain("a = 9;");
    expect(book.cells).toHaveLength(3);
  });

  it("injects at the top with papermill's warning when no cell is tagged parameters", () => {
    const book = nb([code("console.log(answer)")]);
    const warnings = prepareNotebook(book, { parameters: { answer: 42 }, inputPath: null, outputPath: null });
    expect(warnings).toEqual(["Input notebook does not contain a cell with tag 'parameters'"]);
    expect(book.cells[0].source).toBe("// Parameters\nlet answer = 42;\n");
  });

  it("refuses parameters for kernels whose language has no translator, as papermill does", () => {
    const book = nb([code("x = 1", ["parameters"])]);
    expect(() => prepareNotebook(book, { parameters: { x: 2 }, inputPath: null, outputPath: null, language: "python" })).toThrow(
      /No parameter translator for language 'python'/,
    );
    expect(prepareNotebook(nb([code("let a = 1;", ["parameters"])]), { parameters: { a: 2 }, inputPath: null, outputPath: null, language: "javascript" })).toEqual([]);
  });

  it("leaves the notebook's cells alone without parameters", () => {
    const book = nb([code("let a = 1;", ["parameters"]), code("a")]);
    prepareNotebook(book, { parameters: {}, inputPath: null, outputPath: null });
    expect(book.cells).toHaveLength(2);
    expect((book.metadata.papermill as Record<string, unknown>).parameters).toEqual({});
  });

  it("hides code inputs in report mode", () => {
    const book = nb([code("let a = 1;", ["parameters"]), { cell_type: "markdown", source: "# t", metadata: {} }]);
    prepareNotebook(book, { parameters: { a: 2 }, inputPath: null, outputPath: null, reportMode: true });
    expect(book.cells[0].metadata.jupyter).toEqual({ source_hidden: true });
    expect(book.cells[1].metadata.jupyter).toEqual({ source_hidden: true });
    expect(book.cells[2].metadata.jupyter).toBeUndefined();
  });

  it("removes the error marks of a previous failed run", () => {
    const book = nb([code("ok()"), code("fail()"), code("after()")]);
    insertErrorMarkers(book, 1, 2);
    expect(book.cells).toHaveLength(5);
    expect(book.cells[0].source).toContain(`<a href="#papermill-error-cell">In [2]</a>`);
    expect(book.cells[2].source).toContain(`id="papermill-error-cell"`);
    prepareNotebook(book, { parameters: {}, inputPath: null, outputPath: null });
    expect(book.cells.map((c) => c.source)).toEqual(["ok()", "fail()", "after()"]);
    expect(book.cells.some((c) => c.metadata.tags?.includes(ERROR_MARKER_TAG))).toBe(false);
  });
});
