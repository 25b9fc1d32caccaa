import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";
import { hostOf, signer } from "../auth/signed-request";
import type { HttpRequest } from "@smithy/types";

let srv: TestServer;
let s3: S3Client;
const bucket = "integrity";

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

const tmpDir = () => path.join(srv.dataDir, "s3", "tmp");

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("keys never become paths", () => {
  const tricky = ["../../escape.txt", "/absolute/path", "a/../../b", "..", ".", "%2e%2e/literal-percent", "dir/./x", "back\\slash", "k".repeat(1024)];

  it.each(tricky.map((k) => [k.length > 40 ? `${k.slice(0, 10)}… (${k.length} bytes)` : k, k]))("stores and returns the key %j as data, inside the bucket", async (_label, key) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    expect(listed.Contents?.map((c) => c.Key)).toContain(key);
  });

  it("wrote nothing outside the bucket's objects directory, under hashed names only", () => {
    expect(fs.existsSync(path.join(srv.dataDir, "..", "escape.txt"))).toBe(false);
    expect(fs.existsSync(path.join(srv.dataDir, "escape.txt"))).toBe(false);
    const objects = filesUnder(path.join(srv.dataDir, "s3", "buckets", bucket, "objects"));
    expect(objects.length).toBeGreaterThanOrEqual(tricky.length);
    for (const f of objects) expect(path.basename(f)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a key over 1024 bytes with KeyTooLongError and a key with NUL with InvalidArgument", async () => {
    const long = await failureOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k".repeat(1025), Body: "x" })));
    expect(long.name).toBe("KeyTooLongError");
    const nul = await failureOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a\u0000b", Body: "x" })));
    expect(nul.name).toBe("InvalidArgument");
    expect(nul.message).toContain("U+0000");
  });
});

describe("atomic objects", () => {
  it("never shows a partial or mixed object while concurrent writers replace one key", async () => {
    const size = 512 * 1024;
    const writers = Array.from({ length: 12 }, (_, i) => Buffer.alloc(size, i + 1));
    const seen = new Set<number>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "contended" }));
          const body = Buffer.from(await got.Body!.transformToByteArray());
          expect(body.length).toBe(size);
          expect(body.every((b) => b === body[0])).toBe(true);
          seen.add(body[0]);
        } catch (err) {
          if ((err as Error).name !== "NoSuchKey") throw err;
        }
      }
    })();
    await Promise.all(writers.map((w) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "contended", Body: w }))));
    reading = false;
    await reader;
    const final = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "contended" }))).Body!.transformToByteArray());
    expect(final.length).toBe(size);
    expect(final.every((b) => b === final[0])).toBe(true);
    expect(final[0]).toBeGreaterThanOrEqual(1);
    expect(seen.size).toBeGreaterThan(0);
    expect(filesUnder(tmpDir())).toEqual([]);
  });

  it("leaves no object and no temp file when the client disconnects mid-upload", async () => {
    const total = 4 * 1024 * 1024;
    const signed = await signer(srv, "s3").sign(
      {
        method: "PUT",
        protocol: "http:",
        hostname: "127.0.0.1",
        path: `/${bucket}/interrupted`,
        query: {},
        headers: { host: hostOf(srv), "content-length": String(total), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      } as HttpRequest,
    );
    const url = new URL(srv.endpoint);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, method: "PUT", path: `/${bucket}/interrupted`, headers: signed.headers, agent: false });
      req.on("error", () => resolve());
      req.write(Buffer.alloc(512 * 1024, 7), () => setTimeout(() => req.destroy(), 100));
      req.on("close", () => resolve());
    });
    await waitFor(() => filesUnder(tmpDir()).length === 0);
    const head = await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "interrupted" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("answers a full disk (ENOSPC) with an S3 error and stores nothing", async () => {
    const probe = await fs.promises.open(__filename, "r");
    const fileHandleProto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown>; writev: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const noSpace = async () => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    };
    const spies = [vi.spyOn(fileHandleProto, "write").mockImplementation(noSpace), vi.spyOn(fileHandleProto, "writev").mockImplementation(noSpace)];
    const once = new S3Client({ ...srv.clientConfig, maxAttempts: 1 });
    try {
      const err = await failureOf(once.send(new PutObjectCommand({ Bucket: bucket, Key: "no-space", Body: Buffer.alloc(100_000, 1) })));
      expect(err.$metadata.httpStatusCode).toBe(507);
      expect(err.name).toBe("InsufficientStorage");
      expect(err.message).toContain("ENOSPC");
    } finally {
      for (const spy of spies) spy.mockRestore();
      once.destroy();
    }
    expect(filesUnder(tmpDir())).toEqual([]);
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "no-space" })))).$metadata.httpStatusCode).toBe(404);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "no-space", Body: "room again" }));
  });
});

describe("restarts", () => {
  it("keeps every object, its metadata, uploads in progress and the credentials; drops temp leftovers", async () => {
    const dataDir = fs.mkdtempSync(path.join(path.dirname(srv.dataDir), "local-sagemaker-restart-"));
    try {
      const first = await startTestServer({ dataDir });
      const c1 = new S3Client(first.clientConfig);
      await c1.send(new CreateBucketCommand({ Bucket: "persist" }));
      const bodies = new Map<string, Buffer>();
      for (let i = 0; i < 25; i++) {
        const key = `k/${String(i).padStart(2, "0")}`;
        const body = crypto.randomBytes(1000 + i);
        bodies.set(key, body);
        await c1.send(new PutObjectCommand({ Bucket: "persist", Key: key, Body: body, Metadata: { i: String(i) }, ContentType: "application/octet-stream" }));
      }
      const { UploadId } = await c1.send(new CreateMultipartUploadCommand({ Bucket: "persist", Key: "pending" }));
      const part = await c1.send(new UploadPartCommand({ Bucket: "persist", Key: "pending", UploadId, PartNumber: 1, Body: "part one" }));
      c1.destroy();
      await first.stop();

      fs.writeFileSync(path.join(dataDir, "s3", "tmp", "leftover.part"), "half an object");
      const second = await startTestServer({ dataDir });
      expect(second.credentials).toEqual(first.credentials);
      expect(fs.readdirSync(path.join(dataDir, "s3", "tmp"))).toEqual([]);
      const c2 = new S3Client(second.clientConfig);
      const listed = await c2.send(new ListObjectsV2Command({ Bucket: "persist" }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual([...bodies.keys()]);
      for (const [key, body] of bodies) {
        const got = await c2.send(new GetObjectCommand({ Bucket: "persist", Key: key }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
        expect(got.Metadata?.i).toBe(String(Number(key.slice(2))));
      }
      const uploads = await c2.send(new ListMultipartUploadsCommand({ Bucket: "persist" }));
      expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
      await c2.send(new CompleteMultipartUploadCommand({ Bucket: "persist", Key: "pending", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      expect(await (await c2.send(new GetObjectCommand({ Bucket: "persist", Key: "pending" }))).Body!.transformToString()).toBe("part one");
      c2.destroy();
      await second.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
