/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`
 * (padded with spaces to a multiple of 8), then the tensor data, little-endian.
 * Only float32 tensors are written and read: the engine's weights are float32.
 */
import { FormatError } from "./errors";

export type Float32Tensors = Record<string, { shape: number[]; data: Float32Array }>;

export interface SafetensorsContent {
  tensors: Float32Tensors;
  metadata: Record<string, string>;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function encodeSafetensors(tensors: Float32Tensors, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const { shape, data } = tensors[name];
    if (product(shape) !== data.length) {
      throw new FormatError(`Tensor ${name}: shape [${shape.join(", ")}] holds ${product(shape)} values but the data has ${data.length}.`);
    }
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name];
    // Float32Array is host-endian; every platform Node supports here is little-endian.
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, pos);
    pos += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(buf: Buffer, source = "safetensors data"): SafetensorsContent {
  const bad = (what: string): FormatError => new FormatError(`${source}: ${what}. The file is corrupt or not a safetensors file.`);
  if (buf.length < 8) throw bad(`only ${buf.length} bytes, too short for the 8-byte header length`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > buf.length - 8) throw bad(`the header length ${headerLength} exceeds the ${buf.length - 8} bytes that follow`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString("utf8"));
  } catch (e) {
    throw bad(`the header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw bad("the header is not a JSON object");
  const dataStart = 8 + headerLength;
  const dataLength = buf.length - dataStart;
  const tensors: Float32Tensors = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== "F32") throw bad(`tensor ${name} has dtype ${JSON.stringify(e.dtype)}; only F32 is supported`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`tensor ${name} has an invalid shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw bad(`tensor ${name} has invalid data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const shape = e.shape as number[];
    if (end < begin || end > dataLength) throw bad(`tensor ${name} lies at bytes ${begin}-${end} but the data section has ${dataLength} bytes`);
    if (end - begin !== product(shape) * 4) throw bad(`tensor ${name}: ${end - begin} bytes do not match shape [${shape.join(", ")}]`);
    const data = new Float32Array(product(shape));
    Buffer.from(data.buffer).set(buf.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape, data };
  }
  return { tensors, metadata };
}
