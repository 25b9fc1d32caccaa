/** run-notebook --check: fresh outputs against the saved ones, with sanitizers and nbval's tags. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, isolatedEnv, readJson, runCli, tempDir } from "./helpers";

const SANITIZERS = fixture("check.sanitize.cfg");

/** A copy of check.ipynb with `edit` applied to its cells, as a user's drifted notebook. */
function editedCopy(dir: string, edit: (cells: any[]) => void): string {
  const nb = readJson(fixture("check.ipynb"));
  edit(nb.cells);
  const file = path.join(dir, "edited.ipynb");
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const byTag = (cells: any[], tag: string) => cells.find((c) => (c.metadata.tags ?? []).includes(tag));

describe("check mode", () => {
  it("matches the saved outputs: volatile values sanitized, nbval-skip not run, expected errors allowed", async () => {
    const dir = tempDir();
    const out = path.join(dir, "fresh.ipynb");
    const result = await runCli(["--check", fixture("check.ipynb"), out, "--sanitize-with", SANITIZERS], { env: isolatedEnv(dir) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("outputs match (5 cell(s) compared, 0 with drift, 1 ignored, 1 skipped)");
    const fresh = readJson(out);
    expect(byTag(fresh.cells, "nbval-skip").outputs).toEqual([]);
    expect(byTag(fresh.cells, "raises-exception").outputs[0].ename).toBe("RangeError");
  });

  it("reports drift with a unified diff and exits 1; a raises-exception cell that does not raise is drift too", async () => {
    const dir = tempDir();
    const input = editedCopy(dir, (cells) => {
      cells[1].outputs[0].text = ["stable text\n", "[ 2, 4, 7 ]\n"];
      byTag(cells, "raises-exception").source = ['console.log("no error");'];
    });
    const result = await runCli(["--check", input, "--sanitize-with", SANITIZERS], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ ${input} cell 1 (In [1]): outputs differ`);
    expect(result.stdout).toContain("--- saved outputs (cell 1)\n+++ fresh outputs (cell 1)\n@@ -1,3 +1,3 @@\n [stdout]\n stable text\n-[ 2, 4, 7 ]\n+[ 2, 4, 6 ]");
    expect(result.stdout).toMatch(/cell 5 \(In \[\d\]\): tagged 'raises-exception' but raised no error/);
    expect(result.stdout).toContain("2 with drift");
  });

  it("counts a value no sanitizer covers as drift (without the sanitizer file)", async () => {
    const dir = tempDir();
    const result = await runCli(["--check", fixture("check.ipynb")], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/-token=TOKEN|-token=\w+\n\+token=\w+/);
    expect(result.stdout).toContain("cell 7");
    expect(result.stdout).toContain("1 with drift");
  });

  it("needs the built-in sanitizers for times, ids and temp paths", async () => {
    const dir = tempDir();
    const result = await runCli(["--check", fixture("check.ipynb"), "--sanitize-with", SANITIZERS, "--no-default-sanitizers"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("cell 2 (In [2]): outputs differ");
    expect(result.stdout).toMatch(/^-run [0-9a-f-]{36} at \d{4}-/m);
  });

  it("compares only nbval-check-output cells in lax mode", async () => {
    const dir = tempDir();
    const input = editedCopy(dir, (cells) => {
      cells[1].outputs[0].text = ["changed but not checked\n"];
      byTag(cells, "nbval-check-output").outputs[1].text = ["changed and checked\n"];
    });
    const result = await runCli(["--check", "--lax", input], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("-changed and checked\n+checked in lax mode");
    expect(result.stdout).not.toContain("changed but not checked");
    expect(result.stdout).toContain("1 cell(s) compared, 1 with drift, 5 ignored, 1 skipped");
  });
});
