/**
 * Multipart uploads, kept on disk under `<dataDir>/s3/uploads/<uploadId>/`
 * (`upload.json` and one object-format file per part) so they survive
 * restarts. Completing concatenates the parts into a new object file and
 * commits it like any PUT: the object appears whole or not at all.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { compositeChecksum, createHasher, type ChecksumAlgorithm } from "./checksums";
import { MAX_PUT_BYTES, readBytes, type FsObjectStore, type PutStreamInput } from "./fs-store";
import { KeyedMutex } from "./keyed-mutex";
import { PendingObject, openObjectFile, readObjectRecord, wrapFs, type ObjectRecord } from "./object-file";

export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10000;

export interface UploadInfo {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  contentType?: string;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType: "COMPOSITE" | "FULL_OBJECT";
}

export interface PartRecord {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** S3's errors for multipart requests; the S3 handler maps `code` to its XML error. */
export class MultipartError extends Error {
  constructor(
    readonly code: "NoSuchUpload" | "InvalidPart" | "InvalidPartOrder" | "EntityTooSmall" | "MalformedXML" | "BadDigest",
    message: string,
    readonly fields: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = code;
  }
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{16,128}$/;

export class MultipartStore {
  private readonly dir: string;
  private readonly locks = new KeyedMutex();

  constructor(private readonly store: FsObjectStore) {
    this.dir = path.join(store.root, "uploads");
  }

  async init(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
  }

  async create(info: Omit<UploadInfo, "uploadId" | "initiated">): Promise<UploadInfo> {
    this.store.checkKey(info.key);
    this.store.requireBucket(info.bucket);
    const upload: UploadInfo = { ...info, uploadId: crypto.randomBytes(36).toString("base64url"), initiated: new Date().toISOString() };
    const dir = this.uploadDir(upload.uploadId);
    const staging = path.join(this.store.tmpDir, `upload-${upload.uploadId}`);
    await wrapFs(async () => {
      await fs.promises.mkdir(staging);
      await fs.promises.writeFile(path.join(staging, "upload.json"), JSON.stringify(upload) + "\n");
      await fs.promises.rename(staging, dir);
    }).catch(async (err) => {
      await fs.promises.rm(staging, { recursive: true, force: true });
      throw err;
    });
    return upload;
  }

  /** The upload, if `uploadId` names one in progress for this bucket and key. */
  async get(uploadId: string, bucket: string, key?: string): Promise<UploadInfo | undefined> {
    if (!UPLOAD_ID.test(uploadId)) return undefined;
    try {
      const info = JSON.parse(await fs.promises.readFile(path.join(this.uploadDir(uploadId), "upload.json"), "utf8")) as UploadInfo;
      if (info.bucket !== bucket || (key !== undefined && info.key !== key)) return undefined;
      return info;
    } catch {
      return undefined;
    }
  }

  async uploadPart(upload: UploadInfo, partNumber: number, input: PutStreamInput): Promise<PartRecord> {
    const algorithms = dedupe<ChecksumAlgorithm>([...(input.algorithms ?? []), ...(upload.checksumAlgorithm ? [upload.checksumAlgorithm] : [])]);
    const computed = dedupe<ChecksumAlgorithm | "MD5">(["MD5", ...algorithms, ...(input.verifyDigests ?? [])]);
    const hashers = new Map(computed.map((a) => [a, createHasher(a)] as const));
    const pending = await PendingObject.create(this.store.tmpDir);
    try {
      const max = input.maxBytes ?? MAX_PUT_BYTES;
      await pending.writeFrom(input.body, [...hashers.values()], max, () => new MultipartError("InvalidPart", `A part may be at most ${max} bytes.`));
      const digests = new Map([...hashers].map(([alg, h]) => [alg, h.digest()] as const));
      await input.verify?.({ size: pending.size, digests });
      const part: PartRecord = {
        partNumber,
        size: pending.size,
        etag: `"${digests.get("MD5")!.toString("hex")}"`,
        lastModified: new Date().toISOString(),
        checksums: Object.fromEntries(algorithms.map((a) => [a, digests.get(a)!.toString("base64")])),
      };
      await pending.seal(partAsRecord(part));
      await this.locks.run(upload.uploadId, async () => {
        if (!(await this.get(upload.uploadId, upload.bucket, upload.key))) throw noSuchUpload(upload.uploadId);
        await pending.commit(this.partPath(upload.uploadId, partNumber));
      });
      return part;
    } catch (err) {
      await pending.discard();
      throw err;
    }
  }

  async listParts(upload: UploadInfo): Promise<PartRecord[]> {
    const dir = this.uploadDir(upload.uploadId);
    const parts: PartRecord[] = [];
    for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      if (!/^part-\d{5}$/.test(name)) continue;
      const record = await readObjectRecord(path.join(dir, name)).catch(() => undefined);
      if (record) parts.push(recordAsPart(record));
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async listUploads(bucket: string): Promise<UploadInfo[]> {
    const uploads: UploadInfo[] = [];
    for (const id of await fs.promises.readdir(this.dir)) {
      const info = await this.get(id, bucket);
      if (info) uploads.push(info);
    }
    return uploads;
  }

  async abort(upload: UploadInfo): Promise<void> {
    await this.locks.run(upload.uploadId, () => this.remove(upload.uploadId));
  }

  /** Validates the part list like S3 and commits the concatenated object. */
  async complete(upload: UploadInfo, requested: CompletedPart[], expectedFullChecksum?: { alg: ChecksumAlgorithm; value: string }): Promise<ObjectRecord> {
    return this.locks.run(upload.uploadId, async () => {
      if (!(await this.get(upload.uploadId, upload.bucket, upload.key))) throw noSuchUpload(upload.uploadId);
      const stored = new Map((await this.listParts(upload)).map((p) => [p.partNumber, p]));
      const parts = this.validate(upload, requested, stored);
      const alg = upload.checksumAlgorithm;
      const fullAlgorithms = dedupe<ChecksumAlgorithm>([
        ...(alg && upload.checksumType === "FULL_OBJECT" ? [alg] : []),
        ...(expectedFullChecksum ? [expectedFullChecksum.alg] : []),
        "CRC32",
      ]);
      const hashers = new Map(fullAlgorithms.map((a) => [a, createHasher(a)] as const));
      const pending = await PendingObject.create(this.store.tmpDir);
      try {
        for (const part of parts) {
          const opened = await openObjectFile(this.partPath(upload.uploadId, part.partNumber));
          if (!opened) throw invalidPart(part.partNumber);
          await pending.writeFrom(readBytes(opened, 0, opened.record.size - 1), [...hashers.values()], Number.MAX_SAFE_INTEGER, () => new Error("unreachable"));
        }
        const full = new Map([...hashers].map(([a, h]) => [a, h.digest().toString("base64")] as const));
        if (expectedFullChecksum && full.get(expectedFullChecksum.alg) !== expectedFullChecksum.value) {
          throw new MultipartError("BadDigest", `The ${expectedFullChecksum.alg} you specified for the whole object did not match the calculated checksum.`);
        }
        const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag.slice(1, -1), "hex")));
        const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
        if (alg && upload.checksumType === "COMPOSITE") checksums[alg] = compositeChecksum(alg, parts.map((p) => p.checksums[alg]!));
        for (const [a, v] of full) checksums[a] ??= v;
        const record: ObjectRecord = {
          key: upload.key,
          size: pending.size,
          etag: `"${crypto.createHash("md5").update(md5s).digest("hex")}-${parts.length}"`,
          lastModified: new Date().toISOString(),
          contentType: upload.contentType,
          metadata: upload.metadata,
          headers: upload.headers,
          checksums,
          checksumType: alg ? upload.checksumType : "FULL_OBJECT",
          partsCount: parts.length,
        };
        await pending.seal(record);
        await this.store.commit(upload.bucket, pending, record);
        await this.remove(upload.uploadId);
        return record;
      } catch (err) {
        await pending.discard();
        throw err;
      }
    });
  }

  /** Removes every upload of a deleted bucket. */
  async removeAllFor(bucket: string): Promise<void> {
    for (const u of await this.listUploads(bucket)) await this.abort(u);
  }

  private validate(upload: UploadInfo, requested: CompletedPart[], stored: Map<number, PartRecord>): PartRecord[] {
    if (requested.length === 0) {
      throw new MultipartError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema (CompleteMultipartUpload lists no Part).");
    }
    const parts: PartRecord[] = [];
    requested.forEach((req, i) => {
      if (i > 0 && req.partNumber <= requested[i - 1].partNumber) {
        throw new MultipartError("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", {
          UploadId: upload.uploadId,
        });
      }
      const part = stored.get(req.partNumber);
      if (!part || normalizeEtag(req.etag) !== part.etag) throw invalidPart(req.partNumber, req.etag);
      for (const [a, v] of Object.entries(req.checksums) as Array<[ChecksumAlgorithm, string]>) {
        if (part.checksums[a] !== undefined && part.checksums[a] !== v) {
          throw new MultipartError("InvalidPart", `The ${a} checksum given for part ${req.partNumber} does not match the part that was uploaded.`, {
            PartNumber: req.partNumber,
          });
        }
      }
      parts.push(part);
    });
    parts.slice(0, -1).forEach((p) => {
      if (p.size < MIN_PART_BYTES) {
        throw new MultipartError("EntityTooSmall", `Your proposed upload is smaller than the minimum allowed object size: part ${p.partNumber} has ${p.size} bytes; every part but the last needs at least ${MIN_PART_BYTES}.`, {
          ProposedSize: p.size,
          MinSizeAllowed: MIN_PART_BYTES,
          PartNumber: p.partNumber,
          ETag: p.etag,
        });
      }
    });
    return parts;
  }

  private async remove(uploadId: string): Promise<void> {
    const trash = path.join(this.store.tmpDir, `aborted-${uploadId}`);
    try {
      await fs.promises.rename(this.uploadDir(uploadId), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw noSuchUpload(uploadId);
      throw err;
    }
    await fs.promises.rm(trash, { recursive: true, force: true });
  }

  private uploadDir(uploadId: string): string {
    return path.join(this.dir, uploadId);
  }

  private partPath(uploadId: string, partNumber: number): string {
    return path.join(this.uploadDir(uploadId), `part-${String(partNumber).padStart(5, "0")}`);
  }
}

export function noSuchUpload(uploadId: string): MultipartError {
  return new MultipartError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", {
    UploadId: uploadId,
  });
}

function invalidPart(partNumber: number, etag?: string): MultipartError {
  return new MultipartError(
    "InvalidPart",
    `One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. (part ${partNumber}${etag ? `, ETag ${etag}` : ""})`,
    { PartNumber: partNumber, ...(etag ? { ETag: etag } : {}) },
  );
}

function normalizeEtag(etag: string): string {
  const t = etag.trim();
  return t.startsWith('"') ? t : `"${t}"`;
}

function partAsRecord(p: PartRecord): ObjectRecord {
  return { key: String(p.partNumber), size: p.size, etag: p.etag, lastModified: p.lastModified, metadata: {}, headers: {}, checksums: p.checksums };
}

function recordAsPart(r: ObjectRecord): PartRecord {
  return { partNumber: Number(r.key), size: r.size, etag: r.etag, lastModified: r.lastModified, checksums: r.checksums };
}

function dedupe<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
