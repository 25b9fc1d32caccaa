/**
 * The local S3's REST API (path-style): routes an authenticated request to
 * its operation and answers like S3, in S3's XML. Bodies stream from the
 * socket through decoding and verification into the store; nothing is
 * committed before every check passed.
 */
import type { Readable } from "node:stream";
import * as crypto from "node:crypto";
import type { SigV4Params } from "../auth/sigv4-params";
import type { ChunkSigner } from "../auth/verify";
import { AwsError } from "../http/errors";
import { XmlSyntaxError, childText, childrenNamed, parseXml, type XmlNode } from "../http/xml-parse";
import { S3_NAMESPACE, xmlDocument } from "../http/xml";
import { CHECKSUM_ALGORITHMS, checksumHeader, compositeChecksum, createHasher, parseChecksumAlgorithm, type ChecksumAlgorithm } from "./checksums";
import { toS3Error } from "./errors";
import { etagMatches, readBytes, type FsObjectStore } from "./fs-store";
import { MAX_PART_NUMBER, noSuchUpload, type CompletedPart, type MultipartStore, type UploadInfo } from "./multipart";
import { bucketNameProblem } from "./names";
import type { ObjectRecord } from "./object-file";
import { payloadHashOf, preparePayload } from "./payload";
import * as xml from "./responses";

export interface S3Call {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Readable;
  requestId: string;
  auth: SigV4Params;
  chunkSigner(): ChunkSigner;
}

export interface S3Result {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer | Readable;
}

export interface S3Context {
  store: FsObjectStore;
  uploads: MultipartStore;
  region: string;
  accountId: string;
  endpoint: string;
}

/** Stored with the object and returned on GET/HEAD, as S3 does. */
const SYSTEM_HEADERS = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];
const MAX_METADATA_BYTES = 2048;
const MAX_XML_BODY = 4 * 1024 * 1024;
const MAX_DELETE_KEYS = 1000;
/** Sub-resources the local S3 does not implement; named in the error so the client knows which. */
const UNSUPPORTED_SUBRESOURCES = [
  "acl", "policy", "cors", "lifecycle", "tagging", "encryption", "website", "logging", "notification", "replication",
  "ownershipControls", "publicAccessBlock", "object-lock", "versions", "accelerate", "requestPayment", "analytics",
  "metrics", "inventory", "intelligent-tiering", "torrent", "legal-hold", "retention", "attributes", "restore", "select",
  "policyStatus", "partNumber", "versionId",
];

export class S3Handler {
  private readonly owner: xml.Owner;

  constructor(private readonly ctx: S3Context) {
    this.owner = { id: crypto.createHash("sha256").update(`local-sagemaker:${ctx.accountId}`).digest("hex"), displayName: "local" };
  }

  async handle(call: S3Call): Promise<S3Result> {
    const { bucket, key } = splitPath(call.rawPath);
    try {
      if (bucket === undefined) {
        if (call.method === "GET") return await this.listBuckets();
        throw methodNotAllowed(call.method, "the service", ["GET"]);
      }
      if (key === undefined) return await this.bucketOperation(call, bucket);
      return await this.objectOperation(call, bucket, key);
    } catch (err) {
      throw toS3Error(err, { bucket, key });
    }
  }

  // ---- routing ----

  private bucketOperation(call: S3Call, bucket: string): Promise<S3Result> {
    const q = call.query;
    this.rejectUnsupported(q);
    switch (call.method) {
      case "PUT":
        return this.createBucket(call, bucket);
      case "HEAD":
        return this.headBucket(bucket);
      case "DELETE":
        return this.deleteBucket(bucket);
      case "GET":
        if (q.has("uploads")) return this.listUploads(call, bucket);
        if (q.has("location")) return this.getLocation(bucket);
        if (q.has("versioning")) return this.getVersioning(bucket);
        if (q.get("list-type") === "2") return this.listObjectsV2(call, bucket);
        if (q.has("list-type")) throw invalidArgument("list-type", q.get("list-type")!, "list-type must be 2 (ListObjectsV2) or absent (ListObjects).");
        return this.listObjectsV1(call, bucket);
      case "POST":
        if (q.has("delete")) return this.deleteObjects(call, bucket);
        throw notImplemented("POST on a bucket (browser form uploads) is not supported by the local S3; use PutObject.");
      default:
        throw methodNotAllowed(call.method, "a bucket", ["GET", "PUT", "HEAD", "DELETE", "POST"]);
    }
  }

  private objectOperation(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const q = call.query;
    this.rejectUnsupported(q, q.has("uploadId") ? ["partNumber"] : []);
    switch (call.method) {
      case "PUT":
        if (q.has("uploadId")) {
          if (call.headers["x-amz-copy-source"] !== undefined) throw notImplemented("UploadPartCopy is not supported by the local S3; upload the part's bytes with UploadPart.");
          return this.uploadPart(call, bucket, key);
        }
        if (call.headers["x-amz-copy-source"] !== undefined) return this.copyObject(call, bucket, key);
        return this.putObject(call, bucket, key);
      case "GET":
        if (q.has("uploadId")) return this.listParts(call, bucket, key);
        return this.getObject(call, bucket, key, false);
      case "HEAD":
        return this.getObject(call, bucket, key, true);
      case "DELETE":
        if (q.has("uploadId")) return this.abortUpload(call, bucket, key);
        return this.deleteObject(bucket, key);
      case "POST":
        if (q.has("uploads")) return this.createUpload(call, bucket, key);
        if (q.has("uploadId")) return this.completeUpload(call, bucket, key);
        throw notImplemented("POST on an object is only CreateMultipartUpload (?uploads) or CompleteMultipartUpload (?uploadId) in the local S3.");
      default:
        throw methodNotAllowed(call.method, "an object", ["GET", "PUT", "HEAD", "DELETE", "POST"]);
    }
  }

  private rejectUnsupported(q: URLSearchParams, allowed: string[] = []): void {
    const name = UNSUPPORTED_SUBRESOURCES.find((s) => q.has(s) && !allowed.includes(s));
    if (name) throw notImplemented(`The "${name}" sub-resource is not implemented by the local S3.`);
  }

  // ---- service ----

  private async listBuckets(): Promise<S3Result> {
    return xmlResult(xml.listBucketsXml(await this.ctx.store.listBuckets(), this.owner));
  }

  // ---- buckets ----

  private async createBucket(call: S3Call, bucket: string): Promise<S3Result> {
    const problem = bucketNameProblem(bucket);
    if (problem) throw new AwsError("InvalidBucketName", `The specified bucket is not valid: ${problem}.`, 400, { BucketName: bucket });
    const body = await this.readSmallBody(call);
    let constraint: string | undefined;
    if (body.length > 0) {
      const root = parseBody(body, "CreateBucketConfiguration");
      constraint = childText(root, "LocationConstraint")?.trim() || undefined;
    }
    const region = this.ctx.region;
    if (region === "us-east-1") {
      if (constraint === "us-east-1") {
        throw new AwsError("InvalidLocationConstraint", "The specified location-constraint is not valid (in us-east-1, omit LocationConstraint).", 400, { LocationConstraint: constraint });
      }
      if (constraint !== undefined) throw illegalLocation(constraint, region);
    } else if (constraint !== region) {
      throw illegalLocation(constraint, region);
    }
    const created = await this.ctx.store.createBucketIfAbsent(bucket, region);
    // us-east-1 keeps S3's legacy answer: re-creating your own bucket there succeeds.
    if (!created && region !== "us-east-1") {
      throw new AwsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409, { BucketName: bucket });
    }
    return { status: 200, headers: { location: `/${bucket}` } };
  }

  private async headBucket(bucket: string): Promise<S3Result> {
    const info = this.ctx.store.bucketInfo(bucket);
    if (!info) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });
    return { status: 200, headers: { "x-amz-bucket-region": info.region, "x-amz-access-point-alias": "false" } };
  }

  private async deleteBucket(bucket: string): Promise<S3Result> {
    await this.ctx.store.deleteBucket(bucket);
    await this.ctx.uploads.removeAllFor(bucket);
    return { status: 204, headers: {} };
  }

  private async getLocation(bucket: string): Promise<S3Result> {
    const info = this.ctx.store.bucketInfo(bucket);
    if (!info) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });
    return xmlResult(xml.locationXml(info.region));
  }

  private async getVersioning(bucket: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    return xmlResult(xmlDocument("VersioningConfiguration", "", S3_NAMESPACE));
  }

  private async listObjectsV2(call: S3Call, bucket: string): Promise<S3Result> {
    const q = call.query;
    const args = listArgs(q);
    const token = q.get("continuation-token") ?? undefined;
    const startAfter = q.get("start-after") ?? undefined;
    const after = token !== undefined ? decodeToken(token) : startAfter;
    const page = await this.ctx.store.listPage(bucket, { prefix: args.prefix, delimiter: args.delimiter, after, maxKeys: args.maxKeys });
    const next = page.isTruncated && page.last !== undefined ? encodeToken(page.last) : undefined;
    return xmlResult(
      xml.listObjectsV2Xml(page, {
        bucket,
        ...args,
        startAfter,
        continuationToken: token,
        nextContinuationToken: next,
        owner: q.get("fetch-owner") === "true" ? this.owner : undefined,
      }),
    );
  }

  private async listObjectsV1(call: S3Call, bucket: string): Promise<S3Result> {
    const args = listArgs(call.query);
    const marker = call.query.get("marker") ?? "";
    const page = await this.ctx.store.listPage(bucket, { prefix: args.prefix, delimiter: args.delimiter, after: marker || undefined, maxKeys: args.maxKeys });
    return xmlResult(xml.listObjectsV1Xml(page, { bucket, ...args, marker, owner: this.owner }));
  }

  private async deleteObjects(call: S3Call, bucket: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    if (call.headers["content-md5"] === undefined && !CHECKSUM_ALGORITHMS.some((a) => call.headers[checksumHeader(a)] !== undefined) && call.headers["x-amz-trailer"] === undefined) {
      throw new AwsError("InvalidRequest", "Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header).", 400);
    }
    const root = parseBody(await this.readSmallBody(call), "Delete");
    const objects = childrenNamed(root, "Object");
    if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
      throw malformedXml(`Delete must list between 1 and ${MAX_DELETE_KEYS} Object elements (got ${objects.length})`);
    }
    const quiet = childText(root, "Quiet")?.trim() === "true";
    const entries: xml.DeleteResultEntry[] = [];
    for (const o of objects) {
      const key = childText(o, "Key");
      if (key === undefined) throw malformedXml("every Object needs a Key");
      try {
        this.ctx.store.checkKey(key);
        await this.ctx.store.deleteObject(bucket, key);
        entries.push({ key });
      } catch (err) {
        const e = toS3Error(err, { bucket, key });
        if (!(e instanceof AwsError)) throw e;
        entries.push({ key, error: { code: e.code, message: e.message } });
      }
    }
    return xmlResult(xml.deleteResultXml(entries, quiet));
  }

  // ---- objects ----

  private async putObject(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    this.ctx.store.checkKey(key);
    const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
    const ifNoneMatch = call.headers["if-none-match"];
    if (ifNoneMatch !== undefined && ifNoneMatch !== "*") throw notImplemented("PutObject accepts only If-None-Match: * (create only if absent).");
    const record = await this.ctx.store.putStream(bucket, key, {
      body: payload.body,
      contentType: call.headers["content-type"],
      metadata: userMetadata(call.headers),
      headers: systemHeaders(call.headers),
      algorithms: payload.algorithms,
      verifyDigests: payload.verifyDigests,
      verify: payload.verify,
      ifNoneMatch: ifNoneMatch === "*" ? "*" : undefined,
      ifMatch: call.headers["if-match"],
    });
    return { status: 200, headers: { etag: record.etag, ...echoChecksum(record, payload.clientAlgorithm) } };
  }

  private async copyObject(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    this.ctx.store.checkKey(key);
    const source = parseCopySource(call.headers["x-amz-copy-source"]);
    const opened = await this.ctx.store.openForRead(source.bucket, source.key).catch((err) => {
      throw toS3Error(err, { bucket: source.bucket, key: source.key });
    });
    if (!opened) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: source.key });
    const src = opened.record;
    const ifMatch = call.headers["x-amz-copy-source-if-match"];
    if (ifMatch !== undefined && !etagMatches(ifMatch, src.etag)) {
      await opened.fh.close();
      throw preconditionFailed("x-amz-copy-source-If-Match");
    }
    const replace = (call.headers["x-amz-metadata-directive"] ?? "COPY").toUpperCase();
    if (replace !== "COPY" && replace !== "REPLACE") {
      await opened.fh.close();
      throw invalidArgument("x-amz-metadata-directive", replace, "x-amz-metadata-directive must be COPY or REPLACE.");
    }
    if (source.bucket === bucket && source.key === key && replace === "COPY") {
      await opened.fh.close();
      throw new AwsError(
        "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        400,
      );
    }
    const primary = Object.keys(src.checksums)[0] as ChecksumAlgorithm | undefined;
    const record = await this.ctx.store.putStream(bucket, key, {
      body: readBytes(opened, 0, src.size - 1),
      contentType: replace === "REPLACE" ? call.headers["content-type"] : src.contentType,
      metadata: replace === "REPLACE" ? userMetadata(call.headers) : src.metadata,
      headers: replace === "REPLACE" ? systemHeaders(call.headers) : src.headers,
      algorithms: primary && !src.checksums[primary]!.includes("-") ? [primary] : [],
    });
    return xmlResult(xml.copyObjectXml(record));
  }

  private async getObject(call: S3Call, bucket: string, key: string, head: boolean): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    const opened = await this.ctx.store.openForRead(bucket, key);
    if (!opened) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    let keepOpen = false;
    try {
      const r = opened.record;
      const notModified = conditionalGet(call.headers, r);
      if (notModified) return { status: 304, headers: { etag: r.etag, "last-modified": httpDate(r.lastModified) } };
      const headers = objectHeaders(r, call.query);
      const range = parseRange(call.headers["range"], r.size);
      if (range === "unsatisfiable") {
        throw new AwsError("InvalidRange", "The requested range is not satisfiable", 416, { RangeRequested: call.headers["range"], ActualObjectSize: r.size });
      }
      let status = 200;
      let [start, end] = [0, r.size - 1];
      if (range) {
        [start, end] = range;
        status = 206;
        headers["content-range"] = `bytes ${start}-${end}/${r.size}`;
      } else if ((call.headers["x-amz-checksum-mode"] ?? "").toUpperCase() === "ENABLED") {
        Object.assign(headers, echoChecksum(r, Object.keys(r.checksums)[0] as ChecksumAlgorithm | undefined));
      }
      headers["content-length"] = String(end - start + 1);
      if (head) return { status, headers };
      keepOpen = true;
      return { status, headers, body: readBytes(opened, start, end) };
    } finally {
      if (!keepOpen) await opened.fh.close();
    }
  }

  private async deleteObject(bucket: string, key: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    this.ctx.store.checkKey(key);
    await this.ctx.store.deleteObject(bucket, key);
    return { status: 204, headers: {} };
  }

  // ---- multipart ----

  private async createUpload(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const algHeader = call.headers["x-amz-checksum-algorithm"];
    const alg = algHeader === undefined ? undefined : parseChecksumAlgorithm(algHeader);
    if (algHeader !== undefined && !alg) {
      throw new AwsError("InvalidRequest", `x-amz-checksum-algorithm "${algHeader.slice(0, 40)}" is not one of ${CHECKSUM_ALGORITHMS.join(", ")}.`, 400);
    }
    const typeHeader = call.headers["x-amz-checksum-type"]?.toUpperCase();
    if (typeHeader !== undefined && typeHeader !== "COMPOSITE" && typeHeader !== "FULL_OBJECT") {
      throw new AwsError("InvalidRequest", `x-amz-checksum-type must be COMPOSITE or FULL_OBJECT (got "${typeHeader.slice(0, 40)}").`, 400);
    }
    const type = (typeHeader ?? (alg === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE")) as UploadInfo["checksumType"];
    if (alg && type === "FULL_OBJECT" && (alg === "SHA1" || alg === "SHA256")) {
      throw new AwsError("InvalidRequest", `The FULL_OBJECT checksum type cannot be used with the ${alg} checksum algorithm.`, 400);
    }
    if (alg === "CRC64NVME" && type === "COMPOSITE") {
      throw new AwsError("InvalidRequest", "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.", 400);
    }
    const upload = await this.ctx.uploads.create({
      bucket,
      key,
      contentType: call.headers["content-type"],
      metadata: userMetadata(call.headers),
      headers: systemHeaders(call.headers),
      checksumAlgorithm: alg,
      checksumType: type,
    });
    const headers: Record<string, string> = {};
    if (alg) {
      headers["x-amz-checksum-algorithm"] = alg;
      headers["x-amz-checksum-type"] = type;
    }
    return xmlResult(xml.initiateMultipartXml(upload), headers);
  }

  private async uploadPart(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const raw = call.query.get("partNumber") ?? "";
    const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(partNumber >= 1 && partNumber <= MAX_PART_NUMBER)) {
      throw invalidArgument("partNumber", raw, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
    }
    const upload = await this.requireUpload(call, bucket, key);
    const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
    const part = await this.ctx.uploads.uploadPart(upload, partNumber, {
      body: payload.body,
      algorithms: payload.algorithms,
      verifyDigests: payload.verifyDigests,
      verify: payload.verify,
    });
    const headers: Record<string, string> = { etag: part.etag };
    const echo = payload.clientAlgorithm ?? upload.checksumAlgorithm;
    if (echo && part.checksums[echo]) headers[checksumHeader(echo)] = part.checksums[echo]!;
    return { status: 200, headers };
  }

  private async completeUpload(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const upload = await this.requireUpload(call, bucket, key);
    const root = parseBody(await this.readSmallBody(call), "CompleteMultipartUpload");
    const parts: CompletedPart[] = childrenNamed(root, "Part").map((p) => {
      const num = childText(p, "PartNumber")?.trim() ?? "";
      const etag = childText(p, "ETag")?.trim();
      if (!/^\d{1,5}$/.test(num) || !etag) throw malformedXml("every Part needs a PartNumber (1-10000) and an ETag");
      const checksums: CompletedPart["checksums"] = {};
      for (const a of CHECKSUM_ALGORITHMS) {
        const v = childText(p, `Checksum${a}`)?.trim();
        if (v) checksums[a] = v;
      }
      return { partNumber: Number(num), etag, checksums };
    });
    const expected = this.expectedWholeChecksum(call.headers, upload, parts);
    const record = await this.ctx.uploads.complete(upload, parts, expected);
    const location = `${this.ctx.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    return xmlResult(xml.completeMultipartXml(location, bucket, record), echoChecksum(record, upload.checksumAlgorithm));
  }

  /** A whole-object checksum sent with Complete: a FULL_OBJECT CRC, or a COMPOSITE value checked against the parts. */
  private expectedWholeChecksum(headers: Record<string, string>, upload: UploadInfo, parts: CompletedPart[]) {
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = headers[checksumHeader(a)];
      if (v === undefined) continue;
      if (!v.includes("-")) return { alg: a, value: v };
      const given = parts.map((p) => p.checksums[a]);
      if (upload.checksumAlgorithm === a && given.every((g): g is string => g !== undefined) && compositeChecksum(a, given) !== v) {
        throw new AwsError("BadDigest", `The ${a} you specified for the multipart object did not match the checksum of its parts.`, 400);
      }
    }
    return undefined;
  }

  private async abortUpload(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    await this.ctx.uploads.abort(await this.requireUpload(call, bucket, key));
    return { status: 204, headers: {} };
  }

  private async listParts(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const upload = await this.requireUpload(call, bucket, key);
    const maxParts = intParam(call.query, "max-parts", 1000, 0, 1000);
    const marker = intParam(call.query, "part-number-marker", 0, 0, MAX_PART_NUMBER);
    const all = (await this.ctx.uploads.listParts(upload)).filter((p) => p.partNumber > marker);
    const parts = all.slice(0, maxParts);
    return xmlResult(xml.listPartsXml({ upload, parts, marker, maxParts, isTruncated: all.length > parts.length, owner: this.owner }));
  }

  private async listUploads(call: S3Call, bucket: string): Promise<S3Result> {
    this.ctx.store.requireBucket(bucket);
    const prefix = call.query.get("prefix") ?? "";
    const maxUploads = intParam(call.query, "max-uploads", 1000, 0, 1000);
    const keyMarker = call.query.get("key-marker") ?? "";
    const idMarker = call.query.get("upload-id-marker") ?? "";
    const all = (await this.ctx.uploads.listUploads(bucket))
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1))
      .filter((u) => !keyMarker || u.key > keyMarker || (u.key === keyMarker && idMarker !== "" && u.uploadId > idMarker));
    const page = all.slice(0, maxUploads);
    return xmlResult(xml.listUploadsXml(bucket, page, prefix, maxUploads, all.length > page.length, this.owner));
  }

  private async requireUpload(call: S3Call, bucket: string, key: string): Promise<UploadInfo> {
    this.ctx.store.requireBucket(bucket);
    const id = call.query.get("uploadId") ?? "";
    const upload = await this.ctx.uploads.get(id, bucket, key);
    if (!upload) throw toS3Error(noSuchUpload(id));
    return upload;
  }

  // ---- bodies ----

  /** Reads a small XML body whole, verified like any other payload. */
  private async readSmallBody(call: S3Call): Promise<Buffer> {
    const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
    const algs = [...new Set<ChecksumAlgorithm | "MD5">(["MD5", ...payload.algorithms, ...payload.verifyDigests])];
    const hashers = new Map(algs.map((a) => [a, createHasher(a)] as const));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_XML_BODY) throw new AwsError("MaxMessageLengthExceeded", `Your request was too big (XML bodies are limited to ${MAX_XML_BODY} bytes).`, 400);
      for (const h of hashers.values()) h.update(chunk);
      chunks.push(chunk);
    }
    payload.verify({ size, digests: new Map([...hashers].map(([a, h]) => [a, h.digest()] as const)) });
    return Buffer.concat(chunks);
  }
}

// ---- helpers ----

function splitPath(rawPath: string): { bucket?: string; key?: string } {
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (path === "") return {};
  const slash = path.indexOf("/");
  const rawBucket = slash < 0 ? path : path.slice(0, slash);
  const rawKey = slash < 0 ? "" : path.slice(slash + 1);
  try {
    const bucket = decodeURIComponent(rawBucket);
    return { bucket, key: rawKey === "" ? undefined : decodeURIComponent(rawKey) };
  } catch {
    throw new AwsError("InvalidURI", "Couldn't parse the specified URI (invalid percent-encoding in the bucket or key).", 400, { URI: rawPath.slice(0, 200) });
  }
}

function xmlResult(body: string, headers: Record<string, string> = {}): S3Result {
  return { status: 200, headers: { "content-type": "application/xml", ...headers }, body };
}

function parseBody(body: Buffer, rootName: string): XmlNode {
  let root: XmlNode;
  try {
    root = parseXml(body.toString("utf8"));
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw malformedXml(err.message);
    throw err;
  }
  if (root.name !== rootName) throw malformedXml(`the root element must be ${rootName}, not ${root.name}`);
  return root;
}

function malformedXml(detail: string): AwsError {
  return new AwsError("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema (${detail}).`, 400);
}

function notImplemented(message: string): AwsError {
  return new AwsError("NotImplemented", `A header or query you provided requested a function that is not implemented. ${message}`, 501);
}

function methodNotAllowed(method: string, what: string, allowed: string[]): AwsError {
  return new AwsError("MethodNotAllowed", `The specified method is not allowed against this resource (${method} on ${what}).`, 405, { Method: method, ResourceType: what }, { allow: allowed.join(", ") });
}

function invalidArgument(name: string, value: string, message: string): AwsError {
  return new AwsError("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value.slice(0, 200) });
}

function preconditionFailed(condition: string): AwsError {
  return new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: condition });
}

function illegalLocation(constraint: string | undefined, region: string): AwsError {
  return new AwsError(
    "IllegalLocationConstraintException",
    `The ${constraint ?? "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to (the local S3 is in ${region}${region === "us-east-1" ? "; omit LocationConstraint" : `; use LocationConstraint ${region}`}).`,
    400,
  );
}

function listArgs(q: URLSearchParams) {
  const encoding = q.get("encoding-type");
  if (encoding !== null && encoding !== "url") throw invalidArgument("encoding-type", encoding, "Invalid Encoding Method specified in Request");
  const delimiter = q.get("delimiter");
  return {
    prefix: q.get("prefix") ?? "",
    delimiter: delimiter === null || delimiter === "" ? undefined : delimiter,
    maxKeys: intParam(q, "max-keys", 1000, 0, 1000),
    encodingUrl: encoding === "url",
  };
}

/** An integer query parameter; values above `max` are clamped, as S3 clamps max-keys. */
function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^-?\d{1,10}$/.test(raw) || Number(raw) < min) {
    throw invalidArgument(name, raw, `Provided ${name} not an integer or within integer range (it must be at least ${min}).`);
  }
  return Math.min(Number(raw), max);
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ a: after }), "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown };
    if (typeof parsed.a === "string") return parsed.a;
  } catch {
    // fall through to the error
  }
  throw invalidArgument("continuation-token", token, "The continuation token provided is incorrect");
}

function userMetadata(headers: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = {};
  let bytes = 0;
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith("x-amz-meta-")) continue;
    const name = k.slice("x-amz-meta-".length);
    meta[name] = v;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new AwsError("MetadataTooLarge", `Your metadata headers exceed the maximum allowed metadata size (${bytes} bytes of x-amz-meta-* names and values; the limit is ${MAX_METADATA_BYTES}).`, 400, {
      Size: bytes,
      MaxSizeAllowed: MAX_METADATA_BYTES,
    });
  }
  return meta;
}

function systemHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of SYSTEM_HEADERS) {
    let v = headers[h];
    if (v === undefined) continue;
    // aws-chunked describes the transfer, not the object.
    if (h === "content-encoding") v = v.split(",").map((e) => e.trim()).filter((e) => e && e.toLowerCase() !== "aws-chunked").join(", ");
    if (v) out[h] = v;
  }
  return out;
}

function echoChecksum(r: ObjectRecord, alg: ChecksumAlgorithm | undefined): Record<string, string> {
  if (!alg || !r.checksums[alg]) return {};
  return { [checksumHeader(alg)]: r.checksums[alg]!, "x-amz-checksum-type": r.checksumType ?? "FULL_OBJECT" };
}

function objectHeaders(r: ObjectRecord, q: URLSearchParams): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": r.contentType ?? "binary/octet-stream",
    etag: r.etag,
    "last-modified": httpDate(r.lastModified),
    "accept-ranges": "bytes",
    ...r.headers,
  };
  for (const [k, v] of Object.entries(r.metadata)) headers[`x-amz-meta-${k}`] = v;
  if (r.partsCount) headers["x-amz-mp-parts-count"] = String(r.partsCount);
  for (const name of ["content-type", "content-language", "expires", "cache-control", "content-disposition", "content-encoding"]) {
    const override = q.get(`response-${name}`);
    if (override !== null) headers[name] = override;
  }
  return headers;
}

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

/** True when the GET should answer 304; throws 412 for failed If-Match/If-Unmodified-Since. */
function conditionalGet(h: Record<string, string>, r: ObjectRecord): boolean {
  const modified = Math.floor(new Date(r.lastModified).getTime() / 1000);
  const ifMatch = h["if-match"];
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, r.etag)) throw preconditionFailed("If-Match");
  } else if (h["if-unmodified-since"] !== undefined) {
    const t = Date.parse(h["if-unmodified-since"]);
    if (!Number.isNaN(t) && modified > Math.floor(t / 1000)) throw preconditionFailed("If-Unmodified-Since");
  }
  const ifNoneMatch = h["if-none-match"];
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, r.etag);
  if (h["if-modified-since"] !== undefined) {
    const t = Date.parse(h["if-modified-since"]);
    if (!Number.isNaN(t) && modified <= Math.floor(t / 1000)) return true;
  }
  return false;
}

/** [start, end] inclusive; undefined to send the whole object (no or unusable Range, as S3 ignores those). */
function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return [start, end];
}

function parseCopySource(raw: string): { bucket: string; key: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.split("?")[0]);
  } catch {
    throw invalidArgument("x-amz-copy-source", raw, "Invalid copy source encoding.");
  }
  const path = decoded.startsWith("/") ? decoded.slice(1) : decoded;
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) {
    throw invalidArgument("x-amz-copy-source", raw, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.");
  }
  if (raw.includes("?versionId=")) throw notImplemented("Copying a specific versionId is not supported (the local S3 keeps no versions).");
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}
