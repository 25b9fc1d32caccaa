/** Downloads a training channel's S3 objects into `input/data/<channel>/`, keeping their paths below the prefix. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ObjectStore } from "../s3/store-api";
import { formatS3Uri, relativeKey, type S3Location } from "./s3-uri";

export interface DownloadResult {
  objects: number;
  bytes: number;
}

/** The objects a prefix selects: every key below it that is not a "folder" placeholder. */
export async function* objectsUnder(store: ObjectStore, loc: S3Location): AsyncIterable<{ key: string; size: number }> {
  if (!(await store.bucketExists(loc.bucket))) return;
  for await (const o of store.list(loc.bucket, loc.key)) {
    if (!o.key.endsWith("/")) yield { key: o.key, size: o.size };
  }
}

/** The local file for a key; refuses keys that would leave the channel directory (`../`). */
export function localPathFor(dir: string, relative: string, uri: string): string {
  const target = path.resolve(dir, relative);
  if (relative === "" || !target.startsWith(path.resolve(dir) + path.sep)) {
    throw new Error(`The S3 object ${uri} has a key that cannot be stored below ${dir}.`);
  }
  return target;
}

export async function downloadChannel(store: ObjectStore, loc: S3Location, dir: string, signal: AbortSignal): Promise<DownloadResult> {
  const result: DownloadResult = { objects: 0, bytes: 0 };
  for await (const o of objectsUnder(store, loc)) {
    signal.throwIfAborted();
    const uri = formatS3Uri({ bucket: loc.bucket, key: o.key });
    const file = localPathFor(dir, relativeKey(loc.key, o.key), uri);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const info = await store.downloadTo(loc.bucket, o.key, file);
    result.objects += 1;
    result.bytes += info.size;
  }
  return result;
}
