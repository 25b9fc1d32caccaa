/** The suite's own logic: percentiles, message matching, injected notebook copies, damaged RecordIO. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allInjections, NOTEBOOK } from "../../src/reliability/cloud-safety/run";
import { codeCells, INJECTED_MESSAGE, writeInjectedCopy } from "../../src/reliability/cloud-safety/injection";
import { damagedRecordIO, makeTinyDataset } from "../../src/reliability/fixtures";
import { awsMessage, matches } from "../../src/reliability/outcome";
import { latencyFigures } from "../../src/reliability/stats";
import { decodeRecords } from "../../src/formats/recordio";
import { unpackImageRecord } from "../../src/formats/image-record";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reliability-units-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("latency figures", () => {
  it("are nearest-rank percentiles", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyFigures(samples)).toEqual({ p50Ms: 50, p90Ms: 90, p99Ms: 99, maxMs: 100 });
    expect(latencyFigures([7])).toEqual({ p50Ms: 7, p90Ms: 7, p99Ms: 7, maxMs: 7 });
  });
});

describe("expected answers", () => {
  it("accept AWS's message with local detail after it, and nothing else", () => {
    const expected = { status: 400, type: "InvalidBucketName", message: awsMessage("The specified bucket is not valid.") };
    expect(matches(expected, { status: 400, type: "InvalidBucketName", message: "The specified bucket is not valid: too short." })).toBe(true);
    expect(matches(expected, { status: 400, type: "InvalidBucketName", message: "The specified bucket is not valid." })).toBe(true);
    expect(matches(expected, { status: 400, type: "InvalidBucketName", message: "Bucket names must be valid." })).toBe(false);
    expect(matches(expected, { status: 404, type: "InvalidBucketName", message: "The specified bucket is not valid." })).toBe(false);
    expect(matches({ status: 403, type: "AccessDenied" }, { status: 403, type: "AccessDenied", message: "anything" })).toBe(true);
  });
});

describe("injected notebook copies", () => {
  it("end exactly one code cell with a throw and change nothing else", () => {
    const copy = path.join(tmp, "copy.ipynb");
    writeInjectedCopy(NOTEBOOK, 3, copy);
    const original = JSON.parse(fs.readFileSync(NOTEBOOK, "utf8"));
    const injected = JSON.parse(fs.readFileSync(copy, "utf8"));
    const join = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);
    const changed = injected.cells.map((c: { source: string | string[] }, i: number) => join(c.source) !== join(original.cells[i].source));
    expect(changed.filter(Boolean)).toHaveLength(1);
    const third = codeCells(injected)[2].index;
    expect(changed[third]).toBe(true);
    expect(join(injected.cells[third].source)).toContain(`throw new Error("${INJECTED_MESSAGE} at the end of code cell 3")`);
    expect(() => writeInjectedCopy(NOTEBOOK, 99, copy)).toThrow(/no code cell 99/);
  });

  it("cover every code cell but the parameters and the clean-up cell, and four signals", () => {
    const notebook = JSON.parse(fs.readFileSync(NOTEBOOK, "utf8"));
    const cells = codeCells(notebook);
    const injections = allInjections();
    const throws = injections.flatMap((i) => (i.kind === "throw" ? [i.cell] : []));
    expect(throws).toHaveLength(cells.length - 2);
    expect(cells[0].tags).toContain("parameters");
    expect(cells[cells.length - 1].tags).toContain("always-run");
    expect(throws).not.toContain(1);
    expect(throws).not.toContain(cells.length);
    expect(injections.flatMap((i) => (i.kind === "signal" ? [`${i.signal} ${i.to} ${i.once}`] : []))).toEqual([
      "SIGINT runner endpoint",
      "SIGKILL runner endpoint",
      "SIGKILL kernel endpoint",
      "SIGKILL kernel training",
    ]);
  });
});

describe("damaged RecordIO", () => {
  it("relabels every record and keeps the images", async () => {
    const data = await makeTinyDataset(path.join(tmp, "data"));
    const rec = fs.readFileSync(data.trainRec);
    const labels = [...decodeRecords(damagedRecordIO.relabelled(rec, 7))].map((e) => unpackImageRecord(e.data).label);
    expect(labels).toHaveLength(data.numTrainingSamples);
    expect(new Set(labels)).toEqual(new Set([7]));
    expect(() => [...decodeRecords(damagedRecordIO.truncated(rec))]).toThrow(/truncated/);
    expect(() => [...decodeRecords(damagedRecordIO.badMagic(rec))]).toThrow(/magic/);
  });
});
