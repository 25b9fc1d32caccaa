/**
 * The local S3's storage on disk, under `<dataDir>/s3/`:
 *
 *   buckets/<bucket>/bucket.json          creation date, region
 *   buckets/<bucket>/objects/<h2>/<hash>  one file per object (see object-file.ts)
 *   uploads/<uploadId>/                   multipart uploads in progress (multipart.ts)
 *   tmp/                                  objects being written; emptied at start
 *
 * Object file names are SHA-256 hashes of the keys, so no key is ever used as
 * a path. Every write goes to tmp/, is fsynced, then renamed into place under
 * the bucket's lock: an object is either absent or complete, and concurrent
 * writers of one key end with one writer's whole object.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BucketIndex } from "./bucket-index";
import { createHasher, type ChecksumAlgorithm } from "./checksums";
import { KeyedMutex } from "./keyed-mutex";
import { listPage, type ListPage, type ListQuery } from "./listing";
import { bucketNameProblem, keyFileName, keyProblem } from "./names";
import { PendingObject, openObjectFile, readObjectRecord, wrapFs, type ObjectRecord, type OpenedObject } from "./object-file";
import { StoreError, type ObjectInfo, type ObjectStore, type PutOptions } from "./store-api";

/** S3's limit for a single PUT (and a single part). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface BucketInfo {
  name: string;
  createdAt: string;
  region: string;
}

/** What a streamed PUT brings besides its key. */
export interface PutStreamInput {
  body: Readable | AsyncIterable<Buffer> | Buffer[];
  contentType?: string;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  /** Checksums to keep besides MD5 (the ETag) and CRC32 (always kept). The first is the one returned. */
  algorithms?: ChecksumAlgorithm[];
  /** Digests only computed for `verify` (e.g. SHA256 for a signed payload hash), not kept. */
  verifyDigests?: ChecksumAlgorithm[];
  maxBytes?: number;
  /** Runs once the body is written, with its size and digests; throwing discards the object. */
  verify?(result: WrittenBody): void | Promise<void>;
  /** S3 conditional writes: "*" = only if absent; an ETag = only if the current object has it. */
  ifNoneMatch?: "*";
  ifMatch?: string;
}

export interface WrittenBody {
  size: number;
  digests: Map<ChecksumAlgorithm | "MD5", Buffer>;
}

interface BucketState {
  info: BucketInfo;
  index?: Promise<BucketIndex>;
}

export class FsObjectStore implements ObjectStore {
  readonly tmpDir: string;
  private readonly bucketsDir: string;
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new KeyedMutex();
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly root: string,
    private readonly defaultRegion: string,
  ) {
    this.tmpDir = path.join(root, "tmp");
    this.bucketsDir = path.join(root, "buckets");
  }

  /** Loads the bucket list and removes temp files a crash left behind. */
  async init(): Promise<void> {
    await fs.promises.rm(this.tmpDir, { recursive: true, force: true });
    await fs.promises.mkdir(this.tmpDir, { recursive: true });
    await fs.promises.mkdir(this.bucketsDir, { recursive: true });
    for (const name of await fs.promises.readdir(this.bucketsDir)) {
      if (bucketNameProblem(name)) continue;
      try {
        const info = JSON.parse(await fs.promises.readFile(path.join(this.bucketsDir, name, "bucket.json"), "utf8")) as BucketInfo;
        this.buckets.set(name, { info });
      } catch {
        // A directory without bucket.json is not a bucket (never created completely).
      }
    }
  }

  // ---- buckets ----

  async listBuckets(): Promise<BucketInfo[]> {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return this.buckets.has(bucket);
  }

  requireBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) throw new StoreError("NoSuchBucket", `The specified bucket does not exist: ${bucket}`);
  }

  bucketInfo(bucket: string): BucketInfo | undefined {
    return this.buckets.get(bucket)?.info;
  }

  /** In-process callers: creates the bucket unless it exists. */
  async createBucket(bucket: string): Promise<void> {
    await this.createBucketIfAbsent(bucket, this.defaultRegion);
  }

  /** Creates a bucket; false when it already existed. */
  async createBucketIfAbsent(bucket: string, region: string): Promise<boolean> {
    const problem = bucketNameProblem(bucket);
    if (problem) throw new StoreError("InvalidBucketName", `The specified bucket is not valid: ${problem}.`);
    return this.locks.run(`bucket:${bucket}`, async () => {
      if (this.buckets.has(bucket)) return false;
      const info: BucketInfo = { name: bucket, createdAt: new Date().toISOString(), region };
      const staging = path.join(this.tmpDir, `bucket-${crypto.randomBytes(8).toString("hex")}`);
      await wrapFs(async () => {
        await fs.promises.mkdir(path.join(staging, "objects"), { recursive: true });
        await fs.promises.writeFile(path.join(staging, "bucket.json"), JSON.stringify(info) + "\n");
        await fs.promises.rename(staging, path.join(this.bucketsDir, bucket));
      }).catch(async (err) => {
        await fs.promises.rm(staging, { recursive: true, force: true });
        throw err;
      });
      this.buckets.set(bucket, { info, index: Promise.resolve(new BucketIndex()) });
      return true;
    });
  }

  async deleteBucket(bucket: string): Promise<void> {
    await this.locks.run(`bucket:${bucket}`, async () => {
      const index = await this.index(bucket);
      if (index.size > 0) throw new StoreError("BucketNotEmpty", "The bucket you tried to delete is not empty.");
      const trash = path.join(this.tmpDir, `deleted-${crypto.randomBytes(8).toString("hex")}`);
      await fs.promises.rename(path.join(this.bucketsDir, bucket), trash);
      this.buckets.delete(bucket);
      await fs.promises.rm(trash, { recursive: true, force: true });
    });
  }

  // ---- objects ----

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const record = await this.getRecord(bucket, key);
    return record && toInfo(bucket, record);
  }

  async getRecord(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return (await this.index(bucket)).get(key);
  }

  /** Opens an object's file so that later replacements do not change what is read. */
  async openForRead(bucket: string, key: string): Promise<OpenedObject | undefined> {
    await this.index(bucket);
    const opened = await openObjectFile(this.objectPath(bucket, key));
    if (opened && opened.record.key !== key) {
      await opened.fh.close();
      return undefined;
    }
    return opened;
  }

  async openObject(bucket: string, key: string): Promise<Readable> {
    const opened = await this.openForRead(bucket, key);
    if (!opened) throw noSuchKey(bucket, key);
    return readBytes(opened, 0, opened.record.size - 1);
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    let after: string | undefined;
    for (;;) {
      const page = await this.listPage(bucket, { prefix, after, maxKeys: 1000 });
      for (const r of page.contents) yield toInfo(bucket, r);
      if (!page.isTruncated) return;
      after = page.last;
    }
  }

  async listPage(bucket: string, q: ListQuery): Promise<ListPage> {
    return listPage(await this.index(bucket), q);
  }

  async putObject(bucket: string, key: string, body: Buffer, opts: PutOptions = {}): Promise<ObjectInfo> {
    const record = await this.putStream(bucket, key, { body: [body], contentType: opts.contentType, metadata: opts.metadata });
    return toInfo(bucket, record);
  }

  async putObjectFromFile(bucket: string, key: string, filePath: string, opts: PutOptions = {}): Promise<ObjectInfo> {
    const record = await this.putStream(bucket, key, {
      body: fs.createReadStream(filePath, { highWaterMark: 1 << 20 }),
      contentType: opts.contentType,
      metadata: opts.metadata,
    });
    return toInfo(bucket, record);
  }

  async downloadTo(bucket: string, key: string, filePath: string): Promise<ObjectInfo> {
    const opened = await this.openForRead(bucket, key);
    if (!opened) throw noSuchKey(bucket, key);
    await fs.promises.mkdir(path.dirname(filePath), { recursive: true });
    const tmp = `${filePath}.${crypto.randomBytes(6).toString("hex")}.download`;
    try {
      await pipeline(readBytes(opened, 0, opened.record.size - 1), fs.createWriteStream(tmp, { mode: 0o644 }));
      await fs.promises.rename(tmp, filePath);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    return toInfo(bucket, opened.record);
  }

  /** Streams a body into a new object version and commits it atomically. */
  async putStream(bucket: string, key: string, input: PutStreamInput): Promise<ObjectRecord> {
    this.checkKey(key);
    await this.index(bucket);
    const algorithms = dedupe<ChecksumAlgorithm>([...(input.algorithms ?? []), "CRC32"]);
    const computed = dedupe<ChecksumAlgorithm | "MD5">(["MD5", ...algorithms, ...(input.verifyDigests ?? [])]);
    const hashers = new Map(computed.map((a) => [a, createHasher(a)] as const));
    const pending = await PendingObject.create(this.tmpDir);
    try {
      await pending.writeFrom(input.body, [...hashers.values()], input.maxBytes ?? MAX_PUT_BYTES, () => entityTooLarge(input.maxBytes ?? MAX_PUT_BYTES));
      const digests = new Map([...hashers].map(([alg, h]) => [alg, h.digest()] as const));
      await input.verify?.({ size: pending.size, digests });
      const record: ObjectRecord = {
        key,
        size: pending.size,
        etag: `"${digests.get("MD5")!.toString("hex")}"`,
        lastModified: new Date().toISOString(),
        contentType: input.contentType,
        metadata: input.metadata ?? {},
        headers: input.headers ?? {},
        checksums: Object.fromEntries(algorithms.map((a) => [a, digests.get(a)!.toString("base64")])),
        checksumType: "FULL_OBJECT",
      };
      await pending.seal(record);
      await this.commit(bucket, pending, record, input);
      return record;
    } catch (err) {
      await pending.discard();
      throw err;
    }
  }

  /**
   * Puts a sealed temp file in place as `record.key`, under the bucket's lock,
   * after checking the bucket still exists and the write's conditions hold.
   */
  async commit(bucket: string, pending: PendingObject, record: ObjectRecord, cond: { ifNoneMatch?: "*"; ifMatch?: string } = {}): Promise<void> {
    await this.locks.run(`bucket:${bucket}`, async () => {
      const index = await this.index(bucket);
      const current = index.get(record.key);
      if (cond.ifNoneMatch === "*" && current) {
        throw new StoreError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold (If-None-Match: * and the object exists).");
      }
      if (cond.ifMatch !== undefined && (!current || !etagMatches(cond.ifMatch, current.etag))) {
        throw new StoreError("PreconditionFailed", `At least one of the pre-conditions you specified did not hold (If-Match: ${cond.ifMatch}).`);
      }
      const file = this.objectPath(bucket, record.key);
      const dir = path.dirname(file);
      if (!this.madeDirs.has(dir)) {
        await wrapFs(() => fs.promises.mkdir(dir, { recursive: true }));
        this.madeDirs.add(dir);
      }
      await pending.commit(file);
      index.set(record);
    });
  }

  /** Deletes an object; deleting a missing key succeeds, as on S3. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.locks.run(`bucket:${bucket}`, async () => {
      const index = await this.index(bucket);
      if (!index.get(key)) return;
      await fs.promises.rm(this.objectPath(bucket, key), { force: true });
      index.delete(key);
    });
  }

  checkKey(key: string): void {
    const problem = keyProblem(key);
    if (problem) throw new StoreError(problem.code, problem.message);
  }

  private objectPath(bucket: string, key: string): string {
    const h = keyFileName(key);
    return path.join(this.bucketsDir, bucket, "objects", h.slice(0, 2), h);
  }

  private index(bucket: string): Promise<BucketIndex> {
    const state = this.buckets.get(bucket);
    if (!state) return Promise.reject(new StoreError("NoSuchBucket", `The specified bucket does not exist: ${bucket}`));
    state.index ??= this.loadIndex(bucket);
    return state.index;
  }

  private async loadIndex(bucket: string): Promise<BucketIndex> {
    const index = new BucketIndex();
    const objectsDir = path.join(this.bucketsDir, bucket, "objects");
    for (const shard of await fs.promises.readdir(objectsDir).catch(() => [] as string[])) {
      for (const name of await fs.promises.readdir(path.join(objectsDir, shard))) {
        const record = await readObjectRecord(path.join(objectsDir, shard, name)).catch(() => undefined);
        // Files that are not whole objects under their key's name are ignored, never served.
        if (record && keyFileName(record.key) === name) index.set(record);
      }
    }
    return index;
  }
}

/** The bytes [start, end] of an opened object; closes its file when done. */
export function readBytes(opened: OpenedObject, start: number, end: number): Readable {
  if (end < start) {
    const empty = new PassThrough();
    empty.end();
    void opened.fh.close();
    return empty;
  }
  return opened.fh.createReadStream({ start, end, highWaterMark: 1 << 20, autoClose: true });
}

export function toInfo(bucket: string, r: ObjectRecord): ObjectInfo {
  return {
    bucket,
    key: r.key,
    size: r.size,
    etag: r.etag,
    lastModified: new Date(r.lastModified),
    contentType: r.contentType,
    metadata: r.metadata,
  };
}

export function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(",")
    .map((s) => s.trim())
    .some((c) => c === "*" || c === etag || `"${c}"` === etag);
}

function noSuchKey(bucket: string, key: string): StoreError {
  return new StoreError("NoSuchKey", `The specified key does not exist: s3://${bucket}/${key}`);
}

function entityTooLarge(max: number): StoreError {
  return new StoreError("EntityTooLarge", `Your proposed upload exceeds the maximum allowed size of ${max} bytes.`);
}

function dedupe<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
