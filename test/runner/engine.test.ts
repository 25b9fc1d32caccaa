/** executeNotebook used in-process, as `npm start` does. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { executeNotebook, type RunnerEvent } from "../../src/runner/engine";
import type { Cell, Notebook } from "../../src/runner/notebook";
import { tempDir } from "./helpers";

function code(source: string): Cell {
  return { cell_type: "code", source, metadata: {}, execution_count: null, outputs: [] };
}
function notebook(cells: Cell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } }, cells };
}

describe("executeNotebook", () => {
  it("writes the output notebook as cells finish (and while they run), reports events, and returns the executed notebook", async () => {
    const dir = tempDir();
    const out = path.join(dir, "live.ipynb");
    const events: RunnerEvent[] = [];
    const reader = [
      'import * as fs from "fs";',
      "const saved = JSON.parse(fs.readFileSync(process.env.OUT_NOTEBOOK as string, \"utf8\"));",
      "const first = saved.cells[0];",
      'console.log(`${first.metadata.papermill.status} ${first.outputs[0].text.join("").trim()} | ${saved.cells[1].metadata.papermill.status}`);',
      "await new Promise((r) => setTimeout(r, 1500));",
      "const later = JSON.parse(fs.readFileSync(process.env.OUT_NOTEBOOK as string, \"utf8\"));",
      'console.log(`then ${later.cells[1].metadata.papermill.status}`);',
    ].join("\n");
    const result = await executeNotebook({
      inputPath: "in-memory.ipynb",
      outputPath: out,
      notebook: notebook([code('console.log("first")'), code(reader)]),
      env: { OUT_NOTEBOOK: out },
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe("completed");
    expect(result.exitCode).toBe(0);
    expect(result.notebook.cells[1].cell_type === "code" && result.notebook.cells[1].outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "completed first | pending\nthen running\n" },
    ]);
    expect(events.map((e) => e.type)).toEqual(["kernel-starting", "kernel-ready", "cell-start", "output", "cell-end", "cell-start", "output", "output", "cell-end"]);
    expect(events[2]).toMatchObject({ type: "cell-start", cellIndex: 0, position: 1, total: 2 });
    expect(JSON.parse(fs.readFileSync(out, "utf8")).metadata.papermill.input_path).toBe("in-memory.ipynb");
  });

  it("saves during a long cell (autosave), so progress shows before the cell ends", async () => {
    const dir = tempDir();
    const out = path.join(dir, "long.ipynb");
    const cell = [
      'import * as fs from "fs";',
      'console.log("partial output");',
      "await new Promise((r) => setTimeout(r, 2500));",
      'const onDisk = fs.readFileSync(process.env.OUT_NOTEBOOK as string, "utf8");',
      'console.log(onDisk.includes("partial output") ? "autosaved" : "not saved");',
    ].join("\n");
    const result = await executeNotebook({ inputPath: "long.ipynb", outputPath: out, notebook: notebook([code(cell)]), env: { OUT_NOTEBOOK: out }, autosaveCellEverySec: 1 });
    const outputs = result.notebook.cells[0].cell_type === "code" ? result.notebook.cells[0].outputs : [];
    expect(outputs).toEqual([{ output_type: "stream", name: "stdout", text: "partial output\nautosaved\n" }]);
  });

  it("returns the first failure instead of throwing, and writes nothing without an output path", async () => {
    const dir = tempDir();
    const result = await executeNotebook({
      inputPath: path.join(dir, "x.ipynb"),
      outputPath: null,
      notebook: notebook([code("console.log(1)"), code('throw new SyntaxError("bad input")'), code("console.log(3)")]),
    });
    expect(result.status).toBe("failed");
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatchObject({ cellIndex: 1, outputCellIndex: 3, executionCount: 2, ename: "SyntaxError", evalue: "bad input" });
    expect(result.notebook.cells[result.failure!.outputCellIndex].source).toBe('throw new SyntaxError("bad input")');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("throws a RunnerError naming the fix when the notebook has no kernelspec", async () => {
    const nb = notebook([code("1")]);
    nb.metadata = {};
    await expect(executeNotebook({ inputPath: "k.ipynb", outputPath: null, notebook: nb })).rejects.toThrow(
      /k.ipynb: metadata.kernelspec.name is missing, so the kernel is unknown; pass -k KERNEL/,
    );
  });
});
