/**
 * A deterministic synthetic image dataset shaped like the tutorial's
 * Caltech-256 data, so the default run needs no download: numbered class
 * folders of JPEGs, `.lst` lists, RecordIO files packed the way im2rec packs
 * caltech-256-60-*.rec, a test folder of one class (the tutorial's
 * 008.bathtub) and a single test image (008_0007.jpg). Same options, same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { FormatError } from "../formats/errors";
import { packRecordFile } from "../formats/im2rec";
import { formatLst, type LstItem } from "../formats/lst";
import { SeededRandom } from "../formats/seeded-random";
import { SHAPE_CLASSES, shapeSvg } from "./synthetic-shapes";

export interface SyntheticOptions {
  /** Output directory (created; existing dataset files are replaced). */
  out: string;
  /** File name prefix: `<name>-train.rec`, `<name>-val.rec`. */
  name?: string;
  seed?: number;
  /** Number of classes, the first N of SHAPE_CLASSES (2-10). */
  numClasses?: number;
  /** Side of the square images in pixels. */
  imageSize?: number;
  trainPerClass?: number;
  valPerClass?: number;
  /** Images in the test folder (all of class `testClass`). */
  testImages?: number;
  testClass?: number;
  /** JPEG quality. */
  quality?: number;
  onProgress?: (done: number, total: number) => void;
}

/** `dataset.json`: what was generated; paths relative to the dataset directory. */
export interface SyntheticManifest {
  name: string;
  seed: number;
  /** SYNTHETIC_GENERATOR_VERSION of the code that drew the images (absent: before versions). */
  generator?: number;
  classes: string[];
  numClasses: number;
  imageSize: number;
  /** image_shape that keeps the whole shape visible after the centre crop: "3,S*8/9,S*8/9". */
  suggestedImageShape: string;
  numTrainingSamples: number;
  numValidationSamples: number;
  testClass: { label: number; name: string; folder: string };
  files: {
    trainRec: string;
    trainIdx: string;
    trainLst: string;
    valRec: string;
    valIdx: string;
    valLst: string;
    /** Roots the .lst paths are relative to (the `train` / `validation` channels in image format). */
    trainImages: string;
    valImages: string;
    /** Folder of test images of one class (batch transform input). */
    testFolder: string;
    /** One test image (the endpoint's input). */
    testImage: string;
  };
}

/** Bump whenever the same options would draw different images, so cached datasets are redrawn. */
export const SYNTHETIC_GENERATOR_VERSION = 2;

export const SYNTHETIC_DEFAULTS = {
  name: "synthetic-shapes",
  seed: 1,
  numClasses: SHAPE_CLASSES.length,
  imageSize: 72,
  trainPerClass: 60,
  valPerClass: 20,
  testImages: 20,
  testClass: 2,
  quality: 95,
} as const;

/** The class folder name, numbered from 001 like Caltech's. */
export function classFolder(label: number, name: string): string {
  return `${String(label + 1).padStart(3, "0")}.${name}`;
}

/** Per-image seed: independent of generation order, so concurrency cannot change the bytes. */
function imageSeed(seed: number, split: number, label: number, index: number): number {
  let h = seed ^ 0x9e3779b9;
  for (const v of [split, label, index]) {
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FormatError(`Synthetic dataset option ${name} must be an integer from ${min} to ${max}, got ${value}.`);
  }
  return value;
}

interface Job {
  file: string;
  label: number;
  seed: number;
}

export async function generateSyntheticDataset(options: SyntheticOptions): Promise<SyntheticManifest> {
  const o = { ...SYNTHETIC_DEFAULTS, ...withoutUndefined(options) } as Required<Omit<SyntheticOptions, "onProgress">> & Pick<SyntheticOptions, "onProgress">;
  const numClasses = checkInt("numClasses", o.numClasses, 2, SHAPE_CLASSES.length);
  const size = checkInt("imageSize", o.imageSize, 16, 1024);
  checkInt("trainPerClass", o.trainPerClass, 1, 100000);
  checkInt("valPerClass", o.valPerClass, 1, 100000);
  checkInt("testImages", o.testImages, 1, 100000);
  checkInt("testClass", o.testClass, 0, numClasses - 1);
  checkInt("quality", o.quality, 1, 100);
  checkInt("seed", o.seed, 0, 2 ** 32 - 1);
  if (!/^[A-Za-z0-9._-]+$/.test(o.name)) throw new FormatError(`Synthetic dataset name ${JSON.stringify(o.name)} may use only letters, digits, ".", "_" and "-".`);

  const classes = SHAPE_CLASSES.slice(0, numClasses);
  const folders = classes.map((c, i) => classFolder(i, c));
  const out = path.resolve(o.out);
  const files: SyntheticManifest["files"] = {
    trainRec: `${o.name}-train.rec`,
    trainIdx: `${o.name}-train.idx`,
    trainLst: `${o.name}-train.lst`,
    valRec: `${o.name}-val.rec`,
    valIdx: `${o.name}-val.idx`,
    valLst: `${o.name}-val.lst`,
    trainImages: "images/train",
    valImages: "images/validation",
    testFolder: `test/${folders[o.testClass]}`,
    testImage: `test/${folders[o.testClass]}/${String(o.testClass + 1).padStart(3, "0")}_${String(Math.min(7, o.testImages)).padStart(4, "0")}.jpg`,
  };
  for (const dir of ["images", "test"]) fs.rmSync(path.join(out, dir), { recursive: true, force: true });

  // Image numbers per class run on across train, validation and test, like Caltech's NNN_MMMM.jpg.
  const jobs: Job[] = [];
  const train: LstItem[] = [];
  const val: LstItem[] = [];
  const fileName = (label: number, n: number): string => `${String(label + 1).padStart(3, "0")}_${String(n).padStart(4, "0")}.jpg`;
  classes.forEach((_, label) => {
    for (let i = 0; i < o.trainPerClass; i++) {
      const rel = `${folders[label]}/${fileName(label, i + 1)}`;
      train.push({ index: train.length, labels: [label], path: rel });
      jobs.push({ file: path.join(out, files.trainImages, rel), label, seed: imageSeed(o.seed, 0, label, i) });
    }
    for (let i = 0; i < o.valPerClass; i++) {
      const rel = `${folders[label]}/${fileName(label, o.trainPerClass + i + 1)}`;
      val.push({ index: val.length, labels: [label], path: rel });
      jobs.push({ file: path.join(out, files.valImages, rel), label, seed: imageSeed(o.seed, 1, label, i) });
    }
  });
  for (let i = 0; i < o.testImages; i++) {
    jobs.push({ file: path.join(out, files.testFolder, fileName(o.testClass, i + 1)), label: o.testClass, seed: imageSeed(o.seed, 2, o.testClass, i) });
  }

  for (const dir of new Set(jobs.map((j) => path.dirname(j.file)))) fs.mkdirSync(dir, { recursive: true });
  let done = 0;
  const total = jobs.length + train.length + val.length;
  const render = async (job: Job): Promise<void> => {
    const svg = shapeSvg(classes[job.label], size, new SeededRandom(job.seed));
    await sharp(Buffer.from(svg)).jpeg({ quality: o.quality }).toFile(job.file);
    o.onProgress?.(++done, total);
  };
  for (let next = 0; next < jobs.length; ) {
    const batch = jobs.slice(next, next + 8);
    next += batch.length;
    await Promise.all(batch.map(render));
  }

  // im2rec's list order is shuffled; the records follow it.
  const shuffled = (items: LstItem[], salt: number): LstItem[] => new SeededRandom(imageSeed(o.seed, 3, salt, 0)).shuffle([...items]);
  const packs: Array<[LstItem[], string, string, string]> = [
    [shuffled(train, 0), files.trainLst, files.trainImages, files.trainRec],
    [shuffled(val, 1), files.valLst, files.valImages, files.valRec],
  ];
  for (const [items, lst, root, rec] of packs) {
    fs.writeFileSync(path.join(out, lst), formatLst(items));
    const base = done;
    await packRecordFile(items, path.join(out, root), path.join(out, rec.slice(0, -".rec".length)), {
      passThrough: true,
      onProgress: (n) => o.onProgress?.((done = base + n), total),
    });
  }

  const crop = Math.floor((size * 8) / 9);
  const manifest: SyntheticManifest = {
    name: o.name,
    seed: o.seed,
    generator: SYNTHETIC_GENERATOR_VERSION,
    classes: [...classes],
    numClasses,
    imageSize: size,
    suggestedImageShape: `3,${crop},${crop}`,
    numTrainingSamples: train.length,
    numValidationSamples: val.length,
    testClass: { label: o.testClass, name: classes[o.testClass], folder: folders[o.testClass] },
    files,
  };
  fs.writeFileSync(path.join(out, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
