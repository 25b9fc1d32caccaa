import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError } from "../../src/formats/errors";
import { RecordIOFile, RecordIOWriter, decodeRecords, encodeRecord, readRecordFile } from "../../src/formats/recordio";
import { SeededRandom } from "../../src/formats/seeded-random";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const MAGIC = "0a23d7ce";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "recordio-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe("encodeRecord (dmlc RecordIOWriter bytes)", () => {
  it("writes magic, lrec and data padded to 4 bytes", () => {
    expect(encodeRecord(Buffer.from("abc"))).toEqual(hex(`${MAGIC} 03000000 616263 00`));
    expect(encodeRecord(Buffer.from("abcd"))).toEqual(hex(`${MAGIC} 04000000 61626364`));
    expect(encodeRecord(Buffer.alloc(0))).toEqual(hex(`${MAGIC} 00000000`));
  });

  it("splits a record at the magic found at an aligned offset and drops the magic", () => {
    const data = hex(`01020304 ${MAGIC} 0506`);
    // part 1: cflag 1, length 4 -> lrec 0x20000004; last part: cflag 3, length 2 -> 0x60000002, padded by 12-10 bytes
    expect(encodeRecord(data)).toEqual(hex(`${MAGIC} 04000020 01020304  ${MAGIC} 02000060 0506 0000`));
  });

  it("splits at offset 0, uses middle parts for several magics, and leaves unaligned magics alone", () => {
    expect(encodeRecord(hex(`${MAGIC} 09`))).toEqual(hex(`${MAGIC} 00000020  ${MAGIC} 01000060 09000000`));
    expect(encodeRecord(hex(`${MAGIC}${MAGIC}`))).toEqual(hex(`${MAGIC} 00000020  ${MAGIC} 00000040  ${MAGIC} 00000060`));
    expect(encodeRecord(hex(`01${MAGIC}020304`))).toEqual(hex(`${MAGIC} 08000000 01${MAGIC}020304`));
  });
});

describe("decodeRecords", () => {
  it("reassembles split records and reports record numbers and offsets", () => {
    const file = Buffer.concat([encodeRecord(Buffer.from("abc")), encodeRecord(hex(`01020304 ${MAGIC} 0506`)), encodeRecord(hex(`${MAGIC}${MAGIC}`))]);
    const records = [...decodeRecords(file)];
    expect(records.map((r) => [r.index, r.offset, r.data.toString("hex")])).toEqual([
      [0, 0, "616263"],
      [1, 12, `01020304${MAGIC}0506`],
      [2, 36, `${MAGIC}${MAGIC}`],
    ]);
  });

  it("round-trips random records, including ones with aligned magics", () => {
    const rng = new SeededRandom(7);
    const originals = Array.from({ length: 50 }, () => {
      const b = Buffer.from(Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 255)));
      for (let i = 0; i + 4 <= b.length; i += 4) if (rng.next() < 0.2) hex(MAGIC).copy(b, i);
      return b;
    });
    const file = Buffer.concat(originals.map((b) => encodeRecord(b)));
    expect([...decodeRecords(file)].map((r) => r.data)).toEqual(originals);
  });

  it("names the record and byte offset of a bad magic", () => {
    const file = Buffer.concat([encodeRecord(Buffer.from("abc")), hex("deadbeef 00000000")]);
    expect(() => [...decodeRecords(file, "x.rec")]).toThrow(
      "Invalid RecordIO data in x.rec: record 1 (starting at byte offset 12, part at 12): found 0xefbeadde where the RecordIO magic 0xced7230a should be",
    );
  });

  it("names the record of a truncated file", () => {
    const file = Buffer.concat([encodeRecord(Buffer.from("abc")), encodeRecord(Buffer.from("hello world"))]);
    expect(() => [...decodeRecords(file.subarray(0, file.length - 3))]).toThrow(/record 1 \(starting at byte offset 12.*truncated: 20 bytes needed but only 17 remain/);
    expect(() => [...decodeRecords(file.subarray(0, 16))]).toThrow(/record 1 .*truncated: 8 bytes needed but only 4 remain/);
    const err = (() => {
      try {
        [...decodeRecords(file.subarray(0, 16))];
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FormatError);
  });

  it("rejects broken part sequences", () => {
    const split = encodeRecord(hex(`01020304 ${MAGIC} 0506`));
    expect(() => [...decodeRecords(split.subarray(0, 12))]).toThrow("the file ends inside a multi-part record");
    expect(() => [...decodeRecords(split.subarray(12))]).toThrow("a continuation part without a first part");
    expect(() => [...decodeRecords(Buffer.concat([split.subarray(0, 12), encodeRecord(Buffer.from("x"))]))]).toThrow(
      "a new record starts before the previous multi-part record ended",
    );
    expect(() => [...decodeRecords(hex(`${MAGIC} 000000e0`))]).toThrow("invalid continuation flag 7");
  });
});

describe("RecordIOWriter, readRecordFile and RecordIOFile", () => {
  const rng = new SeededRandom(11);
  const originals = Array.from({ length: 30 }, (_, i) => {
    const b = Buffer.from(Array.from({ length: 1 + rng.int(0, 3000) }, () => rng.int(0, 255)));
    if (i % 3 === 0 && b.length >= 8) hex(MAGIC).copy(b, 4);
    return b;
  });
  const file = path.join(tmp, "random.rec");
  const offsets: number[] = [];
  const writer = new RecordIOWriter(file);
  for (const b of originals) offsets.push(writer.write(b));
  writer.close();

  it("writes the same bytes as encodeRecord and returns each record's offset", () => {
    const all = Buffer.concat(originals.map((b) => encodeRecord(b)));
    expect(fs.readFileSync(file)).toEqual(all);
    expect([...decodeRecords(all)].map((r) => r.offset)).toEqual(offsets);
  });

  it("streams records with a window smaller than a record", async () => {
    for (const chunk of [5, 64, 4096, 1 << 20]) {
      const records = await collect(readRecordFile(file, chunk));
      expect(records.map((r) => r.data)).toEqual(originals);
      expect(records.map((r) => r.offset)).toEqual(offsets);
    }
  });

  it("reports damage found while streaming with the file name and offset", async () => {
    const broken = path.join(tmp, "broken.rec");
    const bytes = fs.readFileSync(file);
    bytes.writeUInt32LE(0x12345678, offsets[4]);
    fs.writeFileSync(broken, bytes);
    await expect(collect(readRecordFile(broken, 100))).rejects.toThrow(`Invalid RecordIO data in ${broken}: record 4 (starting at byte offset ${offsets[4]}`);
    fs.writeFileSync(broken, fs.readFileSync(file).subarray(0, offsets[7] + 10));
    await expect(collect(readRecordFile(broken))).rejects.toThrow(/record 7 .*truncated/);
  });

  it("reads any record by number", async () => {
    const f = await RecordIOFile.open(file);
    try {
      expect(f.count).toBe(originals.length);
      expect(f.locations.map((l) => l.offset)).toEqual(offsets);
      for (const i of [29, 0, 3, 17]) expect(await f.read(i)).toEqual(originals[i]);
      await expect(f.read(30)).rejects.toThrow("has 30 records; there is no record 30");
    } finally {
      await f.close();
    }
  });
});
