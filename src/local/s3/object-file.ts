/**
 * One object = one file: its bytes, then a JSON record of its metadata, then
 * an 8-byte footer (record length, magic). Data and metadata therefore appear
 * together with one rename; a reader holding the file open keeps a consistent
 * object even if a writer replaces it meanwhile.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { StoreError } from "./store-api";
import type { ChecksumAlgorithm, Hasher } from "./checksums";

export interface ObjectRecord {
  key: string;
  size: number;
  /** Quoted. */
  etag: string;
  /** ISO 8601. */
  lastModified: string;
  contentType?: string;
  metadata: Record<string, string>;
  /** Stored system headers: cache-control, content-disposition, content-encoding, content-language, expires. */
  headers: Record<string, string>;
  /** Base64 values; a multipart COMPOSITE checksum ends in "-<parts>". */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  checksumType?: "FULL_OBJECT" | "COMPOSITE";
  partsCount?: number;
}

/** The algorithm an object's checksums are reported under: the first one kept (the client's, if it sent one). */
export function primaryChecksum(r: ObjectRecord): ChecksumAlgorithm | undefined {
  return Object.keys(r.checksums)[0] as ChecksumAlgorithm | undefined;
}

const MAGIC = Buffer.from("LSO1");
const FOOTER_BYTES = 8;

/** An object being written: a temp file that becomes visible only on `commit`. */
export class PendingObject {
  private closed = false;
  size = 0;

  private constructor(
    readonly tmpPath: string,
    private readonly fh: fs.promises.FileHandle,
  ) {}

  static async create(tmpDir: string): Promise<PendingObject> {
    const tmpPath = path.join(tmpDir, `${Date.now()}-${crypto.randomBytes(8).toString("hex")}.part`);
    const fh = await wrapFs(() => fs.promises.open(tmpPath, "wx", 0o600));
    return new PendingObject(tmpPath, fh);
  }

  /** Streams `source` in, feeding every byte to `hashers`; refuses more than `maxBytes`. */
  async writeFrom(source: Readable | AsyncIterable<Buffer> | Buffer[], hashers: Hasher[], maxBytes: number, tooLarge: () => Error): Promise<void> {
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async () => {
      if (batched === 0) return;
      const buffers = batch;
      batch = [];
      batched = 0;
      await wrapFs(() => this.fh.writev(buffers));
    };
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      this.size += buf.length;
      if (this.size > maxBytes) throw tooLarge();
      for (const h of hashers) h.update(buf);
      batch.push(buf);
      batched += buf.length;
      // Small network chunks are written in batches of at least 1 MiB.
      if (batched >= 1 << 20) await flush();
    }
    await flush();
  }

  async append(data: Buffer): Promise<void> {
    this.size += data.length;
    await wrapFs(() => this.fh.write(data, 0, data.length));
  }

  /** Writes the record and footer and makes the file durable. */
  async seal(record: ObjectRecord): Promise<void> {
    const json = Buffer.from(JSON.stringify(record), "utf8");
    const footer = Buffer.alloc(FOOTER_BYTES);
    footer.writeUInt32BE(json.length, 0);
    MAGIC.copy(footer, 4);
    const tail = Buffer.concat([json, footer]);
    await wrapFs(() => this.fh.write(tail, 0, tail.length));
    await wrapFs(() => this.fh.sync());
    await this.close();
  }

  /** Atomically puts the sealed file in place, replacing any previous one. */
  async commit(finalPath: string): Promise<void> {
    await wrapFs(() => fs.promises.rename(this.tmpPath, finalPath));
  }

  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.promises.rm(this.tmpPath, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** An object file opened for reading: its record and a handle on its bytes. */
export interface OpenedObject {
  record: ObjectRecord;
  fh: fs.promises.FileHandle;
}

/** Opens an object file; undefined if it does not exist. */
export async function openObjectFile(file: string): Promise<OpenedObject | undefined> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return { record: await readRecord(fh, file), fh };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

export async function readObjectRecord(file: string): Promise<ObjectRecord | undefined> {
  const opened = await openObjectFile(file);
  if (!opened) return undefined;
  await opened.fh.close();
  return opened.record;
}

async function readRecord(fh: fs.promises.FileHandle, file: string): Promise<ObjectRecord> {
  const { size } = await fh.stat();
  const footer = Buffer.alloc(FOOTER_BYTES);
  if (size < FOOTER_BYTES) throw new Error(`${file} is not an object file (too short)`);
  await fh.read(footer, 0, FOOTER_BYTES, size - FOOTER_BYTES);
  if (!footer.subarray(4).equals(MAGIC)) throw new Error(`${file} is not an object file (no footer)`);
  const len = footer.readUInt32BE(0);
  if (len > size - FOOTER_BYTES) throw new Error(`${file} has a corrupt footer`);
  const json = Buffer.alloc(len);
  await fh.read(json, 0, len, size - FOOTER_BYTES - len);
  const record = JSON.parse(json.toString("utf8")) as ObjectRecord;
  if (record.size !== size - FOOTER_BYTES - len) throw new Error(`${file} has a record that does not match its size`);
  return record;
}

/** Turns ENOSPC/EDQUOT into the store's own error, so S3 can answer it and the caller discards the temp file. */
export async function wrapFs<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      throw new StoreError("NoSpace", "The local S3 store's disk is full (ENOSPC); nothing was stored. Free some disk space and retry.");
    }
    throw err;
  }
}
