import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseNotebook, readNotebook, serializeNotebook, writeNotebook, type Notebook } from "../../src/runner/notebook";
import { fixture, tempDir } from "./helpers";

describe("notebook files", () => {
  it("reads nbformat 4 with multi-line strings joined", () => {
    const nb = readNotebook(fixture("passing.ipynb"));
    expect(nb.nbformat).toBe(4);
    expect(nb.cells[1].source).toContain('let name = "world";\nlet verbose');
    expect(nb.cells[1].metadata.tags).toEqual(["parameters"]);
  });

  it("writes like nbformat: sorted keys, one-space indent, lines split, newline at the end", () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { z: 1, a: 2 },
      cells: [
        {
          cell_type: "code",
          id: "abc",
          source: "a\nb",
          metadata: {},
          execution_count: 1,
          outputs: [
            { output_type: "stream", name: "stdout", text: "x\ny\n" },
            { output_type: "display_data", data: { "text/html": "<b>\n</b>", "image/png": "iVBOR" }, metadata: {} },
          ],
        },
      ],
    };
    const text = serializeNotebook(nb);
    expect(text.endsWith("}\n")).toBe(true);
    const back = JSON.parse(text);
    expect(Object.keys(back)).toEqual(["cells", "metadata", "nbformat", "nbformat_minor"]);
    expect(Object.keys(back.metadata)).toEqual(["a", "z"]);
    expect(back.cells[0].source).toEqual(["a\n", "b"]);
    expect(back.cells[0].outputs[0].text).toEqual(["x\n", "y\n"]);
    expect(back.cells[0].outputs[1].data["text/html"]).toEqual(["<b>\n", "</b>"]);
    expect(back.cells[0].outputs[1].data["image/png"]).toBe("iVBOR");
    expect(text).toContain('\n "cells": [\n  {');
    expect(parseNotebook(back, "round trip")).toEqual(nb);
  });

  it("names the field that makes a file not a notebook", () => {
    const bad = (json: unknown) => () => parseNotebook(json, "x.ipynb");
    expect(bad([])).toThrow(/x.ipynb: \(top level\) must be a JSON object/);
    expect(bad({ nbformat: 3, nbformat_minor: 0, cells: [] })).toThrow(/nbformat is 3; only nbformat 4 is supported/);
    expect(bad({ nbformat: 4, nbformat_minor: 5 })).toThrow(/cells must be an array/);
    expect(bad({ nbformat: 4, nbformat_minor: 5, cells: [{ cell_type: "python", source: "" }] })).toThrow(/cells\[0\].cell_type is "python"/);
    expect(bad({ nbformat: 4, nbformat_minor: 5, cells: [{ cell_type: "code", source: 7 }] })).toThrow(/cells\[0\].source must be a string or an array of strings/);
    expect(bad({ nbformat: 4, nbformat_minor: 5, cells: [{ cell_type: "code", source: "", metadata: { tags: "x" } }] })).toThrow(/cells\[0\].metadata.tags must be an array of strings/);
    expect(bad({ nbformat: 4, nbformat_minor: 5, cells: [{ cell_type: "code", source: "", outputs: [{ output_type: "weird" }] }] })).toThrow(
      /cells\[0\].outputs\[0\].output_type is "weird"/,
    );
  });

  it("reports unreadable and non-JSON files clearly", () => {
    const dir = tempDir();
    expect(() => readNotebook(path.join(dir, "missing.ipynb"))).toThrow(/Cannot read notebook .*missing.ipynb: no such file/);
    fs.writeFileSync(path.join(dir, "bad.ipynb"), "{not json");
    expect(() => readNotebook(path.join(dir, "bad.ipynb"))).toThrow(/bad.ipynb is not a notebook: invalid JSON/);
  });

  it("writes atomically: the target is complete and no temporary file is left", () => {
    const dir = tempDir();
    const file = path.join(dir, "sub", "out.ipynb");
    const nb = readNotebook(fixture("passing.ipynb"));
    writeNotebook(file, nb);
    writeNotebook(file, nb);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["out.ipynb"]);
    expect(readNotebook(file)).toEqual(nb);
  });

  it("fails with the path when the target cannot be written, leaving nothing behind", () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "out.ipynb"));
    expect(() => writeNotebook(path.join(dir, "out.ipynb"), readNotebook(fixture("passing.ipynb")))).toThrow(/Cannot write notebook .*out.ipynb/);
    expect(fs.readdirSync(dir)).toEqual(["out.ipynb"]);
  });
});
