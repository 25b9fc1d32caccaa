/**
 * An object's HTTP headers both ways: what a write keeps from the request
 * (x-amz-meta-*, the stored system headers), what a read answers (metadata,
 * response-* overrides, checksum echo), and the read's Range and conditions.
 */
import { AwsError } from "../http/errors";
import { checksumHeader, type ChecksumAlgorithm } from "./checksums";
import { preconditionFailed } from "./errors";
import { etagMatches } from "./fs-store";
import type { ObjectRecord } from "./object-file";

/** Stored with the object and returned on GET/HEAD, as S3 does. */
const SYSTEM_HEADERS = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];
const MAX_METADATA_BYTES = 2048;

export function userMetadata(headers: Record<string, string>): Record<string, string> {
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

export function systemHeaders(headers: Record<string, string>): Record<string, string> {
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

export function echoChecksum(r: ObjectRecord, alg: ChecksumAlgorithm | undefined): Record<string, string> {
  if (!alg || !r.checksums[alg]) return {};
  return { [checksumHeader(alg)]: r.checksums[alg]!, "x-amz-checksum-type": r.checksumType ?? "FULL_OBJECT" };
}

export function objectHeaders(r: ObjectRecord, q: URLSearchParams): Record<string, string> {
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

export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

/** True when the GET should answer 304; throws 412 for failed If-Match/If-Unmodified-Since. */
export function conditionalGet(h: Record<string, string>, r: ObjectRecord): boolean {
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
export function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
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
