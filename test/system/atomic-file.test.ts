import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syncFile, writeFileAtomic } from "../../src/system/atomic-file";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "atomic-file-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("creates and replaces a file, leaving no temporary file beside it", () => {
    const file = path.join(dir, "state.json");
    writeFileAtomic(file, '{"v":1}');
    writeFileAtomic(file, Buffer.from('{"v":2}'));
    expect(fs.readFileSync(file, "utf8")).toBe('{"v":2}');
    expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  });

  it("keeps the old content and removes its temporary file when the write fails", () => {
    const file = path.join(dir, "state.json");
    writeFileAtomic(file, "old");
    // A directory in the file's place: the rename fails after the data was written and flushed.
    const blocked = path.join(dir, "blocked");
    fs.mkdirSync(path.join(blocked, "x"), { recursive: true });
    expect(() => writeFileAtomic(blocked, "new")).toThrow();
    expect(fs.readdirSync(dir).sort()).toEqual(["blocked", "state.json"]);
    expect(fs.readFileSync(file, "utf8")).toBe("old");
  });

  it("fails with the system's error when the directory does not exist", () => {
    expect(() => writeFileAtomic(path.join(dir, "missing", "f.json"), "x")).toThrow(/ENOENT/);
  });
});

describe("syncFile", () => {
  it("flushes an existing file and fails with ENOENT for a missing one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-file-"));
    try {
      const file = path.join(dir, "log.jsonl");
      fs.appendFileSync(file, "line\n");
      expect(() => syncFile(file)).not.toThrow();
      expect(() => syncFile(path.join(dir, "missing.jsonl"))).toThrow(/ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
