/**
 * Downloads a file over HTTP(S) with progress and resume. The bytes go to
 * `<dest>.part` and are renamed to `<dest>` only when complete and checked, so
 * an existing `<dest>` is always a finished download.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import * as http from "node:http";
import * as https from "node:https";
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { formatTransfer, startProgress, type Progress } from "./progress";

export interface DownloadOptions {
  url: string;
  dest: string;
  /** The file's size; checked before the rename. */
  expectedBytes?: number;
  /** Hex SHA-256 of the file; checked before the rename. */
  sha256?: string;
  /** Shown before the progress line; defaults to the file name. */
  label?: string;
  /** false: no progress output. */
  progress?: false | Progress;
  /** Aborts when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** The file was already there. */
  skipped: boolean;
  /** Bytes taken from an earlier partial download. */
  resumedFrom: number;
}

/** What the partial file was downloaded from, so a resume never mixes two versions. */
interface PartMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
}

function get(url: string, headers: Record<string, string>, idleTimeoutMs: number, redirectsLeft: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const parsed = new URL(url);
    const client = parsed.protocol === "https:" ? https : parsed.protocol === "http:" ? http : undefined;
    if (!client) {
      reject(new Error(`url: "${url}" is not an http or https URL.`));
      return;
    }
    const req = client.get(parsed, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new Error(`url: too many redirects while downloading ${url}.`));
          return;
        }
        const next = new URL(res.headers.location, parsed).toString();
        get(next, headers, idleTimeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      resolve({ status, headers: res.headers, body: res, url });
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no answer from ${parsed.host} for ${idleTimeoutMs} ms`)));
    req.on("error", reject);
  });
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

async function readMeta(file: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, "utf8")) as PartMeta;
  } catch {
    return undefined;
  }
}

async function removePartial(part: string, meta: string): Promise<void> {
  await fsp.rm(part, { force: true });
  await fsp.rm(meta, { force: true });
}

/** Total size from `Content-Range: bytes a-b/total` or `bytes * /total`. */
function rangeOf(header: string | undefined): { start?: number; total?: number } {
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header?.trim() ?? "");
  if (!m) return {};
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === "*" ? undefined : Number(m[2]) };
}

async function verifyAndFinish(
  options: DownloadOptions,
  part: string,
  metaFile: string,
  totalFromServer: number | undefined,
): Promise<number> {
  const size = (await sizeOf(part)) ?? 0;
  const expected = options.expectedBytes ?? totalFromServer;
  if (expected !== undefined && size < expected) {
    throw new Error(
      `download: ${options.url} stopped after ${size} of ${expected} bytes. ` +
        `The partial file ${part} is kept: run again to resume.`,
    );
  }
  if (expected !== undefined && size > expected) {
    await removePartial(part, metaFile);
    throw new Error(
      `download: ${options.url} gave ${size} bytes, but ${expected} were expected. ` +
        `The partial file was removed; check the URL and the expected size, then run again.`,
    );
  }
  if (options.sha256) {
    const actual = await sha256File(part);
    if (actual !== options.sha256.toLowerCase()) {
      await removePartial(part, metaFile);
      throw new Error(
        `download: the SHA-256 of ${options.url} is ${actual}, expected ${options.sha256}. ` +
          `The corrupt file was removed; run again to download it afresh.`,
      );
    }
  }
  await fsp.rename(part, options.dest);
  await fsp.rm(metaFile, { force: true });
  return size;
}

export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const idle = options.idleTimeoutMs ?? 60_000;
  const redirects = options.maxRedirects ?? 5;
  const label = options.label ?? path.basename(dest);

  const existing = await sizeOf(dest);
  if (existing !== undefined) {
    if (options.expectedBytes !== undefined && existing !== options.expectedBytes) {
      throw new Error(
        `download: ${dest} exists with ${existing} bytes, but ${url} has ${options.expectedBytes}. ` +
          `Delete the file to download it again.`,
      );
    }
    if (options.sha256 && (await sha256File(dest)) !== options.sha256.toLowerCase()) {
      throw new Error(`download: ${dest} exists but its SHA-256 is not ${options.sha256}. Delete the file to download it again.`);
    }
    return { path: dest, bytes: existing, skipped: true, resumedFrom: 0 };
  }

  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const metaFile = `${dest}.part.json`;
  let offset = (await sizeOf(part)) ?? 0;
  const meta = offset > 0 ? await readMeta(metaFile) : undefined;
  if (offset > 0 && meta?.url !== url) {
    // A partial file of unknown origin cannot be resumed safely.
    await removePartial(part, metaFile);
    offset = 0;
  }
  if (options.expectedBytes !== undefined && offset > options.expectedBytes) {
    await removePartial(part, metaFile);
    offset = 0;
  }

  const progress = options.progress === false ? undefined : options.progress ?? startProgress(label);
  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.Range = `bytes=${offset}-`;
    // If the file changed on the server since, If-Range makes it send the
    // whole new file (200) instead of the rest of the old one.
    const validator = meta?.etag ?? meta?.lastModified;
    if (validator) headers["If-Range"] = validator;
  }
  const res = await get(url, headers, idle, redirects);

  let total: number | undefined;
  let append = false;
  if (res.status === 206) {
    const range = rangeOf(res.headers["content-range"] as string | undefined);
    if (range.start === offset) {
      append = true;
      total = range.total;
    } else {
      res.body.resume();
      await removePartial(part, metaFile);
      return download(options);
    }
  } else if (res.status === 416 && offset > 0) {
    res.body.resume();
    const range = rangeOf(res.headers["content-range"] as string | undefined);
    if (range.total === offset) {
      const bytes = await verifyAndFinish(options, part, metaFile, range.total);
      progress?.done(`${formatTransfer(bytes, bytes)}, complete`);
      return { path: dest, bytes, skipped: false, resumedFrom: offset };
    }
    await removePartial(part, metaFile);
    return download(options);
  } else if (res.status === 200) {
    // Either a fresh download or a server that ignores Range: start over.
    const length = Number(res.headers["content-length"]);
    total = Number.isFinite(length) && res.headers["content-length"] !== undefined ? length : undefined;
  } else {
    res.body.resume();
    throw new Error(
      `download: ${res.url} answered HTTP ${res.status}. ` +
        (res.status === 403 || res.status === 404
          ? "The file is not there (or not public); check the URL."
          : "Try again later; a partial file, if any, is kept for resuming."),
    );
  }

  const newMeta: PartMeta = {
    url,
    etag: res.headers.etag as string | undefined,
    lastModified: res.headers["last-modified"] as string | undefined,
  };
  await fsp.writeFile(metaFile, JSON.stringify(newMeta));

  const resumedFrom = append ? offset : 0;
  let received = resumedFrom;
  res.body.setTimeout(idle, () => res.body.destroy(new Error(`no data for ${idle} ms`)));
  // Each chunk is on disk before the next is read, so an interruption keeps
  // every byte received for the resume.
  const file = await fsp.open(part, append ? "a" : "w");
  try {
    for await (const chunk of res.body) {
      await file.write(chunk as Buffer);
      received += (chunk as Buffer).length;
      progress?.update(formatTransfer(received, total));
    }
  } catch (e) {
    progress?.done(`interrupted after ${formatTransfer(received, total)}`);
    throw new Error(
      `download: ${url} was interrupted after ${received} bytes (${(e as Error).message}). ` +
        `The partial file ${part} is kept: run again to resume.`,
    );
  } finally {
    await file.close();
  }
  let bytes: number;
  try {
    bytes = await verifyAndFinish(options, part, metaFile, total);
  } catch (e) {
    progress?.done("failed");
    throw e;
  }
  progress?.done(`${formatTransfer(bytes, bytes)}${resumedFrom > 0 ? `, resumed at ${resumedFrom} bytes` : ""}`);
  return { path: dest, bytes, skipped: false, resumedFrom };
}
