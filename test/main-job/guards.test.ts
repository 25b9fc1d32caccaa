/**
 * Before stopping a server it started, the main job waits for the guards of
 * dead kernels that still have resources recorded on that server.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { orphanedStateFiles, waitForGuards } from "../../src/main-job/guards";
import { processStartTicks, type ResourceState } from "../../src/tutorial/resources";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "main-job-guards-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ENDPOINT = "http://127.0.0.1:9430";
const deadPid = spawnSync(process.execPath, ["-e", ""]).pid as number;

function stateFile(name: string, over: Partial<ResourceState>): string {
  const state: ResourceState = {
    version: 1,
    pid: deadPid,
    backend: "local",
    region: "us-east-1",
    endpoint: ENDPOINT,
    resources: [{ kind: "Endpoint", name: "ep", createdAt: new Date().toISOString() }],
    ...over,
  };
  const file = path.join(dir, `resources-${name}.json`);
  fs.writeFileSync(file, JSON.stringify(state));
  return file;
}

describe("guards of dead kernels", () => {
  it("finds the state files of dead kernels with resources left on this server, and only those", () => {
    const orphan = stateFile("dead", {});
    stateFile("alive", { pid: process.pid, pidStartTicks: processStartTicks(process.pid) });
    stateFile("other-server", { endpoint: "http://127.0.0.1:1" });
    stateFile("empty", { resources: [] });
    fs.writeFileSync(path.join(dir, "resources-broken.json"), "{");
    fs.writeFileSync(path.join(dir, "resources-dead.json.guard.log"), "log");
    expect(orphanedStateFiles(ENDPOINT, dir)).toEqual([orphan]);
    expect(orphanedStateFiles(ENDPOINT, path.join(dir, "missing"))).toEqual([]);
  });

  it("waits until the guard removed its state file, or gives the files left at the deadline", async () => {
    const orphan = path.join(dir, "resources-dead.json");
    expect(await waitForGuards(ENDPOINT, 300, dir)).toEqual([orphan]);
    setTimeout(() => fs.rmSync(orphan), 400);
    const started = Date.now();
    expect(await waitForGuards(ENDPOINT, 20_000, dir)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
