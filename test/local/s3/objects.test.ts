import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startTestServer, type TestServer } from "../../helpers/local-server";

let srv: TestServer;
let s3: S3Client;
const bucket = "objects-test";

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
});

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error("expected the request to fail");
}

describe("PutObject / GetObject / HeadObject / DeleteObject", () => {
  it("stores a string body with metadata and content type, and returns it byte for byte", async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "docs/hello.txt", Body: "hello", ContentType: "text/plain", Metadata: { owner: "tests" } }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/hello.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
    expect(got.ContentType).toBe("text/plain");
    expect(got.Metadata).toEqual({ owner: "tests" });
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentLength).toBe(5);
  });

  it("decodes a streamed body sent aws-chunked with a CRC32 trailer (the SDK's default)", async () => {
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "stream.bin", Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]), ContentLength: data.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "stream.bin", ChecksumMode: "ENABLED" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it("answers NoSuchKey for a missing key and NotFound for HEAD of one", async () => {
    const get = await errorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })));
    expect(get.name).toBe("NoSuchKey");
    expect(get.$metadata.httpStatusCode).toBe(404);
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("deletes an object, and deleting it again succeeds as on S3", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone" }));
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "gone" })))).$metadata.httpStatusCode).toBe(404);
  });
});
