import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";

const MiB = 1024 * 1024;
let srv: TestServer;
let s3: S3Client;
const bucket = "multipart";

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
});

async function bodyOf(key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

describe("lib-storage Upload", () => {
  it("uploads a stream of unknown length in parts with progress, and the object reads back whole", async () => {
    const data = crypto.randomBytes(11 * MiB + 123);
    const chunks = [];
    for (let i = 0; i < data.length; i += 256 * 1024) chunks.push(data.subarray(i, i + 256 * 1024));
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: "upload/stream.bin", Body: Readable.from(chunks), ContentType: "application/x-recordio" }, partSize: 5 * MiB, queueSize: 2 });
    const progress: number[] = [];
    upload.on("httpUploadProgress", (p) => progress.push(p.loaded ?? 0));
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...progress)).toBe(data.length);
    expect((await bodyOf("upload/stream.bin")).equals(data)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "upload/stream.bin", ChecksumMode: "ENABLED" }));
    expect(head.ContentType).toBe("application/x-recordio");
    expect(head.PartsCount).toBe(3);
    expect(head.ChecksumCRC32).toMatch(/-3$/);
    expect(head.ChecksumType).toBe("COMPOSITE");
  });

  it("uploads a small buffer in one PUT", async () => {
    const done = await new Upload({ client: s3, params: { Bucket: bucket, Key: "upload/small", Body: Buffer.from("tiny") } }).done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await bodyOf("upload/small")).toString()).toBe("tiny");
  });
});

describe("multipart operations", () => {
  const part1 = crypto.randomBytes(5 * MiB);
  const part2 = crypto.randomBytes(1000);

  async function begin(key: string) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: { kind: "mp" } }));
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: part1 }))).ETag!;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: part2 }))).ETag!;
    return { UploadId: UploadId!, e1, e2 };
  }

  it("completes with the MD5-of-MD5s ETag, lists parts and uploads while in progress", async () => {
    const { UploadId, e1, e2 } = await begin("mp/ok");
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/ok", UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, part1.length, e1],
      [2, part2.length, e2],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/" }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/ok", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }),
    );
    const md5s = Buffer.concat([part1, part2].map((p) => crypto.createHash("md5").update(p).digest()));
    expect(done.ETag).toBe(`"${crypto.createHash("md5").update(md5s).digest("hex")}-2"`);
    expect((await bodyOf("mp/ok")).equals(Buffer.concat([part1, part2]))).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp/ok" }))).Metadata).toEqual({ kind: "mp" });
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/ok" }));
    expect(after.Uploads ?? []).toEqual([]);
  });

  it("refuses a part list with a wrong ETag or a missing part (InvalidPart), out of order (InvalidPartOrder) or empty (MalformedXML)", async () => {
    const { UploadId, e1, e2 } = await begin("mp/bad");
    const complete = (Parts: Array<{ PartNumber: number; ETag: string }>) =>
      failureOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/bad", UploadId, MultipartUpload: { Parts } })));
    expect((await complete([{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }, { PartNumber: 2, ETag: e2 }])).name).toBe("InvalidPart");
    expect((await complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 3, ETag: e2 }])).name).toBe("InvalidPart");
    expect((await complete([{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }])).name).toBe("InvalidPartOrder");
    expect((await complete([])).name).toBe("MalformedXML");
    // Nothing was committed by the refused attempts.
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp/bad" })))).$metadata.httpStatusCode).toBe(404);
  });

  it("refuses a non-last part under 5 MiB with EntityTooSmall", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/small" }));
    const a = (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/small", UploadId, PartNumber: 1, Body: "small" }))).ETag!;
    const b = (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/small", UploadId, PartNumber: 2, Body: "last" }))).ETag!;
    const err = await failureOf(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/small", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a }, { PartNumber: 2, ETag: b }] } })),
    );
    expect(err.name).toBe("EntityTooSmall");
    // A single small part is the last part, which may be any size.
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/small", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a }] } }));
    expect((await bodyOf("mp/small")).toString()).toBe("small");
  });

  it("aborts an upload, after which its parts and id are gone", async () => {
    const { UploadId } = await begin("mp/aborted");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/aborted", UploadId }));
    const err = await failureOf(s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/aborted", UploadId })));
    expect(err.name).toBe("NoSuchUpload");
    const again = await failureOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/aborted", UploadId, PartNumber: 3, Body: "x" })));
    expect(again.name).toBe("NoSuchUpload");
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp/aborted" })))).$metadata.httpStatusCode).toBe(404);
  });

  it("refuses part numbers outside 1-10000 and unknown upload ids", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/numbers" }));
    const zero = await failureOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/numbers", UploadId, PartNumber: 0, Body: "x" })));
    expect(zero.name).toBe("InvalidArgument");
    const big = await failureOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/numbers", UploadId, PartNumber: 10001, Body: "x" })));
    expect(big.name).toBe("InvalidArgument");
    const unknown = await failureOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/numbers", UploadId: "../../etc", PartNumber: 1, Body: "x" })));
    expect(unknown.name).toBe("NoSuchUpload");
    const otherKey = await failureOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/other", UploadId, PartNumber: 1, Body: "x" })));
    expect(otherKey.name).toBe("NoSuchUpload");
  });

  it("keeps per-part checksums, checks those given at completion and returns the composite checksum", async () => {
    const key = "mp/checksums";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "SHA256" }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: part1, ChecksumAlgorithm: "SHA256" }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: part2, ChecksumAlgorithm: "SHA256" }));
    expect(p1.ChecksumSHA256).toBe(crypto.createHash("sha256").update(part1).digest("base64"));
    const wrong = await failureOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p2.ChecksumSHA256 }, { PartNumber: 2, ETag: p2.ETag, ChecksumSHA256: p2.ChecksumSHA256 }] },
        }),
      ),
    );
    expect(wrong.name).toBe("InvalidPart");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p1.ChecksumSHA256 }, { PartNumber: 2, ETag: p2.ETag, ChecksumSHA256: p2.ChecksumSHA256 }] },
      }),
    );
    const expected = crypto
      .createHash("sha256")
      .update(Buffer.concat([p1.ChecksumSHA256!, p2.ChecksumSHA256!].map((b) => Buffer.from(b, "base64"))))
      .digest("base64");
    expect(done.ChecksumSHA256).toBe(`${expected}-2`);
  });
});
