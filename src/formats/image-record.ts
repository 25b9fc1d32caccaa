/**
 * The payload of an MXNet image record (mxnet/recordio.py `pack`/`unpack`,
 * src/io/image_recordio.h): a 24-byte header `struct.pack('IfQQ', flag,
 * label, id, id2)`, then for multi-label records `flag` float32 labels, then
 * the encoded image (JPEG or PNG).
 */
import { FormatError } from "./errors";

export const IMAGE_RECORD_HEADER_BYTES = 24;

export interface ImageRecord {
  /** Class index (single label), or 0 when `labels` is set. */
  label: number;
  /** Multi-label records: one float per label (`flag` of them). null for single-label records. */
  labels: Float32Array | null;
  /** The image's index (the .lst file's first column). */
  id: number;
  id2: number;
  /** Encoded image bytes (a view into the record). */
  image: Buffer;
}

/** A single label writes flag 0 and the label in the header; an array writes flag = its length and the floats after the header. */
export function packImageRecord(header: { label: number | ArrayLike<number>; id: number; id2?: number }, image: Uint8Array): Buffer {
  const multi = typeof header.label !== "number";
  const labels = multi ? Float32Array.from(header.label as ArrayLike<number>) : null;
  const head = Buffer.alloc(IMAGE_RECORD_HEADER_BYTES + (labels ? labels.length * 4 : 0));
  head.writeUInt32LE(labels ? labels.length : 0, 0);
  head.writeFloatLE(labels ? 0 : (header.label as number), 4);
  head.writeBigUInt64LE(BigInt(header.id), 8);
  head.writeBigUInt64LE(BigInt(header.id2 ?? 0), 16);
  labels?.forEach((v, i) => head.writeFloatLE(v, IMAGE_RECORD_HEADER_BYTES + 4 * i));
  return Buffer.concat([head, image]);
}

/** Splits a record into header fields and image bytes; `where` names the record in errors. */
export function unpackImageRecord(data: Buffer, where = "image record"): ImageRecord {
  if (data.length < IMAGE_RECORD_HEADER_BYTES) {
    throw new FormatError(`${where}: ${data.length} bytes is too short for an image record header (${IMAGE_RECORD_HEADER_BYTES} bytes). Pack images with im2rec.`);
  }
  const flag = data.readUInt32LE(0);
  const labelBytes = flag * 4;
  if (data.length < IMAGE_RECORD_HEADER_BYTES + labelBytes) {
    throw new FormatError(`${where}: the header announces ${flag} labels but the record has only ${data.length} bytes. The record is corrupt; recreate the file with im2rec.`);
  }
  let labels: Float32Array | null = null;
  if (flag > 0) {
    labels = new Float32Array(flag);
    for (let i = 0; i < flag; i++) labels[i] = data.readFloatLE(IMAGE_RECORD_HEADER_BYTES + 4 * i);
  }
  return {
    label: data.readFloatLE(4),
    labels,
    id: Number(data.readBigUInt64LE(8)),
    id2: Number(data.readBigUInt64LE(16)),
    image: data.subarray(IMAGE_RECORD_HEADER_BYTES + labelBytes),
  };
}
