/**
 * The local CloudWatch Logs store appends events without flushing each one;
 * flush() makes everything appended so far durable. syncFile is observed
 * here (the fsync itself cannot be seen from a test); the files are real.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const synced: string[] = [];
let failWith: string | undefined;
vi.mock("../../src/system/atomic-file", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/system/atomic-file")>();
  return {
    ...real,
    syncFile: (file: string) => {
      if (failWith) throw Object.assign(new Error(`${failWith}: simulated`), { code: failWith });
      real.syncFile(file);
      synced.push(file);
    },
  };
});

const { LogStore } = await import("../../src/local/logs/log-store");

describe("LogStore.flush", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "log-store-"));
    synced.length = 0;
    failWith = undefined;
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
    expect(synced.sort()).toEqual(eventFiles());
    expect(synced).toHaveLength(2);

    synced.length = 0;
    store.flush();
    expect(synced).toEqual([]);

    store.append("/aws/sagemaker/TrainingJobs", "job/algo-1", "line 4");
    store.flush();
    expect(synced).toHaveLength(1);
    // What was flushed reads back in a fresh store, as after a restart.
    const events = new LogStore(dir).group("/aws/sagemaker/TrainingJobs")!.streams.get("job/algo-1")!.events.map((e) => e.message);
    expect(events).toEqual(["line 1", "line 2", "line 4"]);
  });

  it("keeps a file that could not be flushed for the next flush, and does not throw", () => {
    const store = new LogStore(dir);
    store.append("g", "s", "line");
    failWith = "EIO";
    expect(() => store.flush()).not.toThrow();
    expect(synced).toEqual([]);
    failWith = undefined;
    store.flush();
    expect(synced).toEqual(eventFiles());
  });

  it("forgets a file that is gone", () => {
    const store = new LogStore(dir);
    store.append("g", "s", "line");
    failWith = "ENOENT";
    store.flush();
    failWith = undefined;
    store.flush();
    expect(synced).toEqual([]);
  });
});
