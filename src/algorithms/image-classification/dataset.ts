/**
 * A channel's images: RecordIO files scanned once up front (so corrupt
 * records, bad labels and small images fail before training starts, naming
 * the record), then served as cropped/augmented NCHW batches. Decoded pixels
 * are kept in memory when they fit the budget, else decoded per batch.
 */
import * as path from "node:path";
import sharp from "sharp";
import { FormatError } from "../../formats/errors";
import { unpackImageRecord } from "../../formats/image-record";
import { RecordIOFile } from "../../formats/recordio";
import { SeededRandom } from "../../formats/seeded-random";
import { drawAugmentation, writeAugmented } from "./augment";
import { ClientError } from "./errors";
import type { AugmentationType } from "./hyperparameters";
import { decodeImage, type RawImage } from "./images";

export interface ImageSetOptions {
  channel: string;
  numClasses: number;
  multiLabel: boolean;
  /** [C, H, W]. */
  imageShape: [number, number, number];
  /** Bytes of decoded pixels kept in memory; above it images are decoded per batch. */
  cacheBytes?: number;
}

interface Entry {
  file: RecordIOFile;
  local: number;
  id: number;
}

const DEFAULT_CACHE_BYTES = 1 << 30;
const CONCURRENCY = 4;

async function inBatches<T>(items: T[], fn: (item: T, i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY * 4) {
    await Promise.all(items.slice(start, start + CONCURRENCY * 4).map((item, k) => fn(item, start + k)));
  }
}

export class ImageRecordSet {
  private cache: RawImage[] | null = null;

  private constructor(
    readonly options: ImageSetOptions,
    private readonly files: RecordIOFile[],
    private readonly entries: Entry[],
    /** Single label: one class index per image. Multi-label: numClasses values per image. */
    readonly labels: Float32Array,
  ) {}

  get count(): number {
    return this.entries.length;
  }

  /** Opens and validates the RecordIO files of a channel. */
  static async open(recFiles: string[], options: ImageSetOptions): Promise<ImageRecordSet> {
    const files: RecordIOFile[] = [];
    try {
      for (const f of recFiles) {
        try {
          files.push(await RecordIOFile.open(f));
        } catch (e) {
          if (e instanceof FormatError) throw new ClientError(`Channel '${options.channel}': ${e.message}`);
          throw e;
        }
      }
      const entries: Entry[] = [];
      for (const file of files) for (let i = 0; i < file.count; i++) entries.push({ file, local: i, id: i });
      if (entries.length === 0) {
        throw new ClientError(`Channel '${options.channel}' holds no images: ${recFiles.map((f) => path.basename(f)).join(", ")} ${recFiles.length === 1 ? "is" : "are"} empty.`);
      }
      const { numClasses, multiLabel } = options;
      const labels = new Float32Array(entries.length * (multiLabel ? numClasses : 1));
      const [, height, width] = options.imageShape;
      let pixelBytes = 0;
      await inBatches(entries, async (entry, i) => {
        const where = describe(options.channel, entry);
        let record;
        try {
          record = unpackImageRecord(await entry.file.read(entry.local), where);
        } catch (e) {
          if (e instanceof FormatError) throw new ClientError(e.message);
          throw e;
        }
        entry.id = record.id;
        readLabel(record.label, record.labels, options, `${describe(options.channel, entry)}`, labels, i);
        let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
        try {
          meta = await sharp(record.image).metadata();
        } catch (e) {
          throw new ClientError(`${describe(options.channel, entry)} does not hold a decodable image (${(e as Error).message}). Recreate the file with im2rec.`);
        }
        const rotated = (meta.orientation ?? 1) >= 5;
        const w = (rotated ? meta.height : meta.width) ?? 0;
        const h = (rotated ? meta.width : meta.height) ?? 0;
        if (w < width || h < height) {
          throw new ClientError(
            `The image of ${describe(options.channel, entry)} is ${w}x${h} pixels, smaller than image_shape ${options.imageShape.join(",")} (${width}x${height}). ` +
              `Resize the images to at least ${Math.max(width, height)} pixels on the shorter side (im2rec --resize, or the resize hyperparameter), or choose a smaller image_shape.`,
          );
        }
        pixelBytes += w * h * options.imageShape[0];
      });
      const set = new ImageRecordSet(options, files, entries, labels);
      if (pixelBytes <= (options.cacheBytes ?? DEFAULT_CACHE_BYTES)) {
        const cache: RawImage[] = new Array(entries.length);
        await inBatches(entries, async (_, i) => {
          cache[i] = await set.decode(i);
        });
        set.cache = cache;
      }
      return set;
    } catch (e) {
      await Promise.all(files.map((f) => f.close()));
      throw e;
    }
  }

  /** Whether all decoded images are held in memory. */
  get cached(): boolean {
    return this.cache !== null;
  }

  private async decode(i: number): Promise<RawImage> {
    const entry = this.entries[i];
    const record = unpackImageRecord(await entry.file.read(entry.local));
    try {
      return await decodeImage(record.image, this.options.imageShape[0] as 1 | 3);
    } catch (e) {
      throw new ClientError(`${describe(this.options.channel, entry)} does not hold a decodable image (${(e as Error).message}). Recreate the file with im2rec.`);
    }
  }

  image(i: number): Promise<RawImage> {
    return this.cache ? Promise.resolve(this.cache[i]) : this.decode(i);
  }

  /**
   * Fills an NCHW batch with the images `indices` (cropped, augmented when
   * `augmentation` is set, with randomness drawn from `seed`, the epoch and
   * the image) and their labels.
   */
  async fillBatch(
    indices: number[],
    images: Float32Array,
    labels: Float32Array,
    augmentation: { type: AugmentationType | null; seed: number; epoch: number } | null,
  ): Promise<void> {
    const [, height, width] = this.options.imageShape;
    const labelWidth = this.options.multiLabel ? this.options.numClasses : 1;
    const raws = await Promise.all(indices.map((i) => this.image(i)));
    raws.forEach((img, slot) => {
      const i = indices[slot];
      const rng = augmentation?.type ? new SeededRandom(mix(augmentation.seed, augmentation.epoch, i)) : null;
      const params = drawAugmentation(img, height, width, augmentation?.type ?? null, rng);
      writeAugmented(img, height, width, params, images, slot);
      labels.set(this.labels.subarray(i * labelWidth, (i + 1) * labelWidth), slot * labelWidth);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

function describe(channel: string, entry: Entry): string {
  return `record ${entry.local} (image id ${entry.id}) of ${path.basename(entry.file.path)} in channel '${channel}'`;
}

function readLabel(label: number, multi: Float32Array | null, o: ImageSetOptions, where: string, out: Float32Array, i: number): void {
  const { numClasses } = o;
  const classIndex = (v: number): number => {
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new ClientError(`${where} has label ${v}, but num_classes is ${numClasses}: labels must be integers from 0 to ${numClasses - 1}.`);
    }
    return v;
  };
  if (!o.multiLabel) {
    if (multi && multi.length > 1) {
      throw new ClientError(`${where} has ${multi.length} labels; set multi_label=1 to train on multi-label data.`);
    }
    out[i] = classIndex(multi ? multi[0] : label);
    return;
  }
  const row = out.subarray(i * numClasses, (i + 1) * numClasses);
  if (!multi || multi.length === 1) {
    // A single class id in multi-label mode: that class only.
    row[classIndex(multi ? multi[0] : label)] = 1;
    return;
  }
  if (multi.length !== numClasses) {
    throw new ClientError(`${where} has ${multi.length} labels, but multi_label=1 needs one 0/1 value per class (num_classes = ${numClasses}).`);
  }
  for (let c = 0; c < numClasses; c++) {
    if (multi[c] !== 0 && multi[c] !== 1) throw new ClientError(`${where} has label value ${multi[c]} for class ${c}; multi-label values must be 0 or 1.`);
    row[c] = multi[c];
  }
}

/** A per-(seed, epoch, image) seed, independent of batch order. */
export function mix(seed: number, epoch: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [epoch, index]) {
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
