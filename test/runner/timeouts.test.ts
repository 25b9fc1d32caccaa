/** Start and per-cell timeouts: clear failures, interrupted kernels, nothing left running. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, isAlive, isolatedEnv, readJson, runCli, tempDir } from "./helpers";

function fakeKernel(dir: string, name: string, script: string): void {
  const kernelDir = path.join(dir, "jupyter-path", "kernels", name);
  fs.mkdirSync(kernelDir, { recursive: true });
  const spec = { argv: [process.execPath, "-e", script, "{connection_file}"], display_name: `Fake ${name}`, language: "none" };
  fs.writeFileSync(path.join(kernelDir, "kernel.json"), JSON.stringify(spec));
}

describe("execution timeout", () => {
  it("interrupts a cell awaiting forever, fails it with CellTimeoutError, then runs always-run cells", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("slow.ipynb"), out, "--execution-timeout", "2"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("CellTimeoutError: A cell timed out while it was being executed, after 2 seconds.");
    const nb = readJson(out);
    const slow = nb.cells[3];
    expect(slow.outputs).toHaveLength(1);
    expect(slow.outputs[0]).toMatchObject({ output_type: "error", ename: "CellTimeoutError" });
    expect(slow.outputs[0].traceback).toContain("Error: Interrupted asynchronously");
    expect(slow.metadata.papermill.status).toBe("failed");
    // The kernel survived the interrupt, so the clean-up cell ran.
    expect(nb.cells[4].outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["after the slow cell\n"] }]);
  });

  it("interrupts synchronous code too (a busy loop)", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("busy-loop.ipynb"), out, "--execution-timeout", "1"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    const error = readJson(out).cells[2].outputs.at(-1);
    expect(error).toMatchObject({ ename: "CellTimeoutError", evalue: "A cell timed out while it was being executed, after 1 seconds." });
    expect(error.traceback.join("\n")).toContain("Script execution was interrupted by `SIGINT`");
  });

  it("stops a kernel that ignores the interrupt, with everything it started", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.ipynb");
    const pidFile = path.join(dir, "sleep.pid");
    const result = await runCli([fixture("unresponsive.ipynb"), out, "--execution-timeout", "1"], { env: isolatedEnv(dir, { RUN_NOTEBOOK_PIDFILE: pidFile }) });
    expect(result.code).toBe(1);
    expect(isAlive(Number(fs.readFileSync(pidFile, "utf8")))).toBe(false);
    expect(result.stderr).toContain("The kernel ignored the interrupt and was stopped.");
    expect(result.stderr).toContain("tagged 'always-run' were not run: the kernel is gone");
    const nb = readJson(out);
    expect(nb.cells[2].outputs.at(-1).ename).toBe("CellTimeoutError");
    expect(nb.cells[3].metadata.papermill.status).toBe("pending");
  });
});

describe("kernel start", () => {
  it("fails clearly when the kernel never answers, and stops it", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "fake.pid");
    fakeKernel(dir, "silent", "require('fs').writeFileSync(process.env.FAKE_PIDFILE, String(process.pid)); setInterval(() => {}, 1000);");
    const result = await runCli([fixture("passing.ipynb"), path.join(dir, "out.ipynb"), "-k", "silent", "--start-timeout", "1.5"], {
      env: isolatedEnv(dir, { FAKE_PIDFILE: pidFile }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Kernel 'silent' did not become ready within 1.5 s (no kernel_info_reply). Raise --start-timeout");
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    expect(isAlive(pid)).toBe(false);
    const nb = readJson(path.join(dir, "out.ipynb"));
    expect(nb.metadata.papermill.exception).toBe(true);
  });

  it("reports a kernel that exits while starting, with what it printed", async () => {
    const dir = tempDir();
    fakeKernel(dir, "crashing", "console.error('cannot bind the shell port'); process.exit(7);");
    const result = await runCli([fixture("passing.ipynb"), path.join(dir, "out.ipynb"), "-k", "crashing"], { env: isolatedEnv(dir) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Kernel 'crashing' exited while starting (exit code 7).");
    expect(result.stderr).toContain("cannot bind the shell port");
  });
});
