import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeImage, listImages, packRecordFile, writeLists } from "../../src/formats/im2rec";
import { parseIdx } from "../../src/formats/idx";
import { unpackImageRecord } from "../../src/formats/image-record";
import { parseLst } from "../../src/formats/lst";
import { RecordIOFile } from "../../src/formats/recordio";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "im2rec-test-"));
const root = path.join(tmp, "images");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function image(file: string, width: number, height: number, color: string, format: "png" | "jpeg" = "png"): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp({ create: { width, height, channels: 3, background: color } });
  await (format === "png" ? img.png() : img.jpeg()).toFile(file);
}

beforeAll(async () => {
  await image(path.join(root, "b_cat", "1.png"), 40, 30, "#ff0000");
  await image(path.join(root, "b_cat", "2.jpg"), 30, 50, "#ff8000", "jpeg");
  await image(path.join(root, "b_cat", "3.PNG"), 25, 25, "#ff0080");
  await image(path.join(root, "a_dog", "x.png"), 60, 20, "#0000ff");
  await image(path.join(root, "a_dog", "y.jpeg"), 20, 60, "#0080ff", "jpeg");
  fs.writeFileSync(path.join(root, "a_dog", "notes.txt"), "not an image");
  await image(path.join(root, "top.png"), 32, 32, "#00ff00");
  fs.mkdirSync(path.join(root, "empty"));
});

describe("listImages", () => {
  it("gives each folder holding images a label in sorted walk order, like im2rec.py --recursive", () => {
    const { items, classes } = listImages(root, { recursive: true });
    expect(classes).toEqual([".", "a_dog", "b_cat"]);
    expect(items).toEqual([
      { index: 0, labels: [0], path: "top.png" },
      { index: 1, labels: [1], path: "a_dog/x.png" },
      { index: 2, labels: [1], path: "a_dog/y.jpeg" },
      { index: 3, labels: [2], path: "b_cat/1.png" },
      { index: 4, labels: [2], path: "b_cat/2.jpg" },
      { index: 5, labels: [2], path: "b_cat/3.PNG" },
    ]);
  });

  it("lists only the root's own images without --recursive, and honours extensions", () => {
    expect(listImages(root).items).toEqual([{ index: 0, labels: [0], path: "top.png" }]);
    expect(listImages(path.join(root, "b_cat"), { exts: [".jpg"] }).items.map((i) => i.path)).toEqual(["2.jpg"]);
    expect(() => listImages(path.join(root, "missing"))).toThrow("is not a directory");
  });
});

describe("writeLists", () => {
  const items = () => listImages(root, { recursive: true }).items;

  it("shuffles deterministically and splits into train/val/test", () => {
    const prefix = path.join(tmp, "split");
    const files = writeLists(prefix, items(), { trainRatio: 0.5, testRatio: 0.2, seed: 3 });
    expect(files.map((f) => path.basename(f))).toEqual(["split_test.lst", "split_val.lst", "split_train.lst"]);
    const parts = files.map((f) => parseLst(fs.readFileSync(f, "utf8")));
    expect(parts.map((p) => p.length)).toEqual([1, 2, 3]);
    expect(parts.flat().map((i) => i.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const again = writeLists(path.join(tmp, "split2"), items(), { trainRatio: 0.5, testRatio: 0.2, seed: 3 });
    expect(again.map((f) => fs.readFileSync(f, "utf8"))).toEqual(files.map((f) => fs.readFileSync(f, "utf8")));
    expect(fs.readdirSync(tmp).filter((f) => f.includes("partial"))).toEqual([]);
  });

  it("keeps the order without shuffling and refuses impossible ratios", () => {
    const [file] = writeLists(path.join(tmp, "ordered"), items(), { shuffle: false });
    expect(fs.readFileSync(file, "utf8").split("\n")[1]).toBe("1\t1.000000\ta_dog/x.png");
    expect(() => writeLists(path.join(tmp, "bad"), items(), { trainRatio: 0.8, testRatio: 0.5 })).toThrow("must be fractions that add up to at most 1");
  });
});

describe("encodeImage and packRecordFile", () => {
  it("resizes the shorter side like im2rec.py (integer division for the longer side)", async () => {
    const bytes = fs.readFileSync(path.join(root, "a_dog", "x.png")); // 60x20
    const meta = await sharp(await encodeImage(bytes, { resize: 10 })).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(["jpeg", 30, 10, 3]);
    const tall = await sharp(await encodeImage(fs.readFileSync(path.join(root, "b_cat", "2.jpg")), { resize: 7, encoding: ".png" })).metadata();
    expect([tall.format, tall.width, tall.height]).toEqual(["png", 7, 11]); // 50*7/30 = 11.67 -> 11
    const square = await sharp(await encodeImage(bytes, { centerCrop: true, resize: 8 })).metadata();
    expect([square.width, square.height]).toEqual([8, 8]);
    await expect(encodeImage(Buffer.from("not an image"))).rejects.toThrow();
  });

  it("packs a list into .rec + .idx in list order with im2rec's header layout", async () => {
    const items = parseLst("7\t2.000000\tb_cat/1.png\n3\t1.000000\ta_dog/y.jpeg\n9\t0.000000\ttop.png\n");
    const result = await packRecordFile(items, root, path.join(tmp, "packed"), { resize: 16 });
    expect(result.count).toBe(3);
    const idx = parseIdx(fs.readFileSync(result.idxPath, "utf8"));
    const rec = await RecordIOFile.open(result.recPath);
    try {
      expect(idx).toEqual(rec.locations.map((l, i) => ({ key: items[i].index, offset: l.offset })));
      const decoded = [];
      for (let i = 0; i < rec.count; i++) {
        const r = unpackImageRecord(await rec.read(i));
        const meta = await sharp(r.image).metadata();
        decoded.push([r.id, r.label, r.labels, meta.width, meta.height]);
      }
      expect(decoded).toEqual([
        [7, 2, null, 21, 16],
        [3, 1, null, 16, 48],
        [9, 0, null, 16, 16],
      ]);
    } finally {
      await rec.close();
    }
  });

  it("packs all label columns with packLabel, otherwise the first one", async () => {
    const items = parseLst("0\t1\t0\t1\ttop.png\n");
    const multi = await packRecordFile(items, root, path.join(tmp, "multi"), { packLabel: true, passThrough: true });
    const single = await packRecordFile(items, root, path.join(tmp, "single"), { passThrough: true });
    const read = async (file: string) => {
      const f = await RecordIOFile.open(file);
      const r = unpackImageRecord(await f.read(0));
      await f.close();
      return r;
    };
    const m = await read(multi.recPath);
    expect(Array.from(m.labels!)).toEqual([1, 0, 1]);
    expect(m.image).toEqual(fs.readFileSync(path.join(root, "top.png")));
    const s = await read(single.recPath);
    expect([s.label, s.labels]).toEqual([1, null]);
  });

  it("names a missing or broken image and leaves no output behind", async () => {
    const out = path.join(tmp, "broken");
    await expect(packRecordFile(parseLst("0\t0\ttop.png\n1\t0\tnope.png\n"), root, out)).rejects.toThrow(/^Image 1 \(nope.png\): cannot read/);
    await expect(packRecordFile(parseLst("4\t0\ta_dog/notes.txt\n"), root, out)).rejects.toThrow("Image 4 (a_dog/notes.txt) is not a decodable image");
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("broken"))).toEqual([]);
  });
});

describe("scripts/im2rec.ts", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "../../scripts/im2rec.ts"), ...args], { encoding: "utf8" });

  it("prints its usage on bad arguments and exits 2", () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("im2rec: expected <prefix> and <root>, got 0 argument(s).");
    expect(r.stderr).toContain("Usage: npm run im2rec -- <prefix> <root> [options]");
    const bad = run(path.join(tmp, "cli"), root, "--resize", "abc");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--resize: invalid value "abc"');
    expect(run(path.join(tmp, "nothing-here"), root).stderr).toContain("no .lst files match");
  });

  it("lists and packs a folder of class subfolders", () => {
    const prefix = path.join(tmp, "cli", "shapes");
    fs.mkdirSync(path.dirname(prefix), { recursive: true });
    const r = run(prefix, root, "--list", "--recursive", "--pack", "--train-ratio", "0.5", "--resize", "12");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("a_dog 1");
    expect(fs.readdirSync(path.dirname(prefix)).sort()).toEqual(["shapes_train.idx", "shapes_train.lst", "shapes_train.rec", "shapes_val.idx", "shapes_val.lst", "shapes_val.rec"]);
    // Packing the existing lists again gives the same bytes.
    const before = fs.readFileSync(`${prefix}_train.rec`);
    const again = run(`${prefix}_train`, root, "--resize", "12");
    expect(again.status).toBe(0);
    expect(fs.readFileSync(`${prefix}_train.rec`)).toEqual(before);
  });
});
