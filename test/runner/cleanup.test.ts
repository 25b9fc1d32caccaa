/** Nothing is left running: the kernel and the processes its cells started go, however the run ends. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, isAlive, isolatedEnv, readJson, runCli, startCli, tempDir, waitFor } from "./helpers";

function pids(file: string): { kernel: number; child: number } {
  const [kernel, child] = fs.readFileSync(file, "utf8").trim().split(" ").map(Number);
  return { kernel, child };
}

describe("process clean-up", () => {
  it("after a normal run", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pids");
    const result = await runCli([fixture("spawns-child.ipynb"), path.join(dir, "out.ipynb")], { env: isolatedEnv(dir, { RUN_NOTEBOOK_PIDFILE: pidFile }) });
    expect(result.code, result.stderr).toBe(0);
    const { kernel, child } = pids(pidFile);
    expect(isAlive(kernel)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it("after a failing cell", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pids");
    const result = await runCli([fixture("spawns-then-fails.ipynb"), path.join(dir, "out.ipynb")], { env: isolatedEnv(dir, { RUN_NOTEBOOK_PIDFILE: pidFile }) });
    expect(result.code).toBe(1);
    const { kernel, child } = pids(pidFile);
    expect(isAlive(kernel)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("after %s to the runner: the notebook is written with the interrupted cell marked", async (signal, code) => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pids");
    const out = path.join(dir, "out.ipynb");
    const run = startCli([fixture("spawns-child.ipynb"), out], { env: isolatedEnv(dir, { RUN_NOTEBOOK_PIDFILE: pidFile, RUN_NOTEBOOK_HOLD_MS: "60000" }) });
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").includes(" "), 30_000, "the notebook to start its child");
    const { kernel, child } = pids(pidFile);
    expect(isAlive(child)).toBe(true);
    // Let the runner send the second cell, which holds.
    await waitFor(() => readJson(out).cells.some((c: any) => c.metadata.papermill?.status === "running" || c.outputs?.length), 10_000, "progress");
    run.kill(signal);
    const result = await run.done;
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(`Received ${signal}`);
    expect(isAlive(kernel)).toBe(false);
    expect(isAlive(child)).toBe(false);
    const nb = readJson(out);
    const interrupted = nb.cells.find((c: any) => c.outputs?.some((o: any) => o.ename === "KeyboardInterrupt"));
    expect(interrupted.metadata.papermill.status).toBe("failed");
    expect(nb.cells[0].metadata.tags).toEqual(["papermill-error-cell-tag"]);
  });

  it("after the runner is killed outright (SIGKILL): the kernel follows its parent and stops its group", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pids");
    const run = startCli([fixture("spawns-child.ipynb"), path.join(dir, "out.ipynb")], {
      env: isolatedEnv(dir, { RUN_NOTEBOOK_PIDFILE: pidFile, RUN_NOTEBOOK_HOLD_MS: "60000" }),
    });
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").includes(" "), 30_000, "the notebook to start its child");
    const { kernel, child } = pids(pidFile);
    const connectionFile = fs.readFileSync(`/proc/${kernel}/cmdline`, "utf8").split("\0").filter(Boolean).at(-1) as string;
    expect(fs.existsSync(connectionFile)).toBe(true);
    run.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    await waitFor(() => !isAlive(kernel) && !isAlive(child), 10_000, "the orphaned kernel and its child to stop");
    // The runner could not remove its connection file; the kernel did.
    expect(fs.existsSync(path.dirname(connectionFile))).toBe(false);
  });
});
