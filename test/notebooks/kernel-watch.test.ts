/**
 * The tslab kernel keeps running cells when source files change under src/
 * while a cell runs, as they do when an editor, git or npm replaces a file
 * (write a temporary file, rename it over). tslab's compiler host would fail
 * every later cell with "Unexpected pending rebuildTimer"; the repository's
 * kernel launcher (scripts/tslab-kernel.js) turns off the directory watchers
 * behind that.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readNotebook, writeNotebook, type CodeCell, type Notebook } from "../../src/runner/notebook";

const ROOT = path.join(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-watch-"));
// A file of this repository's own folder for the main job, removed again by the notebook and afterAll.
const probe = path.join("src", "main-job", `watch-probe-${process.pid}.ts`);

afterAll(() => {
  fs.rmSync(path.join(ROOT, probe), { force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const code = (source: string): CodeCell => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null });

describe("the tslab kernel while files under src/ change", () => {
  it("runs the cells after a file was replaced by rename during a cell", () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } },
      cells: [
        code('import { setup } from "./src/tutorial/session";\nimport * as fs from "fs";'),
        code(
          `fs.writeFileSync(${JSON.stringify(probe + ".tmp")}, "export const probe = 1;\\n");\n` +
            `fs.renameSync(${JSON.stringify(probe + ".tmp")}, ${JSON.stringify(probe)});\n` +
            "await new Promise((resolve) => setTimeout(resolve, 1500));",
        ),
        code(`fs.unlinkSync(${JSON.stringify(probe)});\nconsole.log("still running: " + typeof setup);`),
      ],
    };
    const input = path.join(work, "watch.ipynb");
    const output = path.join(work, "watch-out.ipynb");
    writeNotebook(input, nb);
    const run = spawnSync(process.execPath, ["scripts/run-notebook.js", "--no-progress-bar", input, output], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).not.toContain("rebuildTimer");
    expect(run.status, run.stderr).toBe(0);
    const last = readNotebook(output).cells[2] as CodeCell;
    expect(last.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "still running: function\n" }]);
  }, 150_000);
});
