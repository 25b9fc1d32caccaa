/**
 * One fault of the full set (`npm run reliability` injects all): the real
 * background server killed with SIGKILL during a training job while a client
 * keeps writing objects. After the restart nothing acknowledged is lost,
 * nothing partial is visible, no process survived the server, the job ended
 * Failed with a reason, and the endpoint serves again. The fault that needs
 * least: an algorithm process killed while the server lives. And a full disk.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFaults } from "../../src/reliability/faults/run";
import { failures, workspace, type Workspace } from "./helpers";

let ws: Workspace;

beforeAll(async () => {
  ws = await workspace("faults");
});

afterAll(() => ws?.remove());

describe("faults", () => {
  it("kill -9 of the server during a training job loses nothing and leaves nothing running", async () => {
    const figures = await runFaults(path.join(ws.dir, "server-kill"), ws.data, { only: ["server-kill-during-training"] });
    expect(failures(figures.results)).toBe("");
    expect(figures.injected).toBe(1);
    expect(figures.survived).toBe(1);
    expect(figures.objectsAcknowledged).toBeGreaterThanOrEqual(10);
    expect(figures.objectsLost).toBe(0);
    expect(figures.partialObjects).toBe(0);
    expect(figures.orphanProcesses).toBe(0);
  }, 300_000);

  it("kill -9 of a training job's algorithm process fails the job with a reason that names the signal", async () => {
    const figures = await runFaults(path.join(ws.dir, "algorithm-kill"), ws.data, { only: ["algorithm-kill-training"] });
    expect(failures(figures.results)).toBe("");
    expect(figures.results[0].notes.join()).toMatch(/Failed: AlgorithmError: The algorithm was killed by SIGKILL \(exit code 137\)\. See job logs for more information/);
    expect(figures.survived).toBe(1);
  }, 300_000);

  it("a full disk refuses writes with 507, keeps every object, and fails a training job with a reason that names the full disk", async () => {
    const figures = await runFaults(path.join(ws.dir, "full-disk"), ws.data, { only: ["full-disk"] });
    // The fault mounts a small file system: it needs root or CAP_SYS_ADMIN, which CI has. Without them it reports itself skipped, and this fails.
    expect(figures.skipped, JSON.stringify(figures.results[0]?.notes)).toBe(0);
    expect(failures(figures.results)).toBe("");
    expect(figures.results[0].notes.join("\n")).toMatch(/training job on the full disk: Failed: AlgorithmError: The disk is full \(ENOSPC\)/);
    expect(figures.objectsLost).toBe(0);
    expect(figures.partialObjects).toBe(0);
    expect(figures.orphanProcesses).toBe(0);
  }, 300_000);
});
