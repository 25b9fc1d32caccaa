/**
 * What the repository's kernel launcher (scripts/tslab-kernel.js) fixes in
 * tslab, through a real kernel and the runner:
 * - cells keep running when source files change under src/ while a cell runs,
 *   as they do when an editor, git or npm replaces a file (write a temporary
 *   file, rename it over). tslab's compiler host would fail every later cell
 *   with "Unexpected pending rebuildTimer";
 * - no IOPub message is lost however many a run sends. tslab does not wait
 *   for zeromq's sends, and zeromq.js defers every 513th: the messages sent
 *   meanwhile, a cell's output and its idle status among them, were dropped.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readNotebook, writeNotebook, type CodeCell, type Notebook } from "../../src/runner/notebook";

const ROOT = path.join(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-launcher-"));
// A file of this repository's own folder for the main job, removed again by the notebook and afterAll.
const probe = path.join("src", "main-job", `watch-probe-${process.pid}.ts`);

afterAll(() => {
  fs.rmSync(path.join(ROOT, probe), { force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const code = (source: string): CodeCell => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null });

function run(name: string, cells: CodeCell[]): { stderr: string; status: number | null; cells: CodeCell[] } {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } },
    cells,
  };
  const input = path.join(work, `${name}.ipynb`);
  const output = path.join(work, `${name}-out.ipynb`);
  writeNotebook(input, nb);
  const result = spawnSync(process.execPath, ["scripts/run-notebook.js", "--no-progress-bar", input, output], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { stderr: result.stderr, status: result.status, cells: readNotebook(output).cells as CodeCell[] };
}

describe("the tslab kernel of this repository", () => {
  it("runs the cells after a file was replaced by rename during a cell", () => {
    const result = run("watch", [
      code('import { setup } from "./src/tutorial/session";\nimport * as fs from "fs";'),
      code(
        `fs.writeFileSync(${JSON.stringify(probe + ".tmp")}, "export const probe = 1;\\n");\n` +
          `fs.renameSync(${JSON.stringify(probe + ".tmp")}, ${JSON.stringify(probe)});\n` +
          "await new Promise((resolve) => setTimeout(resolve, 1500));",
      ),
      code(`fs.unlinkSync(${JSON.stringify(probe)});\nconsole.log("still running: " + typeof setup);`),
    ]);
    expect(result.stderr).not.toContain("rebuildTimer");
    expect(result.status, result.stderr).toBe(0);
    expect(result.cells[2].outputs).toEqual([{ output_type: "stream", name: "stdout", text: "still running: function\n" }]);
  }, 150_000);

  it("delivers every output and idle status of a run that sends thousands of IOPub messages", () => {
    // One stream message per console.log: over 512 in each of the first two cells.
    const lines = 700;
    const result = run("iopub", [
      code(`for (let i = 0; i < ${lines}; i++) console.log("line " + i);`),
      code(`for (let i = 0; i < ${lines}; i++) console.log("line " + i);`),
      code('console.log("after");'),
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("never reported idle");
    const expected = Array.from({ length: lines }, (_, i) => `line ${i}\n`).join("");
    expect(result.cells[0].outputs).toEqual([{ output_type: "stream", name: "stdout", text: expected }]);
    expect(result.cells[1].outputs).toEqual([{ output_type: "stream", name: "stdout", text: expected }]);
    expect(result.cells[2].outputs).toEqual([{ output_type: "stream", name: "stdout", text: "after\n" }]);
  }, 150_000);
});
