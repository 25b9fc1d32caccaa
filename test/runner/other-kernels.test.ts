/**
 * The runner speaks plain Jupyter protocol, not only tslab's dialect: with
 * ipykernel (Debian's python3-ipykernel) it records execute_result,
 * execute_input timing and the kernel's own error messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedEnv, readJson, runCli, tempDir } from "./helpers";

function pythonNotebook(dir: string): string {
  const file = path.join(dir, "py.ipynb");
  const cell = (id: string, source: string, tags: string[] = []) => ({ cell_type: "code", id, metadata: { tags }, source, outputs: [], execution_count: null });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: [cell("c1", "x = 21"), cell("c2", "print('hi')\nx * 2"), cell("c3", "1 / 0"), cell("c4", "print('cleanup')", ["always-run"])],
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

describe("a Python kernel (ipykernel)", () => {
  it("runs with its own results and error messages", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const env = isolatedEnv(dir, { PYDEVD_DISABLE_FILE_VALIDATION: "1" });
    const result = await runCli([pythonNotebook(dir), out], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ZeroDivisionError: division by zero");
    const nb = readJson(out);
    const [banner, c1, c2, anchor, c3, c4] = nb.cells;
    expect([banner.metadata.tags, anchor.metadata.tags]).toEqual([["papermill-error-cell-tag"], ["papermill-error-cell-tag"]]);
    expect(c1.metadata.execution["iopub.execute_input"]).toBeDefined();
    expect(c2.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: ["hi\n"] },
      { output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} },
    ]);
    expect(c3.outputs).toHaveLength(1);
    expect(c3.outputs[0]).toMatchObject({ output_type: "error", ename: "ZeroDivisionError", evalue: "division by zero" });
    expect(c3.outputs[0].traceback.join("\n")).toContain("\u001b[0;31mZeroDivisionError\u001b[0m");
    expect(c4.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["cleanup\n"] }]);
    expect(nb.metadata.language_info.name).toBe("python");
  });

  it("refuses parameters, which it could only write as TypeScript", async () => {
    const dir = tempDir();
    const result = await runCli([pythonNotebook(dir), path.join(dir, "out.ipynb"), "-p", "x", "1"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("No parameter translator for language 'python'");
  });
});
