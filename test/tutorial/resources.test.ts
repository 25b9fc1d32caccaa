import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ownerAlive, processStartTicks, readState, ResourceTracker } from "../../src/tutorial/resources";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-resources-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const tempDir = () => fs.mkdtempSync(path.join(TMP, "tracker-test-"));

describe("ResourceTracker", () => {
  it("writes every recorded resource to its state file, with what another process needs to clean up", () => {
    const tracker = ResourceTracker.create({ backend: "local", region: "us-east-1", endpoint: "http://127.0.0.1:9" }, tempDir());
    expect(fs.existsSync(tracker.stateFile)).toBe(false);
    tracker.record("Model", "m1");
    tracker.record("Endpoint", "e1");
    tracker.record("Model", "m1");
    const state = readState(tracker.stateFile);
    expect(state).toMatchObject({ version: 1, pid: process.pid, backend: "local", region: "us-east-1", endpoint: "http://127.0.0.1:9" });
    expect(state?.resources.map((r) => `${r.kind}:${r.name}`)).toEqual(["Model:m1", "Endpoint:e1"]);
    expect(tracker.list()).toHaveLength(2);
  });

  it("removes the state file with the last resource (which tells the guard to end)", () => {
    const tracker = ResourceTracker.create({ backend: "aws", region: "eu-west-1" }, tempDir());
    tracker.record("Endpoint", "e");
    tracker.record("Model", "m");
    tracker.forget("Endpoint", "e");
    expect(readState(tracker.stateFile)?.resources.map((r) => r.name)).toEqual(["m"]);
    tracker.forget("Model", "m");
    expect(fs.existsSync(tracker.stateFile)).toBe(false);
    expect(readState(tracker.stateFile)).toBeUndefined();
  });

  it("tells listeners about each new resource", () => {
    const tracker = ResourceTracker.create({ backend: "aws", region: "eu-west-1" }, tempDir());
    const seen: string[] = [];
    tracker.onRecord((r) => seen.push(r.name));
    tracker.record("TrainingJob", "j");
    tracker.record("TrainingJob", "j");
    expect(seen).toEqual(["j"]);
  });

  it("refuses a state file that is not one", () => {
    const file = path.join(tempDir(), "x.json");
    fs.writeFileSync(file, JSON.stringify({ version: 9, resources: [] }));
    expect(() => readState(file)).toThrow(/not a tutorial resource state/);
  });
});

describe("ownerAlive", () => {
  it("is true for this process and false for one that has exited", () => {
    expect(ownerAlive({ pid: process.pid, pidStartTicks: processStartTicks(process.pid) })).toBe(true);
    const child = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    expect(ownerAlive({ pid: Number(child.stdout.trim()) })).toBe(false);
  });

  it("is false when the pid now belongs to a process that started at another time", () => {
    const ticks = processStartTicks(process.pid);
    expect(ticks).toMatch(/^\d+$/);
    expect(ownerAlive({ pid: process.pid, pidStartTicks: String(Number(ticks) + 1) })).toBe(false);
  });
});
