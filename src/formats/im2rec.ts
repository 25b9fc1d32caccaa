/**
 * The equivalent of MXNet's tools/im2rec.py: list a folder of images (one
 * subfolder per class) into `.lst` files, and pack a `.lst` into a `.rec`
 * (+ `.idx`), resizing the shorter side with sharp and re-encoding as JPEG.
 *
 * Differences from im2rec.py, on purpose: shuffling uses this project's
 * seeded PRNG (not Python's), a missing or undecodable image is an error
 * (im2rec.py prints and skips it), and outputs appear atomically.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { FormatError } from "./errors";
import { formatIdx, type IdxEntry } from "./idx";
import { packImageRecord } from "./image-record";
import { formatLst, type LstItem } from "./lst";
import { RecordIOWriter } from "./recordio";
import { SeededRandom } from "./seeded-random";
import { writeFileAtomic } from "../system/atomic-file";

export const DEFAULT_EXTS = [".jpeg", ".jpg", ".png"];

export interface ImageListing {
  items: LstItem[];
  /** Label i is the folder classes[i] (relative to the root; "." for images directly in it). */
  classes: string[];
}

/**
 * Lists images like im2rec.py's list_image: recursive mode walks folders in
 * sorted order and gives each folder that holds images the next label;
 * otherwise only the root's own images are listed, all with label 0.
 */
export function listImages(root: string, options: { recursive?: boolean; exts?: string[] } = {}): ImageListing {
  const exts = (options.exts ?? DEFAULT_EXTS).map((e) => e.toLowerCase());
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new FormatError(`Image root ${root} is not a directory.`);
  }
  const items: LstItem[] = [];
  const classes: string[] = [];
  const visit = (dir: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    const names = entries.map((e) => e.name).sort();
    let label = -1;
    for (const name of names) {
      const full = path.join(dir, name);
      if (!exts.includes(path.extname(name).toLowerCase()) || !fs.statSync(full).isFile()) continue;
      if (label < 0) {
        label = classes.length;
        classes.push(path.relative(root, dir) || ".");
      }
      items.push({ index: items.length, labels: [label], path: path.relative(root, full).split(path.sep).join("/") });
    }
    if (!options.recursive) return;
    for (const name of names) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) visit(full);
    }
  };
  visit(root);
  return { items, classes };
}

export interface SplitOptions {
  /** Shuffle before splitting (im2rec.py's default). */
  shuffle?: boolean;
  seed?: number;
  /** Fraction for `<prefix>_train.lst`; 1 writes a single `<prefix>.lst`. */
  trainRatio?: number;
  /** Fraction for `<prefix>_test.lst`, taken first. */
  testRatio?: number;
}

/** Writes the list(s) like im2rec.py's make_list; returns the paths written. */
export function writeLists(prefix: string, items: readonly LstItem[], options: SplitOptions = {}): string[] {
  const trainRatio = options.trainRatio ?? 1;
  const testRatio = options.testRatio ?? 0;
  if (!(trainRatio > 0 && trainRatio <= 1) || !(testRatio >= 0 && testRatio < 1) || trainRatio + testRatio > 1) {
    throw new FormatError(`train ratio ${trainRatio} and test ratio ${testRatio} must be fractions that add up to at most 1 (train ratio above 0).`);
  }
  const list = [...items];
  if (options.shuffle ?? true) new SeededRandom(options.seed ?? 100).shuffle(list);
  const write = (file: string, part: LstItem[]): string => {
    writeFileAtomic(file, formatLst(part));
    return file;
  };
  if (trainRatio === 1) return [write(`${prefix}.lst`, list)];
  const sep = Math.floor(list.length * trainRatio);
  const sepTest = Math.floor(list.length * testRatio);
  const written: string[] = [];
  if (testRatio > 0) written.push(write(`${prefix}_test.lst`, list.slice(0, sepTest)));
  if (trainRatio + testRatio < 1) written.push(write(`${prefix}_val.lst`, list.slice(sepTest + sep)));
  written.push(write(`${prefix}_train.lst`, list.slice(sepTest, sepTest + sep)));
  return written;
}

export interface EncodeOptions {
  /** Shorter side after resizing; 0 keeps the size. */
  resize?: number;
  /** Crop the central square before resizing. */
  centerCrop?: boolean;
  /** JPEG quality 1-100, or PNG compression level 0-9. Default 95. */
  quality?: number;
  encoding?: ".jpg" | ".png";
}

/** Decodes an image (any format sharp reads, EXIF-oriented, alpha dropped, 3 channels) and re-encodes it like im2rec.py. */
export async function encodeImage(bytes: Uint8Array, options: EncodeOptions = {}): Promise<Buffer> {
  const { data, info } = await sharp(bytes).rotate().removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  let width = info.width;
  let height = info.height;
  let pipeline = sharp(data, { raw: { width, height, channels: 3 } });
  if (options.centerCrop && width !== height) {
    const side = Math.min(width, height);
    pipeline = pipeline.extract({ left: (width - side) >> 1, top: (height - side) >> 1, width: side, height: side });
    width = height = side;
  }
  const resize = options.resize ?? 0;
  if (resize > 0) {
    const [w, h] = height > width ? [resize, Math.floor((height * resize) / width)] : [Math.floor((width * resize) / height), resize];
    pipeline = pipeline.resize(w, h, { fit: "fill" });
  }
  const quality = options.quality ?? 95;
  return options.encoding === ".png"
    ? pipeline.png({ compressionLevel: Math.min(9, Math.max(0, quality)) }).toBuffer()
    : pipeline.jpeg({ quality: Math.min(100, Math.max(1, quality)) }).toBuffer();
}

export interface PackOptions extends EncodeOptions {
  /** Store every label column (multi-label records); otherwise only the first, like im2rec.py. */
  packLabel?: boolean;
  /** Store the file bytes as they are, without decoding. */
  passThrough?: boolean;
  /** Images encoded at the same time. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PackResult {
  recPath: string;
  idxPath: string;
  count: number;
  bytes: number;
}

/** Packs the listed images (paths relative to `root`) into `<outPrefix>.rec` and `<outPrefix>.idx`, in list order. */
export async function packRecordFile(items: readonly LstItem[], root: string, outPrefix: string, options: PackOptions = {}): Promise<PackResult> {
  const recPath = `${outPrefix}.rec`;
  const idxPath = `${outPrefix}.idx`;
  const partial = `${recPath}.partial-${process.pid}`;
  const writer = new RecordIOWriter(partial);
  const index: IdxEntry[] = [];
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const encodeItem = async (item: LstItem): Promise<Buffer> => {
    const file = path.join(root, item.path);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (e) {
      throw new FormatError(`Image ${item.index} (${item.path}): cannot read ${file}: ${(e as Error).message}.`);
    }
    let image: Buffer;
    try {
      image = options.passThrough ? bytes : await encodeImage(bytes, options);
    } catch (e) {
      throw new FormatError(`Image ${item.index} (${item.path}) is not a decodable image: ${(e as Error).message}.`);
    }
    if (item.labels.length === 0) throw new FormatError(`Image ${item.index} (${item.path}) has no label.`);
    const label = options.packLabel && item.labels.length > 1 ? item.labels : item.labels[0];
    return packImageRecord({ label, id: item.index }, image);
  };
  try {
    const pending: Promise<Buffer>[] = [];
    let next = 0;
    const launch = (): void => {
      while (pending.length < concurrency && next < items.length) {
        const p = encodeItem(items[next++]);
        p.catch(() => undefined); // awaited in order below; this only marks it handled
        pending.push(p);
      }
    };
    launch();
    for (let i = 0; i < items.length; i++) {
      const record = await pending.shift()!;
      launch();
      index.push({ key: items[i].index, offset: writer.write(record) });
      options.onProgress?.(i + 1, items.length);
    }
    writer.close();
    writeFileAtomic(idxPath, formatIdx(index));
    fs.renameSync(partial, recPath);
    return { recPath, idxPath, count: items.length, bytes: fs.statSync(recPath).size };
  } catch (e) {
    writer.close();
    fs.rmSync(partial, { force: true });
    throw e;
  }
}
