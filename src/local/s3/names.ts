/**
 * S3's rules for bucket names and object keys, and how keys become file
 * names: never as paths. A key is hashed, so "..", absolute paths, NUL or
 * 1024-byte keys can never reach outside (or even name) a directory.
 */
import * as crypto from "node:crypto";

export const MAX_KEY_BYTES = 1024;

/** Why `name` is not a valid bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "bucket names must be between 3 and 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "bucket names can consist only of lowercase letters, numbers, dots (.) and hyphens (-)";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "bucket names must begin and end with a letter or number";
  if (name.includes("..")) return "bucket names must not contain two adjacent periods";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "bucket names must not be formatted as an IP address";
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) if (name.startsWith(prefix)) return `bucket names must not start with "${prefix}"`;
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) if (name.endsWith(suffix)) return `bucket names must not end with "${suffix}"`;
  return undefined;
}

/** Why `key` is not an object key the local S3 stores, or undefined when it is. */
export function keyProblem(key: string): { code: "KeyTooLongError" | "InvalidArgument"; message: string } | undefined {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes === 0) return { code: "InvalidArgument", message: "Object keys must not be empty." };
  if (bytes > MAX_KEY_BYTES) return { code: "KeyTooLongError", message: `Your key is too long: ${bytes} bytes of UTF-8; the maximum is ${MAX_KEY_BYTES}.` };
  // Characters XML 1.0 cannot carry would make every listing of the bucket unreadable.
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(key);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return { code: "InvalidArgument", message: `Object key contains U+${code}, which the local S3 refuses (NUL, control characters other than tab/CR/LF and unpaired surrogates cannot be listed in XML).` };
  }
  return undefined;
}

/** File name of a key inside its bucket: hex SHA-256 of its UTF-8 bytes. */
export function keyFileName(key: string): string {
  return crypto.createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * S3 sorts keys by their UTF-8 bytes. JavaScript compares UTF-16 code units,
 * which differs only between surrogates (code points >= U+10000) and
 * U+E000..U+FFFF; shifting those two ranges gives byte order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
