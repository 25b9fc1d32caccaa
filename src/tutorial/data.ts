/**
 * The tutorial's data. "caltech-256": the RecordIO files and the 008.bathtub
 * test images, downloaded over HTTPS from AWS's public sample buckets (the
 * tutorial's data.mxnet.io links are dead). "synthetic": a small generated
 * dataset of the same shape, so the local backend needs no network.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as https from "node:https";
import * as http from "node:http";
import {
  CALTECH256,
  CALTECH256_CATEGORIES,
  CALTECH256_S3_KEYS,
  caltech256Bucket,
} from "../datasets/caltech256";
import { generateSyntheticDataset, SYNTHETIC_DEFAULTS, SYNTHETIC_GENERATOR_VERSION, type SyntheticManifest } from "../datasets/synthetic";
import { download } from "./download";
import { startProgress, type Progress } from "./progress";

export type DatasetName = "synthetic" | "caltech-256";
export const DATASETS: readonly DatasetName[] = ["synthetic", "caltech-256"];

export function parseDataset(value: string): DatasetName {
  if ((DATASETS as readonly string[]).includes(value)) return value as DatasetName;
  throw new Error(
    `dataset: "${value}" is not a dataset. Use "synthetic" (generated here, no network) or "caltech-256" (downloaded from AWS's public sample bucket).`,
  );
}

/** Where downloads and the generated dataset go unless the notebook says otherwise. */
export function defaultDataDir(): string {
  return path.join(os.tmpdir(), "sagemaker-tutorial-data");
}

/** The facts about a dataset the rest of the notebook needs. */
export interface DatasetInfo {
  name: DatasetName;
  /** Label i's name (the tutorial's object_categories). */
  categories: string[];
  numClasses: number;
  numTrainingSamples: number;
  /** The class of the test images, with its label. */
  testClass: { label: number; name: string };
  /** image_shape that fits the data. */
  imageShape: string;
  /** Smallest image height and width in the .rec files, when known. */
  minImageSize?: [number, number];
}

export interface TrainingFiles {
  train: string;
  validation: string;
}

/**
 * HTTPS base URLs of Caltech-256 in AWS's public buckets, nearest first:
 * the region's `sagemaker-example-files-prod-<region>`, then the global
 * `sagemaker-sample-files`.
 */
export function caltech256BaseUrls(region: string): string[] {
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return [
    `https://${caltech256Bucket(region)}.s3.${region}.${domain}/`,
    "https://sagemaker-sample-files.s3.amazonaws.com/",
  ];
}

export interface DataOptions {
  /** Folder for downloads and generated data (default: defaultDataDir()). */
  dataDir?: string;
  /** Region whose public sample bucket to download Caltech-256 from. */
  region?: string;
  /** Overrides caltech256BaseUrls(region) (tests, mirrors). */
  baseUrls?: string[];
}

function dataDir(options: DataOptions): string {
  return options.dataDir || defaultDataDir();
}

// ---- synthetic -------------------------------------------------------------

function syntheticDir(options: DataOptions): string {
  return path.join(dataDir(options), "synthetic");
}

/** Generates the synthetic dataset once; later calls reuse it. */
export async function syntheticDataset(options: DataOptions = {}): Promise<SyntheticManifest> {
  const dir = syntheticDir(options);
  const manifestFile = path.join(dir, "dataset.json");
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(await fsp.readFile(manifestFile, "utf8")) as SyntheticManifest;
    const complete = [manifest.files.trainRec, manifest.files.valRec, manifest.files.testImage].every((f) =>
      fs.existsSync(path.join(dir, f)),
    );
    // A dataset drawn by an older generator would train differently: draw it again.
    if (complete && manifest.seed === SYNTHETIC_DEFAULTS.seed && manifest.generator === SYNTHETIC_GENERATOR_VERSION) return manifest;
  }
  const progress = startProgress("synthetic dataset");
  const manifest = await generateSyntheticDataset({
    out: dir,
    onProgress: (done, total) => progress.update(`${done} / ${total} images and records`),
  });
  progress.done(
    `${manifest.numTrainingSamples} training and ${manifest.numValidationSamples} validation images of ${manifest.numClasses} classes in ${dir}`,
  );
  return manifest;
}

function syntheticInfo(m: SyntheticManifest): DatasetInfo {
  return {
    name: "synthetic",
    categories: [...m.classes],
    numClasses: m.numClasses,
    numTrainingSamples: m.numTrainingSamples,
    testClass: { label: m.testClass.label, name: m.testClass.name },
    imageShape: m.suggestedImageShape,
    minImageSize: [m.imageSize, m.imageSize],
  };
}

// ---- Caltech-256 -----------------------------------------------------------

function caltechDir(options: DataOptions): string {
  return path.join(dataDir(options), "caltech-256");
}

function baseUrls(options: DataOptions): string[] {
  return options.baseUrls ?? caltech256BaseUrls(options.region ?? "us-east-1");
}

/** The download failed because the source does not have the file (or will not say). */
const isMissing = (e: unknown): boolean => /HTTP (403|404)/.test((e as Error).message);

/** Tries each base URL in turn, moving on when the file is not there (403/404). */
async function downloadFromMirrors(key: string, dest: string, options: DataOptions): Promise<string> {
  const errors: string[] = [];
  for (const base of baseUrls(options)) {
    try {
      return (await download({ url: base + key, dest })).path;
    } catch (e) {
      const message = (e as Error).message;
      errors.push(message);
      if (!isMissing(e)) throw e;
    }
  }
  throw new Error(`dataset: ${key} could not be downloaded from any source:\n  ${errors.join("\n  ")}`);
}

function get(url: string, timeoutMs = 60_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const req = client.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${new URL(url).host} for ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, "g");
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    out.push(m[1].replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'"));
  }
  return out;
}

/** Keys under `prefix` in a public bucket, by anonymous ListObjectsV2 over HTTPS. */
export async function listPublicKeys(baseUrl: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const query = `?list-type=2&prefix=${encodeURIComponent(prefix)}` + (token ? `&continuation-token=${encodeURIComponent(token)}` : "");
    const res = await get(baseUrl + query);
    if (res.status !== 200) throw new Error(`listing ${baseUrl} (prefix ${prefix}) answered HTTP ${res.status}.`);
    keys.push(...xmlValues(res.body, "Key"));
    token = xmlValues(res.body, "IsTruncated")[0] === "true" ? xmlValues(res.body, "NextContinuationToken")[0] : undefined;
  } while (token);
  return keys;
}

// ---- the tutorial's steps ----------------------------------------------------

/** Facts about a dataset without downloading it (the synthetic one is generated). */
export async function datasetInfo(dataset: string, options: DataOptions = {}): Promise<DatasetInfo> {
  if (parseDataset(dataset) === "synthetic") return syntheticInfo(await syntheticDataset(options));
  return {
    name: "caltech-256",
    categories: [...CALTECH256_CATEGORIES],
    numClasses: CALTECH256.numClasses,
    numTrainingSamples: CALTECH256.numTrainingSamples,
    testClass: { label: CALTECH256.testClass.label, name: CALTECH256.testClass.name },
    imageShape: "3,224,224",
    // im2rec packed the images with the shorter side resized to 256.
    minImageSize: [CALTECH256.im2rec.resize, CALTECH256.im2rec.resize],
  };
}

/** C2: the training and validation RecordIO files on this machine. */
export async function trainingFiles(dataset: string, options: DataOptions = {}): Promise<TrainingFiles> {
  if (parseDataset(dataset) === "synthetic") {
    const m = await syntheticDataset(options);
    const dir = syntheticDir(options);
    return { train: path.join(dir, m.files.trainRec), validation: path.join(dir, m.files.valRec) };
  }
  const dir = caltechDir(options);
  return {
    train: await downloadFromMirrors(CALTECH256_S3_KEYS.train, path.join(dir, path.basename(CALTECH256_S3_KEYS.train)), options),
    validation: await downloadFromMirrors(CALTECH256_S3_KEYS.validation, path.join(dir, path.basename(CALTECH256_S3_KEYS.validation)), options),
  };
}

/**
 * Downloads the test class's images from one source into `folder`; returns
 * how many. Uses the bucket's listing; where anonymous listing is refused,
 * fetches Caltech's numbered files (008_0001.jpg, 008_0002.jpg, ...) in order
 * until the first missing one.
 */
async function downloadTestClass(base: string, folder: string, progress: Progress): Promise<number> {
  const prefix = CALTECH256_S3_KEYS.testFolder;
  let keys: string[] | undefined;
  try {
    keys = (await listPublicKeys(base, prefix)).filter((k) => k.endsWith(".jpg"));
  } catch (e) {
    if (!/HTTP 403/.test((e as Error).message)) throw e;
  }
  if (keys) {
    for (const [i, key] of keys.entries()) {
      await download({ url: base + key, dest: path.join(folder, path.basename(key)), progress: false });
      progress.update(`${i + 1} / ${keys.length} images`);
    }
    return keys.length;
  }
  const label = String(CALTECH256.testClass.label + 1).padStart(3, "0");
  for (let n = 1; ; n++) {
    const name = `${label}_${String(n).padStart(4, "0")}.jpg`;
    try {
      await download({ url: base + prefix + name, dest: path.join(folder, name), progress: false });
    } catch (e) {
      if (isMissing(e)) return n - 1;
      throw e;
    }
    progress.update(`${n} images`);
  }
}

/** C8: a folder of test images of one class (Caltech-256: all of 008.bathtub). */
export async function testImagesFolder(dataset: string, options: DataOptions = {}): Promise<string> {
  if (parseDataset(dataset) === "synthetic") {
    const m = await syntheticDataset(options);
    return path.join(syntheticDir(options), m.files.testFolder);
  }
  const folder = path.join(caltechDir(options), "test", CALTECH256.testClass.folder);
  const errors: string[] = [];
  for (const base of baseUrls(options)) {
    const progress = startProgress(`test images ${CALTECH256.testClass.folder}`);
    let count: number;
    try {
      count = await downloadTestClass(base, folder, progress);
    } catch (e) {
      progress.done("failed");
      errors.push((e as Error).message);
      continue;
    }
    if (count === 0) {
      progress.done(`none at ${base}`);
      errors.push(`${base}: no .jpg under ${CALTECH256_S3_KEYS.testFolder}`);
      continue;
    }
    progress.done(`${count} images in ${folder}`);
    return folder;
  }
  throw new Error(`dataset: the ${CALTECH256.testClass.folder} test images could not be downloaded:\n  ${errors.join("\n  ")}`);
}

/** C17: the single test image (Caltech-256: 008.bathtub/008_0007.jpg). */
export async function testImage(dataset: string, options: DataOptions = {}): Promise<string> {
  if (parseDataset(dataset) === "synthetic") {
    const m = await syntheticDataset(options);
    return path.join(syntheticDir(options), m.files.testImage);
  }
  const dest = path.join(caltechDir(options), "test.jpg");
  return downloadFromMirrors(CALTECH256_S3_KEYS.testImage, dest, options);
}
