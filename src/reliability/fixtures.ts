/**
 * The data the checks train and serve with: the project's synthetic dataset,
 * generated small (3 classes, 36x36 pixels) so that a real ResNet-20 training
 * job at image_shape 3,32,32 takes seconds; and damaged copies of its RecordIO
 * files for the bad-data cases.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generateSyntheticDataset } from "../datasets/synthetic";
import { decodeRecords, encodeRecord } from "../formats/recordio";
import { packImageRecord, unpackImageRecord } from "../formats/image-record";

export interface TinyDataset {
  dir: string;
  numClasses: number;
  numTrainingSamples: number;
  imageShape: string;
  trainRec: string;
  validationRec: string;
  /** JPEG files of one class (batch transform input). */
  testImages: string[];
}

const TINY = { numClasses: 3, imageSize: 36, imageShape: "3,32,32", trainPerClass: 16, valPerClass: 8, testImages: 12 } as const;

export async function makeTinyDataset(dir: string): Promise<TinyDataset> {
  const manifest = await generateSyntheticDataset({
    out: dir,
    name: "tiny",
    numClasses: TINY.numClasses,
    imageSize: TINY.imageSize,
    trainPerClass: TINY.trainPerClass,
    valPerClass: TINY.valPerClass,
    testImages: TINY.testImages,
    testClass: 1,
  });
  const testFolder = path.join(dir, manifest.files.testFolder);
  return {
    dir,
    numClasses: manifest.numClasses,
    numTrainingSamples: manifest.numTrainingSamples,
    imageShape: TINY.imageShape,
    trainRec: path.join(dir, manifest.files.trainRec),
    validationRec: path.join(dir, manifest.files.valRec),
    testImages: fs
      .readdirSync(testFolder)
      .filter((f) => f.endsWith(".jpg"))
      .sort()
      .map((f) => path.join(testFolder, f)),
  };
}

/** Damaged RecordIO files, each with one problem the algorithm must name. */
export const damagedRecordIO = {
  /** The first record's magic number overwritten. */
  badMagic(rec: Buffer): Buffer {
    const out = Buffer.from(rec);
    out.writeUInt32LE(0x12345678, 0);
    return out;
  },
  /** Cut in the middle of the last record. */
  truncated(rec: Buffer): Buffer {
    return rec.subarray(0, rec.length - 100);
  },
  /** Every record relabelled `label` (e.g. num_classes, one past the last class). */
  relabelled(rec: Buffer, label: number): Buffer {
    const parts: Buffer[] = [];
    for (const entry of decodeRecords(rec, "tiny")) {
      const r = unpackImageRecord(entry.data);
      parts.push(encodeRecord(packImageRecord({ label, id: r.id, id2: r.id2 }, r.image)));
    }
    return Buffer.concat(parts);
  },
  /** Records whose image bytes are text, not an image. */
  notImages(rec: Buffer): Buffer {
    const parts: Buffer[] = [];
    for (const entry of decodeRecords(rec, "tiny")) {
      const r = unpackImageRecord(entry.data);
      parts.push(encodeRecord(packImageRecord({ label: r.label, id: r.id }, Buffer.from("this is not an image, just text"))));
    }
    return Buffer.concat(parts);
  },
};
