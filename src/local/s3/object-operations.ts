/**
 * The single-object operations: PutObject, CopyObject, GetObject/HeadObject,
 * DeleteObject, and DeleteObjects (a bucket POST, but per key a DeleteObject).
 */
import { AwsError } from "../http/errors";
import { childText, childrenNamed } from "../http/xml-parse";
import { xmlResult, type OperationContext, type S3Call, type S3Result } from "./call";
import { CHECKSUM_ALGORITHMS, checksumHeader } from "./checksums";
import { invalidArgument, malformedXml, noSuchKey, notImplemented, preconditionFailed, toS3Error } from "./errors";
import { etagMatches, readBytes } from "./fs-store";
import { primaryChecksum } from "./object-file";
import { conditionalGet, echoChecksum, httpDate, objectHeaders, parseRange, systemHeaders, userMetadata } from "./object-headers";
import { payloadHashOf, preparePayload } from "./payload";
import { parseXmlBody, readSmallBody } from "./request-body";
import * as xml from "./responses";

const MAX_DELETE_KEYS = 1000;

export async function putObject(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  ctx.store.checkKey(key);
  const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
  const ifNoneMatch = call.headers["if-none-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch !== "*") throw notImplemented("PutObject accepts only If-None-Match: * (create only if absent).");
  const record = await ctx.store.putStream(bucket, key, {
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

export async function copyObject(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  ctx.store.checkKey(key);
  const source = parseCopySource(call.headers["x-amz-copy-source"]);
  const opened = await ctx.store.openForRead(source.bucket, source.key).catch((err) => {
    throw toS3Error(err, { bucket: source.bucket, key: source.key });
  });
  if (!opened) throw noSuchKey(source.key);
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
  const primary = primaryChecksum(src);
  const record = await ctx.store.putStream(bucket, key, {
    body: readBytes(opened, 0, src.size - 1),
    contentType: replace === "REPLACE" ? call.headers["content-type"] : src.contentType,
    metadata: replace === "REPLACE" ? userMetadata(call.headers) : src.metadata,
    headers: replace === "REPLACE" ? systemHeaders(call.headers) : src.headers,
    // A composite (multipart) checksum describes the source's parts, which the copy does not have.
    algorithms: primary && !src.checksums[primary]!.includes("-") ? [primary] : [],
  });
  return xmlResult(xml.copyObjectXml(record));
}

/** GetObject, or HeadObject when `head`: the same answer without the body. */
export async function getObject(ctx: OperationContext, call: S3Call, bucket: string, key: string, head: boolean): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  const opened = await ctx.store.openForRead(bucket, key);
  if (!opened) throw noSuchKey(key);
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
      Object.assign(headers, echoChecksum(r, primaryChecksum(r)));
    }
    headers["content-length"] = String(end - start + 1);
    if (head) return { status, headers };
    // The body stream now owns the file handle and closes it when done.
    keepOpen = true;
    return { status, headers, body: readBytes(opened, start, end) };
  } finally {
    if (!keepOpen) await opened.fh.close();
  }
}

export async function deleteObject(ctx: OperationContext, bucket: string, key: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  ctx.store.checkKey(key);
  await ctx.store.deleteObject(bucket, key);
  return { status: 204, headers: {} };
}

/** One key's failure is reported in its entry, as S3 does, and does not stop the others. */
export async function deleteObjects(ctx: OperationContext, call: S3Call, bucket: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  if (call.headers["content-md5"] === undefined && !CHECKSUM_ALGORITHMS.some((a) => call.headers[checksumHeader(a)] !== undefined) && call.headers["x-amz-trailer"] === undefined) {
    throw new AwsError("InvalidRequest", "Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header).", 400);
  }
  const root = parseXmlBody(await readSmallBody(call), "Delete");
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
      ctx.store.checkKey(key);
      await ctx.store.deleteObject(bucket, key);
      entries.push({ key });
    } catch (err) {
      const e = toS3Error(err, { bucket, key });
      if (!(e instanceof AwsError)) throw e;
      entries.push({ key, error: { code: e.code, message: e.message } });
    }
  }
  return xmlResult(xml.deleteResultXml(entries, quiet));
}

/** `x-amz-copy-source`: "[/]bucket/key", percent-encoded, optionally with ?versionId=. */
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
