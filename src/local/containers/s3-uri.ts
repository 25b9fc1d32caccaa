/** S3 locations as the SageMaker API accepts them: `s3://bucket/key` or an https S3 URL. */

export interface S3Location {
  bucket: string;
  /** Key or key prefix, without a leading slash; may be empty. */
  key: string;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  let m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (m) return { bucket: m[1], key: m[2] };
  // https://s3.amazonaws.com/bucket/key, https://s3.<region>.amazonaws.com/bucket/key, https://s3-<region>.amazonaws.com/bucket/key
  m = /^https:\/\/s3[.-][^/]*amazonaws\.com(?:\.cn)?\/([^/]+)\/?(.*)$/.exec(uri) ?? /^https:\/\/s3\.amazonaws\.com\/([^/]+)\/?(.*)$/.exec(uri);
  if (m) return { bucket: m[1], key: decodeURIComponent(m[2]) };
  // https://bucket.s3[.<region>].amazonaws.com/key
  m = /^https:\/\/([^/]+?)\.s3[.-][^/]*amazonaws\.com(?:\.cn)?\/?(.*)$/.exec(uri);
  if (m) return { bucket: m[1], key: decodeURIComponent(m[2]) };
  return undefined;
}

export function formatS3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/**
 * The path of an object below the prefix that selected it, as SageMaker lays
 * channels and batch outputs out: `data/train/` or `data/train` with key
 * `data/train/a/b.rec` → `a/b.rec`; a prefix that ends inside a name
 * (`data/tr` for `data/train/b.rec`) keeps the whole last segment
 * (`train/b.rec`); a prefix that is the object's full key → its file name.
 */
export function relativeKey(prefix: string, key: string): string {
  if (key === prefix) return key.slice(key.lastIndexOf("/") + 1);
  const rest = key.slice(prefix.length);
  if (prefix === "" || prefix.endsWith("/")) return rest;
  if (rest.startsWith("/")) return rest.slice(1);
  return key.slice(prefix.lastIndexOf("/") + 1);
}

/** Joins an output prefix (`s3://b/out` or `s3://b/out/`) and a relative key. */
export function joinKey(prefix: string, relative: string): string {
  if (prefix === "") return relative;
  return prefix.endsWith("/") ? prefix + relative : `${prefix}/${relative}`;
}
