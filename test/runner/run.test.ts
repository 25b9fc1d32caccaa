/** The CLI on notebooks that succeed: parameters, outputs, papermill's metadata, options. */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, isolatedEnv, joined, readJson, runCli, tempDir, type CliResult } from "./helpers";

describe("run-notebook on a passing notebook with parameters", () => {
  let dir: string;
  let result: CliResult;
  let nb: any;

  beforeAll(async () => {
    dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    result = await runCli(
      [fixture("passing.ipynb"), out, "-p", "epochs", "5", "-r", "name", "007", "-y", "verbose: true", "-p", "mode", "slow", "-p", "extra", "1.5", "--html", path.join(dir, "out.html")],
      { env: isolatedEnv(dir) },
    );
    nb = readJson(out);
  });

  it("exits 0 and logs like papermill", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Input Notebook:  ${fixture("passing.ipynb")}`);
    expect(result.stderr).toContain("Executing notebook with kernel: tslab");
    expect(result.stderr).toContain("Warning: Passed unknown parameter: extra");
  });

  it("injects a type-checked parameters cell right after the parameters cell", () => {
    const tags = nb.cells.map((c: any) => c.metadata.tags);
    expect(tags.slice(0, 3)).toEqual([[], ["parameters"], ["injected-parameters"]]);
    expect(joined(nb.cells[2].source)).toBe('// Parameters\n{\n  verbose = true;\n  epochs = 5;\n  mode = "slow";\n  name = "007";\n}\nlet extra = 1.5;\n');
    expect(nb.cells[2].outputs).toEqual([]);
  });

  it("records outputs: streams, an updated display, HTML, the last expression", () => {
    const outs = nb.cells.slice(3).map((c: any) => c.outputs);
    expect(outs[0]).toEqual([
      { output_type: "stream", name: "stdout", text: ["hello 007, epochs=5, verbose=true, mode=slow\n"] },
      { output_type: "stream", name: "stderr", text: ["a warning on stderr\n"] },
    ]);
    expect(outs[1]).toEqual([
      { output_type: "display_data", data: { "text/plain": ["step 3"] }, metadata: {} },
      { output_type: "display_data", data: { "text/html": ["<table><tr><th>a</th></tr><tr><td>1</td></tr></table>"] }, metadata: {} },
    ]);
    expect(outs[2]).toEqual([{ output_type: "stream", name: "stdout", text: ["50\n"] }]);
    expect(nb.cells.filter((c: any) => c.cell_type === "code").map((c: any) => c.execution_count)).toEqual([1, 2, 3, 4, 5]);
  });

  it("writes papermill's notebook metadata", () => {
    const pm = nb.metadata.papermill;
    expect(pm.parameters).toEqual({ epochs: 5, name: "007", verbose: true, mode: "slow", extra: 1.5 });
    expect(pm.default_parameters.epochs).toEqual({ name: "epochs", inferred_type_name: "number", default: "2", help: "training epochs" });
    expect(pm.default_parameters.mode.inferred_type_name).toBe('"fast" | "slow"');
    expect(pm.input_path).toBe(fixture("passing.ipynb"));
    expect(pm.output_path).toBe(path.join(dir, "out.ipynb"));
    expect(pm.exception).toBe(false);
    expect(pm.version).toMatch(/^run-notebook \d+\.\d+\.\d+/);
    expect(Date.parse(pm.end_time)).toBeGreaterThanOrEqual(Date.parse(pm.start_time));
    expect(pm.duration).toBeCloseTo((Date.parse(pm.end_time) - Date.parse(pm.start_time)) / 1000, 2);
    expect(nb.metadata.language_info.name).toBe("typescript");
    expect(nb.metadata.kernelspec).toEqual({ name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" });
  });

  it("writes per-cell papermill and nbclient timing metadata", () => {
    for (const cell of nb.cells) {
      expect(cell.metadata.papermill.status).toBe("completed");
      expect(cell.metadata.papermill.exception).toBe(false);
      expect(typeof cell.metadata.papermill.duration).toBe("number");
    }
    for (const cell of nb.cells.filter((c: any) => c.cell_type === "code")) {
      const ex = cell.metadata.execution;
      expect(Object.keys(ex).sort()).toEqual(["iopub.status.busy", "iopub.status.idle", "shell.execute_reply"]);
      expect(Date.parse(ex["iopub.status.idle"])).toBeGreaterThanOrEqual(Date.parse(ex["iopub.status.busy"]));
    }
  });

  it("renders the output notebook to HTML on request", () => {
    const html = fs.readFileSync(path.join(dir, "out.html"), "utf8");
    expect(html).toContain("<table><tr><th>a</th></tr><tr><td>1</td></tr></table>");
    expect(html).toContain("hello 007, epochs=5");
  });
});

describe("run-notebook parameters and options", () => {
  it("fails the injected cell when a parameter has the wrong type for its declaration", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("passing.ipynb"), out, "-p", "mode", "medium", "--no-progress-bar"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    const nb = readJson(out);
    const injected = nb.cells.find((c: any) => c.metadata.tags.includes("injected-parameters"));
    expect(injected.outputs[0]).toMatchObject({ output_type: "error", ename: "TSError" });
    expect(injected.outputs[0].evalue).toContain(`Type '"medium"' is not assignable to type '"fast" | "slow"'`);
  });

  it("injects at the top with a warning when the notebook has no parameters cell, echoing outputs with --log-output", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("no-parameters.ipynb"), out, "-p", "answer", "42", "--log-output"], { env: isolatedEnv(dir) });
    expect(result.code, result.stderr).toBe(0);
    // --log-output echoes cell output as it arrives, and turns the progress lines off.
    expect(result.stdout, result.stderr).toBe("answer=42 (number)\n");
    expect(result.stderr).not.toContain("Executing cell");
    expect(result.stderr).toContain("Warning: Input notebook does not contain a cell with tag 'parameters'");
    const nb = readJson(out);
    expect(nb.cells[0].metadata.tags).toEqual(["injected-parameters"]);
    expect(nb.cells[1].outputs[0].text).toEqual(["answer=42 (number)\n"]);
  });

  it("starts the kernel in --cwd (the tslab launcher honours it)", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("imports-local.ipynb"), out, "--cwd", dir], { env: isolatedEnv(dir) });
    const nb = readJson(out);
    // cells[0] and cells[2] are the error marks.
    expect(nb.cells[1].outputs[0].text).toEqual([`${fs.realpathSync(dir)}\n`]);
    // Outside the repository root the notebook's ./test/... import cannot resolve: tslab's rootDir is the cwd.
    expect(result.code).toBe(1);
    expect(nb.cells[3].outputs.at(-1)).toMatchObject({ output_type: "error", ename: "TSError" });
    expect(nb.cells[3].outputs.at(-1).evalue).toContain("Cannot find module './test/fixtures/notebooks/helper'");
  });

  it("writes the parameterized notebook without a kernel with --prepare-only, hiding inputs in report mode", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("passing.ipynb"), out, "-p", "epochs", "9", "--prepare-only", "--report-mode", "-k", "no-such-kernel"], {
      env: isolatedEnv(dir),
    });
    expect(result.code, result.stderr).toBe(0);
    const nb = readJson(out);
    expect(joined(nb.cells[2].source)).toContain("epochs = 9;");
    expect(nb.cells.filter((c: any) => c.cell_type === "code").every((c: any) => c.metadata.jupyter.source_hidden === true)).toBe(true);
    expect(nb.cells.every((c: any) => (c.outputs ?? []).length === 0)).toBe(true);
    expect(nb.metadata.papermill.start_time).toBeNull();
  });

  it("exits 2 with the usage text on a bad command line, before doing anything", async () => {
    const dir = tempDir();
    const result = await runCli([fixture("passing.ipynb")], { env: isolatedEnv(dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: run-notebook [OPTIONS] INPUT.ipynb OUTPUT.ipynb");
    expect(result.stderr).toContain("Error: Missing OUTPUT notebook");
    const bad = await runCli([fixture("passing.ipynb"), path.join(dir, "o.ipynb"), "-p", "bad-name", "1"], { env: isolatedEnv(dir) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'bad-name' is not a valid TypeScript variable name");
    expect(fs.existsSync(path.join(dir, "o.ipynb"))).toBe(false);
  });

  it("exits 1 naming the problem for an unknown kernel or a missing notebook", async () => {
    const dir = tempDir();
    const unknown = await runCli([fixture("passing.ipynb"), path.join(dir, "o.ipynb"), "-k", "no-such-kernel"], { env: isolatedEnv(dir) });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No such kernel named 'no-such-kernel'\. Kernels found: .*tslab/);
    const missing = await runCli([path.join(dir, "missing.ipynb"), path.join(dir, "o.ipynb")], { env: isolatedEnv(dir) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("missing.ipynb: no such file");
  });

  it("prints help", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--execution-timeout SECONDS");
  });
});
