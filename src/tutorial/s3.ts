/**
 * The S3 steps of the tutorial: the default bucket, uploads with progress
 * (`@aws-sdk/lib-storage`, multipart for large files), listing with
 * pagination, reading JSON objects and downloading.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
  type BucketLocationConstraint,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { formatTransfer, startProgress, type Progress } from "./progress";

export interface S3Location {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`S3 URI: "${uri}" is not of the form s3://<bucket>/<key>.`);
  return { bucket: m[1], key: m[2] };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The SageMaker SDK's default bucket name. */
export function defaultBucketName(region: string, account: string): string {
  return `sagemaker-${region}-${account}`;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucketName(bucket: string): string {
  if (!BUCKET_NAME.test(bucket) || bucket.includes("..")) {
    throw new Error(
      `bucket: "${bucket}" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, ` +
        `starting and ending with a letter or digit).`,
    );
  }
  return bucket;
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Makes sure `bucket` exists and is ours: creates it when missing (with a
 * LocationConstraint outside us-east-1, where S3 rejects one).
 * Returns true when it was created.
 */
export async function ensureBucket(s3: S3Client, bucket: string, region: string): Promise<boolean> {
  checkBucketName(bucket);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (e) {
    const status = httpStatus(e);
    if (status === 403) {
      throw new Error(
        `bucket: "${bucket}" exists but this identity may not use it (HTTP 403). ` +
          `Pass a bucket you own (bucket = "my-bucket").`,
      );
    }
    if (status === 301) {
      throw new Error(
        `bucket: "${bucket}" exists in another region than ${region}; SageMaker needs the bucket in the job's region. ` +
          `Pass a bucket in ${region} (bucket = "my-bucket").`,
      );
    }
    if (status !== 404) throw e;
  }
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration:
          region === "us-east-1" ? undefined : { LocationConstraint: region as BucketLocationConstraint },
      }),
    );
    return true;
  } catch (e) {
    // Created meanwhile by another run of the notebook: fine.
    if ((e as Error).name === "BucketAlreadyOwnedByYou") return false;
    if ((e as Error).name === "BucketAlreadyExists") {
      throw new Error(`bucket: "${bucket}" belongs to another account. Pass a bucket you own (bucket = "my-bucket").`);
    }
    throw e;
  }
}

export interface UploadOptions {
  /** false: no progress output; a Progress: report there. */
  progress?: false | Progress;
  contentType?: string;
}

/** Uploads one file; returns its `s3://` URI. */
export async function uploadFile(
  s3: S3Client,
  file: string,
  bucket: string,
  key: string,
  options: UploadOptions = {},
): Promise<string> {
  const stat = await fsp.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new Error(`file: ${file} does not exist or is not a file.`);
  const progress = options.progress === false ? undefined : options.progress ?? startProgress(`upload ${path.basename(file)}`);
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: fs.createReadStream(file), ContentType: options.contentType },
  });
  upload.on("httpUploadProgress", (p) => progress?.update(formatTransfer(p.loaded ?? 0, stat.size)));
  await upload.done();
  progress?.done(`${formatTransfer(stat.size, stat.size)} to ${s3Uri(bucket, key)}`);
  return s3Uri(bucket, key);
}

/** Every file under `dir`, as paths relative to it with "/" separators, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) out.push(child);
    }
  }
  await walk("");
  return out.sort();
}

/** Uploads every file under `dir` to `prefix` (like `aws s3 cp --recursive`); returns the keys. */
export async function uploadFolder(
  s3: S3Client,
  dir: string,
  bucket: string,
  prefix: string,
  options: UploadOptions = {},
): Promise<string[]> {
  const files = await listFiles(dir);
  if (files.length === 0) throw new Error(`folder: ${dir} holds no files to upload.`);
  const progress = options.progress === false ? undefined : options.progress ?? startProgress(`upload ${path.basename(dir)}/`);
  const base = prefix.endsWith("/") || prefix === "" ? prefix : `${prefix}/`;
  const keys: string[] = [];
  for (const [i, rel] of files.entries()) {
    const key = base + rel;
    await uploadFile(s3, path.join(dir, rel), bucket, key, { progress: false, contentType: options.contentType });
    keys.push(key);
    progress?.update(`${i + 1} / ${files.length} files`);
  }
  progress?.done(`${files.length} files to ${s3Uri(bucket, base)}`);
  return keys;
}

/** All keys under `prefix`, following continuation tokens. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  return keys;
}

export async function readObjectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!answer.Body) throw new Error(`S3: s3://${bucket}/${key} has no body.`);
  return answer.Body.transformToString("utf8");
}

export async function readJsonObject(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const text = await readObjectText(s3, bucket, key);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`S3: s3://${bucket}/${key} is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
}

/** Downloads one object to `dest` (through a temporary file, so `dest` is never partial). */
export async function downloadObject(s3: S3Client, bucket: string, key: string, dest: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!answer.Body) throw new Error(`S3: s3://${bucket}/${key} has no body.`);
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const temp = `${dest}.part`;
  await pipeline(answer.Body as Readable, fs.createWriteStream(temp));
  await fsp.rename(temp, dest);
  return dest;
}
