/** Failing cells: papermill's marks, exit codes, always-run clean-up cells, expected errors, a dying kernel. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, isolatedEnv, joined, readJson, runCli, tempDir } from "./helpers";

const MARK = "papermill-error-cell-tag";

describe("a failing cell", () => {
  it("stops the run at a type error, marks the cell, leaves later cells pending and exits 1", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("type-error.ipynb"), out], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Exception encountered at "In [2]" (notebook cell 1) of ${out}:`);
    expect(result.stderr).toContain("1:7 - Type 'number' is not assignable to type 'string'.");

    const nb = readJson(out);
    expect(nb.cells.map((c: any) => c.metadata.tags)).toEqual([[MARK], [], [MARK], [], []]);
    expect(joined(nb.cells[0].source)).toContain(`An Exception was encountered at '<a href="#papermill-error-cell">In [2]</a>'.`);
    expect(joined(nb.cells[2].source)).toContain('<span id="papermill-error-cell"');
    const failed = nb.cells[3];
    expect(failed.outputs).toEqual([
      {
        output_type: "error",
        ename: "TSError",
        evalue: "Type 'number' is not assignable to type 'string'.",
        traceback: ["1:7 - Type 'number' is not assignable to type 'string'."],
      },
    ]);
    expect(failed.metadata.papermill).toMatchObject({ status: "failed", exception: true });
    expect(nb.cells[4].metadata.papermill).toEqual({ status: "pending", exception: null, start_time: null, end_time: null, duration: null });
    expect(nb.cells[4].outputs).toEqual([]);
    expect(nb.metadata.papermill.exception).toBe(true);
  });

  it("turns a runtime throw into an error output with the cell's stack, not tslab's", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("runtime-throw.ipynb"), out], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    const nb = readJson(out);
    const failed = nb.cells[3];
    expect(failed.outputs[0]).toEqual({ output_type: "stream", name: "stdout", text: ["about to fail\n"] });
    expect(failed.outputs).toHaveLength(2);
    const error = failed.outputs[1];
    expect([error.ename, error.evalue]).toEqual(["RangeError", "learning rate out of range"]);
    expect(error.traceback).toContain("RangeError: learning rate out of range");
    expect(error.traceback.some((l: string) => l.includes("at explode"))).toBe(true);
    expect(error.traceback.some((l: string) => l.includes("node_modules/tslab"))).toBe(false);
    expect(nb.cells[4].metadata.papermill.status).toBe("pending");
  });

  it("still runs cells tagged always-run after the failure, and still exits 1", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const marker = path.join(dir, "cleanup.txt");
    const result = await runCli([fixture("always-run.ipynb"), out], { env: isolatedEnv(dir, { RUN_NOTEBOOK_MARKER: marker }) });
    expect(result.code).toBe(1);
    expect(fs.readFileSync(marker, "utf8")).toBe("cleaned up");
    const nb = readJson(out);
    const code = nb.cells.filter((c: any) => c.cell_type === "code");
    expect(code.map((c: any) => c.metadata.papermill.status)).toEqual(["completed", "failed", "pending", "completed"]);
    expect(code[3].outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["cleanup ran\n"] }]);
    expect(code[3].execution_count).toBe(3);
    expect(joined(nb.cells[0].source)).toContain("In [2]");
  });

  it("continues after an error in a cell tagged raises-exception", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("raises.ipynb"), out], { env: isolatedEnv(dir) });
    expect(result.code, result.stderr).toBe(0);
    const nb = readJson(out);
    expect(nb.cells[0].outputs[0]).toMatchObject({ output_type: "error", ename: "TypeError", evalue: "expected failure" });
    expect(nb.cells[1].outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["went on\n"] }]);
    expect(nb.cells.some((c: any) => c.metadata.tags.includes(MARK))).toBe(false);
  });

  it("replaces the marks of an earlier failed run when its output is run again", async () => {
    const dir = tempDir();
    const first = path.join(dir, "first.ipynb");
    const second = path.join(dir, "second.ipynb");
    await runCli([fixture("type-error.ipynb"), first], { env: isolatedEnv(dir) });
    const result = await runCli([first, second], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    const nb = readJson(second);
    expect(nb.cells.filter((c: any) => c.metadata.tags.includes(MARK))).toHaveLength(2);
    expect(nb.cells).toHaveLength(5);
  });

  it("exits 138 when the kernel dies, and cannot run always-run cells", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("dies.ipynb"), out], { env: isolatedEnv(dir) });
    expect(result.code).toBe(138);
    expect(result.stderr).toContain("Warning: 1 cell(s) tagged 'always-run' were not run: the kernel is gone.");
    expect(result.stderr).toContain("The kernel died");
    const nb = readJson(out);
    const died = nb.cells[3];
    expect(died.outputs.at(-1)).toMatchObject({ output_type: "error", ename: "DeadKernelError", evalue: "Kernel died while executing this cell (exit code 3)." });
    expect(nb.cells[4].metadata.papermill.status).toBe("pending");
  });
});
