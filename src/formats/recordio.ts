/**
 * MXNet/dmlc RecordIO, byte-compatible with dmlc-core's RecordIOWriter and
 * RecordIOReader (src/recordio.cc):
 *
 *   [magic u32 LE][lrec u32 LE][data][zero pad to a 4-byte boundary]
 *   lrec = cflag << 29 | length; cflag 0 whole, 1 first, 2 middle, 3 last part.
 *
 * A record whose data holds the magic at a 4-aligned offset is split there:
 * the magic bytes are dropped on write and put back by the reader, so a
 * reader can resynchronise on any magic it finds.
 */
import * as fs from "node:fs";
import { FormatError } from "./errors";

export const RECORDIO_MAGIC = 0xced7230a;
const HEADER_BYTES = 8;
const MAX_LENGTH = (1 << 29) - 1;
const MAGIC_BYTES = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);

/** Continuation flags of a record part. */
export const CFlag = { Whole: 0, First: 1, Middle: 2, Last: 3 } as const;

const align4 = (n: number): number => (n + 3) & ~3;

/** The bytes of one record as dmlc's writer emits them (split around aligned magics, padded). */
export function encodeRecord(data: Uint8Array): Buffer {
  if (data.length > MAX_LENGTH) {
    throw new FormatError(`RecordIO records must be smaller than 2^29 bytes; this one has ${data.length} bytes.`);
  }
  const parts: Buffer[] = [];
  const header = (cflag: number, length: number): Buffer => {
    const h = Buffer.alloc(HEADER_BYTES);
    h.writeUInt32LE(RECORDIO_MAGIC, 0);
    h.writeUInt32LE(((cflag << 29) | length) >>> 0, 4);
    return h;
  };
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const lowerAlign = data.length & ~3;
  let dptr = 0;
  for (let i = 0; i < lowerAlign; i += 4) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x23 && bytes[i + 2] === 0xd7 && bytes[i + 3] === 0xce) {
      parts.push(header(dptr === 0 ? CFlag.First : CFlag.Middle, i - dptr), bytes.subarray(dptr, i));
      dptr = i + 4;
    }
  }
  parts.push(header(dptr !== 0 ? CFlag.Last : CFlag.Whole, data.length - dptr), bytes.subarray(dptr));
  const pad = align4(data.length) - data.length;
  if (pad) parts.push(Buffer.alloc(pad));
  return Buffer.concat(parts);
}

/** Writes records to a file; `write` returns the byte offset of the record (what `.idx` files store). */
export class RecordIOWriter {
  private fd: number | null;
  private position = 0;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.fd = fs.openSync(path, "w");
  }

  write(data: Uint8Array): number {
    if (this.fd === null) throw new Error(`RecordIOWriter for ${this.path} is closed.`);
    const offset = this.position;
    const bytes = encodeRecord(data);
    fs.writeSync(this.fd, bytes);
    this.position += bytes.length;
    return offset;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** One logical record: its number in the file (from 0), the byte offset of its first header, its data. */
export interface RecordEntry {
  index: number;
  offset: number;
  data: Buffer;
}

/**
 * Decodes physical parts into logical records and reports damage precisely.
 * Shared by the in-memory and the streaming readers.
 */
class Assembler {
  private parts: Buffer[] = [];
  private startOffset = -1;
  private count: number;
  private readonly base: number;

  /** `first`: the number of the first record and its offset in the file, when decoding a slice. */
  constructor(
    private readonly source: string,
    first: { index: number; offset: number } = { index: 0, offset: 0 },
  ) {
    this.count = first.index;
    this.base = first.offset;
  }

  /** Parses the 8-byte header at `offset`; returns the part's data length and flag. */
  header(buf: Buffer, at: number, offset: number): { cflag: number; length: number } {
    const magic = buf.readUInt32LE(at);
    if (magic !== RECORDIO_MAGIC) {
      throw this.damage(offset, `found 0x${magic.toString(16).padStart(8, "0")} where the RecordIO magic 0xced7230a should be`);
    }
    const lrec = buf.readUInt32LE(at + 4);
    const cflag = lrec >>> 29;
    if (cflag > CFlag.Last) throw this.damage(offset, `invalid continuation flag ${cflag} in the record header`);
    const expectingContinuation = this.startOffset >= 0;
    if (expectingContinuation && (cflag === CFlag.Whole || cflag === CFlag.First)) {
      throw this.damage(offset, "a new record starts before the previous multi-part record ended");
    }
    if (!expectingContinuation && (cflag === CFlag.Middle || cflag === CFlag.Last)) {
      throw this.damage(offset, "a continuation part without a first part");
    }
    return { cflag, length: lrec & MAX_LENGTH };
  }

  /** Adds a part; returns the finished record when this part ends one. */
  add(cflag: number, data: Buffer, offset: number): RecordEntry | null {
    if (cflag === CFlag.Whole) return { index: this.count++, offset: offset + this.base, data };
    if (cflag === CFlag.First) this.startOffset = offset;
    this.parts.push(data);
    if (cflag !== CFlag.Last) {
      this.parts.push(MAGIC_BYTES);
      return null;
    }
    const record = { index: this.count++, offset: this.startOffset + this.base, data: Buffer.concat(this.parts) };
    this.parts = [];
    this.startOffset = -1;
    return record;
  }

  end(offset: number): void {
    if (this.startOffset >= 0) throw this.damage(offset, "the file ends inside a multi-part record");
  }

  truncated(offset: number, needed: number, available: number): FormatError {
    return this.damage(offset, `truncated: ${needed} bytes needed but only ${available} remain`);
  }

  private damage(offset: number, what: string): FormatError {
    offset += this.base;
    const at = this.startOffset >= 0 ? this.startOffset + this.base : offset;
    return new FormatError(
      `Invalid RecordIO data in ${this.source}: record ${this.count} (starting at byte offset ${at}, part at ${offset}): ${what}. ` +
        "The file is corrupt or not a RecordIO file; recreate it (e.g. with im2rec).",
    );
  }
}

/** All records of an in-memory RecordIO file. */
export function* decodeRecords(
  buf: Buffer,
  source = "buffer",
  first: { index: number; offset: number } = { index: 0, offset: 0 },
): Generator<RecordEntry> {
  const asm = new Assembler(source, first);
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < HEADER_BYTES) throw asm.truncated(pos, HEADER_BYTES, buf.length - pos);
    const { cflag, length } = asm.header(buf, pos, pos);
    const padded = align4(length);
    if (buf.length - pos - HEADER_BYTES < padded) throw asm.truncated(pos, HEADER_BYTES + padded, buf.length - pos);
    const record = asm.add(cflag, buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + length), pos);
    pos += HEADER_BYTES + padded;
    if (record) yield record;
  }
  asm.end(pos);
}

/**
 * Streams the records of a RecordIO file without loading it whole: reads in
 * chunks, so memory stays at one chunk plus the largest record.
 */
export async function* readRecordFile(path: string, chunkBytes = 4 << 20): AsyncGenerator<RecordEntry> {
  const handle = await fs.promises.open(path, "r");
  try {
    const { size } = await handle.stat();
    const asm = new Assembler(path);
    let window = Buffer.alloc(0);
    let windowStart = 0; // file offset of window[0]
    let pos = 0;
    const ensure = async (needed: number): Promise<boolean> => {
      const have = windowStart + window.length - pos;
      if (have >= needed) return true;
      const want = Math.max(needed - have, chunkBytes);
      const fresh = Buffer.alloc(Math.min(want, size - (windowStart + window.length)));
      if (fresh.length > 0) {
        const { bytesRead } = await handle.read(fresh, 0, fresh.length, windowStart + window.length);
        window = Buffer.concat([window.subarray(pos - windowStart), fresh.subarray(0, bytesRead)]);
        windowStart = pos;
      }
      return windowStart + window.length - pos >= needed;
    };
    while (pos < size) {
      if (!(await ensure(HEADER_BYTES))) throw asm.truncated(pos, HEADER_BYTES, size - pos);
      const { cflag, length } = asm.header(window, pos - windowStart, pos);
      const padded = align4(length);
      if (!(await ensure(HEADER_BYTES + padded))) throw asm.truncated(pos, HEADER_BYTES + padded, size - pos);
      const at = pos - windowStart + HEADER_BYTES;
      // Copy: the window is reused, callers may keep records.
      const record = asm.add(cflag, Buffer.from(window.subarray(at, at + length)), pos);
      pos += HEADER_BYTES + padded;
      if (record) yield record;
    }
    asm.end(pos);
  } finally {
    await handle.close();
  }
}

/** Where each record of a file lies, for random access without holding the data. */
export interface RecordLocation {
  index: number;
  offset: number;
  /** Bytes from `offset` to the end of the record's last part (headers and padding included). */
  span: number;
}

/** Random access to a RecordIO file: scan once for locations, then read any record. */
export class RecordIOFile {
  private constructor(
    readonly path: string,
    private readonly handle: fs.promises.FileHandle,
    readonly locations: RecordLocation[],
  ) {}

  static async open(path: string): Promise<RecordIOFile> {
    const offsets: number[] = [];
    for await (const entry of readRecordFile(path)) offsets.push(entry.offset);
    const handle = await fs.promises.open(path, "r");
    const { size } = await handle.stat();
    // A record ends where the next begins (the last one at the end of the file).
    const locations = offsets.map((offset, index) => ({ index, offset, span: (offsets[index + 1] ?? size) - offset }));
    return new RecordIOFile(path, handle, locations);
  }

  get count(): number {
    return this.locations.length;
  }

  async read(index: number): Promise<Buffer> {
    const loc = this.locations[index];
    if (!loc) throw new RangeError(`${this.path} has ${this.locations.length} records; there is no record ${index}.`);
    const buf = Buffer.alloc(loc.span);
    await this.handle.read(buf, 0, loc.span, loc.offset);
    const [entry] = decodeRecords(buf, this.path, loc);
    return entry.data;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
