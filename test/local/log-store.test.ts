/**
 * The local CloudWatch Logs store appends events without flushing each one;
 * flush() makes everything appended so far durable. syncFile is observed
 * here (the fsync itself cannot be seen from a test); the files are real.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LogStore } from "../../src/local/logs/log-store";

// vi.mock is hoisted above the imports; its factory reads these through vi.hoisted.
const state = vi.hoisted(() => ({ synced: [] as string[], failWith: undefined as string | undefined }));
vi.mock("../../src/system/atomic-file", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/system/atomic-file")>();
  return {
    ...real,
    syncFile: (file: string) => {
      if (state.failWith) throw Object.assign(new Error(`${state.failWith}: simulated`), { code: state.failWith });
      real.syncFile(file);
      state.synced.push(file);
    },
  };
});

describe("LogStore.flush", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "log-store-"));
    state.synced.length = 0;
    state.failWith = undefined;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const eventFiles = () =>
    fs
      .readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".events.jsonl"))
      .map((f) => path.join(dir, f))
      .sort();

  it("flushes each stream appended to since the last flush, once", () => {
    const store = new LogStore(dir);
    store.append("/aws/sagemaker/TrainingJobs", "job/algo-1", "line 1");
    store.append("/aws/sagemaker/TrainingJobs", "job/algo-1", "line 2");
    store.append("/aws/sagemaker/TransformJobs", "job/data-log", "line 3");
    store.flush();
    expect(state.synced.sort()).toEqual(eventFiles());
    expect(state.synced).toHaveLength(2);

    state.synced.length = 0;
    store.flush();
    expect(state.synced).toEqual([]);

    store.append("/aws/sagemaker/TrainingJobs", "job/algo-1", "line 4");
    store.flush();
    expect(state.synced).toHaveLength(1);
    // What was flushed reads back in a fresh store, as after a restart.
    const events = new LogStore(dir).group("/aws/sagemaker/TrainingJobs")!.streams.get("job/algo-1")!.events.map((e) => e.message);
    expect(events).toEqual(["line 1", "line 2", "line 4"]);
  });

  it("keeps a file that could not be flushed for the next flush, and does not throw", () => {
    const store = new LogStore(dir);
    store.append("g", "s", "line");
    state.failWith = "EIO";
    expect(() => store.flush()).not.toThrow();
    expect(state.synced).toEqual([]);
    state.failWith = undefined;
    store.flush();
    expect(state.synced).toEqual(eventFiles());
  });

  it("forgets a file that is gone", () => {
    const store = new LogStore(dir);
    store.append("g", "s", "line");
    // Really removed: the real syncFile fails with ENOENT.
    const [file] = eventFiles();
    fs.rmSync(file);
    expect(() => store.flush()).not.toThrow();
    // Were it still pending, the next flush would sync it now that it exists again.
    fs.writeFileSync(file, "");
    store.flush();
    expect(state.synced).toEqual([]);
  });
});
