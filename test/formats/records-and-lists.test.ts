import { describe, expect, it } from "vitest";
import { formatIdx, parseIdx } from "../../src/formats/idx";
import { packImageRecord, unpackImageRecord } from "../../src/formats/image-record";
import { formatLst, parseLst } from "../../src/formats/lst";
import { decodeSafetensors, encodeSafetensors } from "../../src/formats/safetensors";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("image records (IRHeader)", () => {
  it("packs a single label like struct.pack('IfQQ', 0, 7.0, 5, 0)", () => {
    const rec = packImageRecord({ label: 7, id: 5 }, Buffer.from("JPG"));
    expect(rec).toEqual(hex("00000000 0000e040 0500000000000000 0000000000000000 4a5047"));
    const back = unpackImageRecord(rec);
    expect(back.label).toBe(7);
    expect(back.labels).toBeNull();
    expect(back.id).toBe(5);
    expect(back.id2).toBe(0);
    expect(back.image.toString()).toBe("JPG");
  });

  it("packs several labels as flag = count, label 0, floats before the image", () => {
    const rec = packImageRecord({ label: [1, 0, 1], id: 300, id2: 2 }, Buffer.from([0xff, 0xd8]));
    expect(rec).toEqual(hex("03000000 00000000 2c01000000000000 0200000000000000 0000803f 00000000 0000803f ffd8"));
    const back = unpackImageRecord(rec);
    expect(Array.from(back.labels!)).toEqual([1, 0, 1]);
    expect(back.label).toBe(0);
    expect(back.id).toBe(300);
    expect(back.id2).toBe(2);
    expect(back.image).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it("names the record when the header is short or announces too many labels", () => {
    expect(() => unpackImageRecord(Buffer.alloc(10), "train.rec record 3")).toThrow("train.rec record 3: 10 bytes is too short for an image record header (24 bytes)");
    const bad = packImageRecord({ label: 1, id: 0 }, Buffer.alloc(0));
    bad.writeUInt32LE(5, 0);
    expect(() => unpackImageRecord(bad, "record 9")).toThrow("record 9: the header announces 5 labels but the record has only 24 bytes");
  });
});

describe(".lst files", () => {
  it("writes labels as %f, tab-separated, like im2rec.py's write_list", () => {
    expect(
      formatLst([
        { index: 5, labels: [1], path: "your_image_directory/train_img_dog1.jpg" },
        { index: 6, labels: [0, 1, 1], path: "b.png" },
      ]),
    ).toBe("5\t1.000000\tyour_image_directory/train_img_dog1.jpg\n6\t0.000000\t1.000000\t1.000000\tb.png\n");
  });

  it("parses single- and multi-label lists, integer or %f labels, CRLF and blank lines", () => {
    expect(parseLst("5\t1\ta/b.jpg\r\n\n6\t0.000000\t1.000000\tc d.png\n")).toEqual([
      { index: 5, labels: [1], path: "a/b.jpg" },
      { index: 6, labels: [0, 1], path: "c d.png" },
    ]);
  });

  it.each([
    ["1 2 a.jpg\n", "x.lst line 1: expected at least 3 tab-separated columns"],
    ["1\t2\ta.jpg\nx\t2\tb.jpg\n", 'x.lst line 2: the image index "x" is not a non-negative integer'],
    ["1\tcat\ta.jpg\n", 'x.lst line 1: the label "cat" is not a number'],
    ["1\t2\t\n", "x.lst line 1: the image path (last column) is empty"],
    ["1\t2\ta.jpg\n1\t3\tb.jpg\n", "x.lst line 2: image index 1 is already used on line 1"],
  ])("rejects %j", (text, message) => {
    expect(() => parseLst(text, "x.lst")).toThrow(message);
  });
});

describe(".idx files", () => {
  it("writes and reads key<TAB>offset lines", () => {
    const text = formatIdx([
      { key: 0, offset: 0 },
      { key: 7, offset: 16 },
    ]);
    expect(text).toBe("0\t0\n7\t16\n");
    expect(parseIdx(text)).toEqual([
      { key: 0, offset: 0 },
      { key: 7, offset: 16 },
    ]);
    expect(() => parseIdx("0\t0\nx 3\n", "a.idx")).toThrow('a.idx line 2: expected "<key>\\t<byte offset>"');
  });
});

describe("safetensors", () => {
  it("writes the documented layout", () => {
    const bytes = encodeSafetensors({ w: { shape: [2], data: Float32Array.of(1, -2) } }, { format: "pt" });
    const json = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = json + " ".repeat((8 - (json.length % 8)) % 8);
    expect(bytes.readBigUInt64LE(0)).toBe(BigInt(padded.length));
    expect(bytes.subarray(8, 8 + padded.length).toString()).toBe(padded);
    expect(bytes.subarray(8 + padded.length)).toEqual(hex("0000803f 000000c0"));
  });

  it("round-trips tensors and metadata", () => {
    const tensors = {
      "conv0.weight": { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) },
      "fc.bias": { shape: [3], data: Float32Array.of(0.5, 0, -1) },
      scalar: { shape: [], data: Float32Array.of(3) },
    };
    const back = decodeSafetensors(encodeSafetensors(tensors, { epoch: "3" }));
    expect(back.metadata).toEqual({ epoch: "3" });
    expect(back.tensors).toEqual(tensors);
  });

  it("rejects mismatched shapes and damaged files", () => {
    expect(() => encodeSafetensors({ a: { shape: [3], data: new Float32Array(2) } })).toThrow("Tensor a: shape [3] holds 3 values but the data has 2");
    const good = encodeSafetensors({ a: { shape: [4], data: new Float32Array(4) } });
    expect(() => decodeSafetensors(good.subarray(0, 4), "m.params")).toThrow("m.params: only 4 bytes");
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4), "m.params")).toThrow("m.params: tensor a lies at bytes 0-16 but the data section has 12 bytes");
    const f16 = Buffer.from(good);
    f16.write('"F16"', f16.indexOf('"F32"'));
    expect(() => decodeSafetensors(f16)).toThrow('tensor a has dtype "F16"; only F32 is supported');
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(1000n, 0);
    expect(() => decodeSafetensors(huge)).toThrow("the header length 1000 exceeds");
  });
});
