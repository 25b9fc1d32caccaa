import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drawAugmentation, shiftHls, writeAugmented } from "../../src/algorithms/image-classification/augment";
import { ImageRecordSet, mix } from "../../src/algorithms/image-classification/dataset";
import { ClientError } from "../../src/algorithms/image-classification/errors";
import { decodeResized, writeCHW, type RawImage } from "../../src/algorithms/image-classification/images";
import { createLog } from "../../src/algorithms/image-classification/log";
import { packListChannel } from "../../src/algorithms/image-classification/lst-input";
import { AccuracyMeter } from "../../src/algorithms/image-classification/metrics";
import { EarlyStopping, learningRateAt } from "../../src/algorithms/image-classification/schedule";
import { packImageRecord } from "../../src/formats/image-record";
import { RecordIOWriter, encodeRecord } from "../../src/formats/recordio";
import { SeededRandom } from "../../src/formats/seeded-random";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ic-pipeline-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A 6x4 RGB image whose pixel (x, y) is [x, y, 10 * x + y]. */
function gradient(width = 6, height = 4): RawImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 10 * x + y], (y * width + x) * 3);
  return { data, width, height, channels: 3 };
}

/** Pixel (x, y) of channel c in slot 0 of an NCHW batch of h x w images. */
const at = (batch: Float32Array, h: number, w: number, c: number, x: number, y: number): number => batch[c * h * w + y * w + x];

describe("cropping and augmentation", () => {
  it("centre-crops without augmentation", () => {
    const img = gradient();
    const p = drawAugmentation(img, 2, 2, null, null);
    expect(p).toEqual({ top: 1, left: 2, flip: false, hsl: null, inverse: null });
    const batch = new Float32Array(2 * 3 * 2 * 2);
    writeAugmented(img, 2, 2, p, batch, 1);
    const slot = batch.subarray(12);
    expect([at(slot, 2, 2, 0, 0, 0), at(slot, 2, 2, 1, 0, 0), at(slot, 2, 2, 2, 0, 0)]).toEqual([2, 1, 21]);
    expect([at(slot, 2, 2, 0, 1, 1), at(slot, 2, 2, 1, 1, 1), at(slot, 2, 2, 2, 1, 1)]).toEqual([3, 2, 32]);
    expect(Array.from(batch.subarray(0, 12))).toEqual(new Array(12).fill(0));
  });

  it("random crop flips and moves the window, deterministically per seed", () => {
    const img = gradient(16, 16);
    const draws = Array.from({ length: 40 }, (_, i) => drawAugmentation(img, 8, 8, "crop", new SeededRandom(i)));
    expect(draws.some((d) => d.flip) && draws.some((d) => !d.flip)).toBe(true);
    expect(new Set(draws.map((d) => `${d.top},${d.left}`)).size).toBeGreaterThan(10);
    expect(draws.every((d) => d.top >= 0 && d.top <= 8 && d.left >= 0 && d.left <= 8 && d.hsl === null && d.inverse === null)).toBe(true);
    expect(drawAugmentation(img, 8, 8, "crop", new SeededRandom(3))).toEqual(draws[3]);

    const flipped = { top: 0, left: 0, flip: true, hsl: null, inverse: null };
    const batch = new Float32Array(3 * 8 * 8);
    writeAugmented(img, 8, 8, flipped, batch, 0);
    expect(at(batch, 8, 8, 0, 0, 0)).toBe(7);
    expect(at(batch, 8, 8, 0, 7, 0)).toBe(0);
  });

  it("adds colour shifts within the documented ranges for crop_color", () => {
    const img = gradient(16, 16);
    for (let s = 0; s < 20; s++) {
      const p = drawAugmentation(img, 8, 8, "crop_color", new SeededRandom(s));
      expect(p.inverse).toBeNull();
      const [h, sat, l] = p.hsl!;
      expect(Math.abs(h) <= 36 && Math.abs(sat) <= 50 && Math.abs(l) <= 50).toBe(true);
    }
  });

  it("shifts hue, saturation and lightness like OpenCV's HLS", () => {
    const red = [255, 0, 0];
    shiftHls(red, 60, 0, 0); // +120 degrees: green
    expect(red).toEqual([0, 255, 0]);
    const grey = [128, 128, 128];
    shiftHls(grey, 90, 0, 0); // no saturation: hue does not matter
    expect(grey).toEqual([128, 128, 128]);
    const darker = [255, 0, 0];
    shiftHls(darker, 0, 0, -255 / 4); // lightness 0.5 -> 0.25
    expect(darker).toEqual([128, 0, 0]);
    const washed = [255, 0, 0];
    shiftHls(washed, 0, -255, 0);
    expect(washed).toEqual([128, 128, 128]);
  });

  it("rotates, shears and stretches for crop_color_transform, keeping the output inside the image's values", () => {
    const img = gradient(32, 32);
    const p = drawAugmentation(img, 16, 16, "crop_color_transform", new SeededRandom(9));
    expect(p.inverse).not.toBeNull();
    const [a, b, c, d] = p.inverse!;
    expect(Math.abs(a * d - b * c - 1)).toBeLessThan(0.3); // area roughly kept
    const identity = { ...p, hsl: null, inverse: [1, 0, 0, 1] as [number, number, number, number] };
    const plain = { ...p, hsl: null, inverse: null };
    const x = new Float32Array(3 * 16 * 16);
    const y = new Float32Array(3 * 16 * 16);
    writeAugmented(img, 16, 16, identity, x, 0);
    writeAugmented(img, 16, 16, plain, y, 0);
    expect(Array.from(x)).toEqual(Array.from(y)); // the identity map samples exactly the crop
    const out = new Float32Array(3 * 16 * 16);
    writeAugmented(img, 16, 16, p, out, 0);
    expect(Array.from(out).every((v) => v >= 0 && v <= 255)).toBe(true);
  });

  it("derives per-image seeds independent of batch order", () => {
    expect(mix(1, 2, 3)).toBe(mix(1, 2, 3));
    expect(new Set([mix(1, 2, 3), mix(1, 2, 4), mix(1, 3, 3), mix(2, 2, 3)]).size).toBe(4);
  });
});

describe("decoding for inference", () => {
  it("resizes to the model's shape without keeping the aspect ratio and writes NCHW", async () => {
    const png = await sharp({ create: { width: 40, height: 10, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 1 } } }).png().toBuffer();
    const img = await decodeResized(png, 3, 8, 8);
    expect([img.width, img.height, img.channels]).toEqual([8, 8, 3]);
    const batch = new Float32Array(3 * 64);
    writeCHW(img, batch, 0);
    expect([batch[0], batch[64], batch[128]]).toEqual([200, 100, 50]);
    const grey = await decodeResized(png, 1, 4, 4);
    expect(grey.channels).toBe(1);
    await expect(decodeResized(Buffer.from("not an image"), 3, 8, 8)).rejects.toThrow();
  });
});

describe("metrics and schedules", () => {
  it("computes accuracy and top-k like the arg-max (first maximum wins)", () => {
    const m = new AccuracyMeter(3, false, 2);
    m.add(Float32Array.of(0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0.1, 0.1, 0.8), Float32Array.of(2, 1, 1), 3);
    expect(m.accuracy).toBe(0); // second image: tie, class 0 comes first; third: rank 2 behind class 2 and the tied class 0
    expect(m.topKAccuracy).toBeCloseTo(2 / 3);
    const n = new AccuracyMeter(3, false, null);
    n.add(Float32Array.of(0.2, 0.5, 0.3), Float32Array.of(1), 1);
    expect([n.accuracy, n.topKAccuracy]).toEqual([1, null]);
  });

  it("counts multi-label decisions at 0.5", () => {
    const m = new AccuracyMeter(3, true, 2);
    m.add(Float32Array.of(0.9, 0.2, 0.6, 0.1, 0.7, 0.4), Float32Array.of(1, 0, 0, 0, 1, 1), 2);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.topKAccuracy).toBeNull();
  });

  it("drops the learning rate at each lr_scheduler_step epoch", () => {
    expect([0, 9, 10, 19, 20, 30].map((e) => learningRateAt(e, 0.1, 0.1, [10, 20]))).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    expect(learningRateAt(50, 0.1, 0.5, null)).toBe(0.1);
  });

  it("stops early after patience epochs without relative improvement, not before min epochs", () => {
    const run = (accs: number[], o: { enabled?: boolean; minEpochs?: number; patience?: number; tolerance?: number }) => {
      const es = new EarlyStopping({ enabled: o.enabled ?? true, minEpochs: o.minEpochs ?? 1, patience: o.patience ?? 2, tolerance: o.tolerance ?? 0 });
      return accs.findIndex((a, e) => es.update(e, a) !== null);
    };
    expect(run([0.5, 0.6, 0.6, 0.6, 0.9], {})).toBe(3);
    expect(run([0.5, 0.6, 0.6, 0.6, 0.9], { minEpochs: 5 })).toBe(-1);
    expect(run([0.5, 0.6, 0.6, 0.6, 0.6], { minEpochs: 5 })).toBe(4);
    expect(run([0.5, 0.51, 0.52, 0.53], { tolerance: 0.1 })).toBe(2);
    expect(run([0.5, 0.5, 0.5, 0.5], { enabled: false })).toBe(-1);
    const es = new EarlyStopping({ enabled: true, minEpochs: 1, patience: 1, tolerance: 0 });
    es.update(0, 0.5);
    expect(es.update(1, 0.4)).toContain("has not improved by a relative 0 over the best (0.500000) for 1 epochs (early_stopping_patience 1); stopping after epoch 1");
  });
});

describe("ImageRecordSet", () => {
  const jpeg = (w: number, h: number, color: string) => sharp({ create: { width: w, height: h, channels: 3, background: color } }).jpeg().toBuffer();
  let files: Record<string, string>;

  const write = (name: string, records: Buffer[]): string => {
    const file = path.join(tmp, name);
    const writer = new RecordIOWriter(file);
    for (const r of records) writer.write(r);
    writer.close();
    return file;
  };

  beforeAll(async () => {
    const red = await jpeg(12, 10, "#ff0000");
    const blue = await jpeg(10, 12, "#0000ff");
    files = {
      good: write("good.rec", [packImageRecord({ label: 0, id: 10 }, red), packImageRecord({ label: 1, id: 11 }, blue), packImageRecord({ label: 2, id: 12 }, red)]),
      label: write("label.rec", [packImageRecord({ label: 0, id: 1 }, red), packImageRecord({ label: 3, id: 42 }, blue)]),
      fraction: write("fraction.rec", [packImageRecord({ label: 1.5, id: 5 }, red)]),
      small: write("small.rec", [packImageRecord({ label: 0, id: 0 }, red), packImageRecord({ label: 0, id: 7 }, await jpeg(6, 20, "#00ff00"))]),
      notImage: write("not-image.rec", [packImageRecord({ label: 0, id: 3 }, Buffer.from("garbage"))]),
      multi: write("multi.rec", [packImageRecord({ label: [1, 0, 1], id: 0 }, red), packImageRecord({ label: 2, id: 1 }, blue)]),
      empty: write("empty.rec", []),
    };
    fs.writeFileSync(path.join(tmp, "corrupt.rec"), Buffer.concat([encodeRecord(packImageRecord({ label: 0, id: 0 }, red)), Buffer.from("0123456789abcdef")]));
    files.corrupt = path.join(tmp, "corrupt.rec");
  });

  const open = (file: string, o: Partial<{ numClasses: number; multiLabel: boolean; cacheBytes: number; shape: [number, number, number] }> = {}) =>
    ImageRecordSet.open([file], { channel: "train", numClasses: o.numClasses ?? 3, multiLabel: o.multiLabel ?? false, imageShape: o.shape ?? [3, 8, 8], cacheBytes: o.cacheBytes });

  it("reads labels, decodes and crops batches (cached or not)", async () => {
    for (const cacheBytes of [undefined, 0]) {
      const set = await open(files.good, { cacheBytes });
      try {
        expect(set.cached).toBe(cacheBytes === undefined);
        expect(set.count).toBe(3);
        expect(Array.from(set.labels)).toEqual([0, 1, 2]);
        const images = new Float32Array(2 * 3 * 64);
        const labels = new Float32Array(2);
        await set.fillBatch([1, 0], images, labels, null);
        expect(Array.from(labels)).toEqual([1, 0]);
        expect(images[0]).toBeLessThan(30); // blue image: no red
        expect(images[2 * 64]).toBeGreaterThan(220);
        expect(images[3 * 64]).toBeGreaterThan(220); // red image
      } finally {
        await set.close();
      }
    }
  });

  it("augments identically for the same seed, epoch and image", async () => {
    const set = await open(files.good, { shape: [3, 8, 8] });
    try {
      const a = new Float32Array(3 * 3 * 64);
      const b = new Float32Array(3 * 3 * 64);
      const labels = new Float32Array(3);
      await set.fillBatch([0, 1, 2], a, labels, { type: "crop_color_transform", seed: 5, epoch: 1 });
      await set.fillBatch([0, 1, 2], b, labels, { type: "crop_color_transform", seed: 5, epoch: 1 });
      expect(Array.from(a)).toEqual(Array.from(b));
      await set.fillBatch([0, 1, 2], b, labels, { type: "crop_color_transform", seed: 5, epoch: 2 });
      expect(Array.from(a)).not.toEqual(Array.from(b));
    } finally {
      await set.close();
    }
  });

  const failure = async (file: string, o: Parameters<typeof open>[1] = {}): Promise<string> => {
    try {
      const set = await open(file, o);
      await set.close();
    } catch (e) {
      expect(e).toBeInstanceOf(ClientError);
      return (e as Error).message;
    }
    throw new Error("expected a ClientError");
  };

  it("names the record whose label is out of range or not a class index", async () => {
    expect(await failure(files.label)).toBe(
      "ClientError: record 1 (image id 42) of label.rec in channel 'train' has label 3, but num_classes is 3: labels must be integers from 0 to 2.",
    );
    expect(await failure(files.fraction)).toContain("has label 1.5");
  });

  it("names images smaller than image_shape, undecodable images, corrupt files and empty channels", async () => {
    expect(await failure(files.small)).toContain("The image of record 1 (image id 7) of small.rec in channel 'train' is 6x20 pixels, smaller than image_shape 3,8,8 (8x8).");
    expect(await failure(files.notImage)).toContain("record 0 (image id 3) of not-image.rec in channel 'train' does not hold a decodable image");
    expect(await failure(files.corrupt)).toMatch(/^ClientError: Channel 'train': Invalid RecordIO data in .*corrupt.rec: record 1 \(starting at byte offset \d+/);
    expect(await failure(files.empty)).toBe("ClientError: Channel 'train' holds no images: empty.rec is empty.");
  });

  it("reads multi-hot labels for multi_label, and refuses them otherwise", async () => {
    const set = await open(files.multi, { multiLabel: true });
    expect(Array.from(set.labels)).toEqual([1, 0, 1, 0, 0, 1]);
    await set.close();
    expect(await failure(files.multi)).toContain("record 0 (image id 0) of multi.rec in channel 'train' has 3 labels; set multi_label=1");
    expect(await failure(files.multi, { multiLabel: true, numClasses: 4 })).toContain("has 3 labels, but multi_label=1 needs one 0/1 value per class (num_classes = 4)");
  });
});

describe("image-format channels", () => {
  it("packs a .lst and its images into RecordIO with the shorter side resized", async () => {
    const root = path.join(tmp, "lst-images");
    fs.mkdirSync(path.join(root, "a"), { recursive: true });
    await sharp({ create: { width: 40, height: 20, channels: 3, background: "#123456" } }).png().toFile(path.join(root, "a", "x.png"));
    const lst = path.join(tmp, "train.lst");
    fs.writeFileSync(lst, "0\t1.000000\ta/x.png\n");
    const lines: string[] = [];
    const rec = await packListChannel("train", { lst, root }, tmp, { resize: 10, multiLabel: false }, createLog((l) => lines.push(l)));
    expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual(["Creating record files for train.lst", "Done creating record files..."]);
    const set = await ImageRecordSet.open([rec], { channel: "train", numClasses: 2, multiLabel: false, imageShape: [3, 10, 10] });
    const img = await set.image(0);
    expect([img.width, img.height]).toEqual([20, 10]);
    await set.close();

    fs.writeFileSync(lst, "0\t1.000000\ta/missing.png\n");
    await expect(packListChannel("train", { lst, root }, tmp, { resize: 10, multiLabel: false }, createLog(() => undefined))).rejects.toThrow(
      "ClientError: Channel 'train' (listed in train.lst): Image 0 (a/missing.png): cannot read",
    );
    fs.writeFileSync(lst, "0 1 a/x.png\n");
    await expect(packListChannel("train", { lst, root }, tmp, { resize: 10, multiLabel: false }, createLog(() => undefined))).rejects.toThrow(
      "train.lst (channel 'train_lst') line 1: expected at least 3 tab-separated columns",
    );
  });
});
