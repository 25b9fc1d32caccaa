import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { CALTECH256, CALTECH256_CATEGORIES, caltech256Folder } from "../../src/datasets/caltech256";
import { SHAPE_CLASSES, shapeSvg } from "../../src/datasets/synthetic-shapes";
import { SeededRandom } from "../../src/formats/seeded-random";
import { generateSyntheticDataset } from "../../src/datasets/synthetic";
import { unpackImageRecord } from "../../src/formats/image-record";
import { parseLst } from "../../src/formats/lst";
import { RecordIOFile } from "../../src/formats/recordio";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "datasets-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("Caltech-256", () => {
  it("has the tutorial's 257 object_categories in order", () => {
    expect(CALTECH256_CATEGORIES).toHaveLength(257);
    expect(new Set(CALTECH256_CATEGORIES).size).toBe(257);
    expect(CALTECH256_CATEGORIES.slice(0, 8)).toEqual(["ak47", "american-flag", "backpack", "baseball-bat", "baseball-glove", "basketball-hoop", "bat", "bathtub"]);
    expect(CALTECH256_CATEGORIES.slice(248)).toEqual(["yo-yo", "zebra", "airplanes-101", "car-side-101", "faces-easy-101", "greyhound", "tennis-shoes", "toad", "clutter"]);
    // Sorted like the archive's folders except the six names appended after zebra and clutter last.
    const head = CALTECH256_CATEGORIES.slice(0, 250);
    expect(head.indexOf("t-shirt")).toBe(head.indexOf("tripod") + 1);
  });

  it("names the folders and counts like the tutorial", () => {
    expect(caltech256Folder(CALTECH256.testClass.label)).toBe(CALTECH256.testClass.folder);
    expect(caltech256Folder(0)).toBe("001.ak47");
    expect(caltech256Folder(256)).toBe("257.clutter");
    expect(() => caltech256Folder(257)).toThrow("Caltech-256 labels are 0-256");
    expect(CALTECH256.numTrainingSamples).toBe(CALTECH256.numClasses * CALTECH256.trainImagesPerClass);
    expect(CALTECH256.numTrainingSamples + CALTECH256.numValidationSamples).toBe(CALTECH256.totalImages);
  });
});

describe("the synthetic dataset", () => {
  const small = { numClasses: 3, imageSize: 32, trainPerClass: 4, valPerClass: 2, testImages: 3, testClass: 1 };

  const allFiles = (dir: string): Record<string, Buffer> => {
    const out: Record<string, Buffer> = {};
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full);
        else out[path.relative(dir, full)] = fs.readFileSync(full);
      }
    };
    walk(dir);
    return out;
  };

  it("writes the same bytes for the same seed and different ones for another seed", async () => {
    await generateSyntheticDataset({ out: path.join(tmp, "a"), ...small });
    await generateSyntheticDataset({ out: path.join(tmp, "b"), ...small });
    await generateSyntheticDataset({ out: path.join(tmp, "c"), ...small, seed: 2 });
    const a = allFiles(path.join(tmp, "a"));
    expect(Object.keys(a).length).toBe(3 * 4 + 3 * 2 + 3 + 7);
    expect(allFiles(path.join(tmp, "b"))).toEqual(a);
    const c = allFiles(path.join(tmp, "c"));
    expect(Object.keys(c).sort()).toEqual(Object.keys(a).sort());
    expect(c["synthetic-shapes-train.rec"].equals(a["synthetic-shapes-train.rec"])).toBe(false);
  });

  it("lays the data out like the tutorial's and packs records like im2rec", async () => {
    const out = path.join(tmp, "layout");
    const progress: number[] = [];
    const m = await generateSyntheticDataset({ out, ...small, name: "shapes", onProgress: (done) => progress.push(done) });
    expect(m).toMatchObject({
      name: "shapes",
      classes: ["circle", "square", "triangle"],
      numClasses: 3,
      imageSize: 32,
      suggestedImageShape: "3,28,28",
      numTrainingSamples: 12,
      numValidationSamples: 6,
      testClass: { label: 1, name: "square", folder: "002.square" },
      files: { trainRec: "shapes-train.rec", valRec: "shapes-val.rec", testFolder: "test/002.square", testImage: "test/002.square/002_0003.jpg" },
    });
    expect(JSON.parse(fs.readFileSync(path.join(out, "dataset.json"), "utf8"))).toEqual(m);
    expect(progress.at(-1)).toBe(12 + 6 + 3 + 12 + 6);
    expect(fs.readdirSync(path.join(out, "images", "train"))).toEqual(["001.circle", "002.square", "003.triangle"]);
    expect(fs.readdirSync(path.join(out, m.files.testFolder))).toEqual(["002_0001.jpg", "002_0002.jpg", "002_0003.jpg"]);
    expect(fs.existsSync(path.join(out, m.files.testImage))).toBe(true);

    const lst = parseLst(fs.readFileSync(path.join(out, m.files.trainLst), "utf8"));
    expect(lst.map((i) => i.index).sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    expect(lst.map((i) => i.index)).not.toEqual([...Array(12).keys()]); // shuffled like im2rec's lists
    const rec = await RecordIOFile.open(path.join(out, m.files.trainRec));
    try {
      expect(rec.count).toBe(12);
      for (let i = 0; i < rec.count; i++) {
        const r = unpackImageRecord(await rec.read(i));
        expect([r.id, r.label]).toEqual([lst[i].index, lst[i].labels[0]]);
        expect(lst[i].path.startsWith(`00${r.label + 1}.${SHAPE_CLASSES[r.label]}/`)).toBe(true);
        expect(r.image).toEqual(fs.readFileSync(path.join(out, m.files.trainImages, lst[i].path)));
        const meta = await sharp(r.image).metadata();
        expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(["jpeg", 32, 32, 3]);
      }
    } finally {
      await rec.close();
    }
  });

  it("draws classes that differ from each other: only the shape changes for the same random draws", async () => {
    const pixels = await Promise.all(
      SHAPE_CLASSES.map((c) => sharp(Buffer.from(shapeSvg(c, 32, new SeededRandom(5)))).raw().toBuffer()),
    );
    for (let i = 0; i < pixels.length; i++) {
      for (let j = i + 1; j < pixels.length; j++) expect(pixels[i].equals(pixels[j]), `${SHAPE_CLASSES[i]} vs ${SHAPE_CLASSES[j]}`).toBe(false);
    }
  });

  it("rejects bad options naming the option", async () => {
    await expect(generateSyntheticDataset({ out: path.join(tmp, "bad"), numClasses: 11 })).rejects.toThrow("option numClasses must be an integer from 2 to 10, got 11");
    await expect(generateSyntheticDataset({ out: path.join(tmp, "bad"), testClass: 3, numClasses: 3 })).rejects.toThrow("option testClass must be an integer from 0 to 2");
    await expect(generateSyntheticDataset({ out: path.join(tmp, "bad"), name: "a/b" })).rejects.toThrow('name "a/b" may use only');
  });

  it("has a CLI with a usage text", () => {
    const script = path.join(__dirname, "../../scripts/make-synthetic-dataset.ts");
    const missing = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--out is required.");
    expect(missing.stderr).toContain("Usage: npm run dataset:synthetic -- --out <dir> [options]");
    const out = path.join(tmp, "cli");
    const ok = spawnSync(process.execPath, ["--import", "tsx", script, "--out", out, "--classes", "2", "--size", "24", "--train-per-class", "2", "--val-per-class", "1", "--test-images", "1", "--test-class", "0"], {
      encoding: "utf8",
    });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("Wrote synthetic-shapes to");
    expect(JSON.parse(fs.readFileSync(path.join(out, "dataset.json"), "utf8")).numTrainingSamples).toBe(4);
  });
});
