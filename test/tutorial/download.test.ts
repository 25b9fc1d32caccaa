import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { download } from "../../src/tutorial/download";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-download-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** A file server whose behaviour each test sets: Range honoured or ignored, bodies cut short, content changed. */
interface ServerMode {
  honourRange: boolean;
  /** Close the connection after this many body bytes (once). */
  cutAfter?: number;
  /** Serve these bytes instead of the file. */
  content: Buffer;
  etag: string;
}

const original = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

let server: http.Server;
let base: string;
let mode: ServerMode;
const requests: Array<{ url: string; range?: string; ifRange?: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? "", range: req.headers.range, ifRange: req.headers["if-range"] as string | undefined });
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "/file.bin" }).end();
      return;
    }
    if (req.url !== "/file.bin") {
      res.writeHead(404).end("not found");
      return;
    }
    const body = mode.content;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const rangeValid = range && mode.honourRange && (!ifRange || ifRange === mode.etag);
    if (rangeValid) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
        "content-length": body.length - start,
        etag: mode.etag,
      });
    } else {
      res.writeHead(200, { "content-length": body.length, etag: mode.etag });
    }
    const slice = body.subarray(start);
    if (mode.cutAfter !== undefined) {
      const cut = mode.cutAfter;
      mode.cutAfter = undefined;
      // Let the bytes reach the client before the connection breaks.
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(TMP, "download-test-"));
  mode = { honourRange: true, content: original, etag: '"v1"' };
  requests.length = 0;
});

describe("download", () => {
  it("downloads a file, following redirects, and reports its size", async () => {
    const dest = path.join(dir, "a.bin");
    const result = await download({ url: `${base}/redirect`, dest, progress: false, sha256: sha(original) });
    expect(result).toEqual({ path: dest, bytes: original.length, skipped: false, resumedFrom: 0 });
    expect(fs.readFileSync(dest).equals(original)).toBe(true);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
  });

  it("skips a file that is already complete without asking the server", async () => {
    const dest = path.join(dir, "a.bin");
    await download({ url: `${base}/file.bin`, dest, progress: false });
    requests.length = 0;
    const again = await download({ url: `${base}/file.bin`, dest, progress: false, expectedBytes: original.length });
    expect(again.skipped).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("keeps the partial file when the connection drops, then resumes with a Range request", async () => {
    const dest = path.join(dir, "a.bin");
    mode.cutAfter = 70_000;
    await expect(download({ url: `${base}/file.bin`, dest, progress: false })).rejects.toThrow(/kept: run again to resume/);
    const partial = fs.statSync(`${dest}.part`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(original.length);
    expect(fs.existsSync(dest)).toBe(false);

    const result = await download({ url: `${base}/file.bin`, dest, progress: false, sha256: sha(original) });
    expect(result.resumedFrom).toBe(partial);
    expect(requests.at(-1)).toMatchObject({ range: `bytes=${partial}-`, ifRange: '"v1"' });
    expect(fs.readFileSync(dest).equals(original)).toBe(true);
  });

  it("starts over cleanly when the server ignores Range", async () => {
    const dest = path.join(dir, "a.bin");
    mode.cutAfter = 50_000;
    await expect(download({ url: `${base}/file.bin`, dest, progress: false })).rejects.toThrow(/interrupted/);
    expect(fs.statSync(`${dest}.part`).size).toBeGreaterThan(0);
    mode.honourRange = false;
    const result = await download({ url: `${base}/file.bin`, dest, progress: false, sha256: sha(original) });
    expect(requests.at(-1)?.range).toMatch(/^bytes=\d+-$/);
    expect(result.resumedFrom).toBe(0);
    expect(fs.readFileSync(dest).equals(original)).toBe(true);
  });

  it("gets the whole new file when it changed on the server since the partial download (If-Range)", async () => {
    const dest = path.join(dir, "a.bin");
    mode.cutAfter = 60_000;
    await expect(download({ url: `${base}/file.bin`, dest, progress: false })).rejects.toThrow(/interrupted/);
    const changed = Buffer.from(original.map((b) => 255 - b));
    mode = { honourRange: true, content: changed, etag: '"v2"' };
    const result = await download({ url: `${base}/file.bin`, dest, progress: false, sha256: sha(changed) });
    expect(result.resumedFrom).toBe(0);
    expect(fs.readFileSync(dest).equals(changed)).toBe(true);
  });

  it("finishes a partial file that already holds every byte (416 with the same total)", async () => {
    const dest = path.join(dir, "a.bin");
    fs.writeFileSync(`${dest}.part`, original);
    fs.writeFileSync(`${dest}.part.json`, JSON.stringify({ url: `${base}/file.bin`, etag: '"v1"' }));
    const result = await download({ url: `${base}/file.bin`, dest, progress: false });
    expect(requests.at(-1)?.range).toBe(`bytes=${original.length}-`);
    expect(result.bytes).toBe(original.length);
    expect(fs.readFileSync(dest).equals(original)).toBe(true);
  });

  it("removes the file and says so when the checksum does not match", async () => {
    const dest = path.join(dir, "a.bin");
    const wrong = "0".repeat(64);
    await expect(download({ url: `${base}/file.bin`, dest, progress: false, sha256: wrong })).rejects.toThrow(
      new RegExp(`SHA-256 of .* is ${sha(original)}, expected ${wrong}.*removed`),
    );
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
  });

  it("rejects a download larger than the expected size and removes it", async () => {
    const dest = path.join(dir, "a.bin");
    await expect(download({ url: `${base}/file.bin`, dest, progress: false, expectedBytes: 1000 })).rejects.toThrow(
      /gave 200000 bytes, but 1000 were expected/,
    );
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
  });

  it("refuses an existing file of the wrong size instead of skipping it", async () => {
    const dest = path.join(dir, "a.bin");
    fs.writeFileSync(dest, "short");
    await expect(download({ url: `${base}/file.bin`, dest, progress: false, expectedBytes: original.length })).rejects.toThrow(
      /exists with 5 bytes.*Delete the file/,
    );
  });

  it("names the URL and the status when the file is missing", async () => {
    await expect(download({ url: `${base}/missing.bin`, dest: path.join(dir, "m"), progress: false })).rejects.toThrow(
      /missing\.bin answered HTTP 404/,
    );
  });

  it("reports progress and a final line", async () => {
    const lines: Array<[string, boolean]> = [];
    const { startProgress } = await import("../../src/tutorial/progress");
    const progress = startProgress("file", { sink: (line, final) => lines.push([line, final]), minIntervalMs: 0 });
    await download({ url: `${base}/file.bin`, dest: path.join(dir, "p.bin"), progress });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toEqual(["file: 195.3 KiB / 195.3 KiB (100%)", true]);
    expect(lines.slice(0, -1).every(([line, final]) => /^file: .* \/ 195\.3 KiB \(\d+%\)$/.test(line) && !final)).toBe(true);
  });
});
