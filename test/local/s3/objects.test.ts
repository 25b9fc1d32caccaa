import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import * as crypto from "node:crypto";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type ChecksumAlgorithm,
} from "@aws-sdk/client-s3";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";
import { send, sign, xmlCode } from "../auth/signed-request";

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

const errorOf = (p: Promise<unknown>) => failureOf<S3ServiceException>(p);

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

describe("payload checks", () => {
  it("stores a stream sent with WHEN_REQUIRED checksums (plain body with Content-Length)", async () => {
    const plain = new S3Client({ ...srv.clientConfig, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    const data = crypto.randomBytes(150_000);
    await plain.send(new PutObjectCommand({ Bucket: bucket, Key: "when-required.bin", Body: Readable.from([data]), ContentLength: data.length }));
    const got = await plain.send(new GetObjectCommand({ Bucket: bucket, Key: "when-required.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    plain.destroy();
  });

  it.each(["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as ChecksumAlgorithm[])(
    "verifies and returns %s checksums computed by the SDK",
    async (alg) => {
      const data = crypto.randomBytes(10_000);
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `sum-${alg}`, Body: data, ChecksumAlgorithm: alg }));
      const field = `Checksum${alg}` as const;
      expect(put[field]).toBeDefined();
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `sum-${alg}`, ChecksumMode: "ENABLED" }));
      expect(got[field]).toBe(put[field]);
      // The SDK validates the returned checksum while the body streams.
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    },
  );

  it("refuses a body whose x-amz-checksum-crc32 does not match with BadDigest, storing nothing", async () => {
    const res = await send(
      srv,
      await sign(srv, "s3", {
        method: "PUT",
        path: `/${bucket}/bad-crc`,
        headers: { "x-amz-checksum-crc32": "AAAAAA==", "content-length": "5", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
        body: "hello",
      }),
    );
    expect(res.status).toBe(400);
    expect(xmlCode(res)).toBe("BadDigest");
    expect(res.text).toContain("CRC32");
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "bad-crc" })))).$metadata.httpStatusCode).toBe(404);
  });

  it("checks Content-MD5: a matching digest stores, a wrong one is BadDigest, a malformed one InvalidDigest", async () => {
    const body = "md5 body";
    const md5 = crypto.createHash("md5").update(body).digest("base64");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-ok", Body: body, ContentMD5: md5 }));
    const wrong = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: body, ContentMD5: crypto.createHash("md5").update("other").digest("base64") })),
    );
    expect(wrong.name).toBe("BadDigest");
    const malformed = await failureOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: body, ContentMD5: "bm90IG1kNQ==" })));
    expect(malformed.name).toBe("InvalidDigest");
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "md5-bad" })))).$metadata.httpStatusCode).toBe(404);
  });

  it("refuses a body that does not match its signed x-amz-content-sha256", async () => {
    const signed = await sign(srv, "s3", { method: "PUT", path: `/${bucket}/sha-mismatch`, headers: { "content-length": "5" }, body: "hello" });
    const res = await send(srv, { ...signed, body: "jello" });
    expect(res.status).toBe(400);
    expect(xmlCode(res)).toBe("XAmzContentSHA256Mismatch");
    expect((await failureOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "sha-mismatch" })))).$metadata.httpStatusCode).toBe(404);
  });

  it("refuses S3 requests without x-amz-content-sha256, and unknown payload modes", async () => {
    const missing = await send(srv, await sign(srv, "s3", { method: "GET", path: `/${bucket}` }, {}).then((r) => strip(r, "x-amz-content-sha256")));
    // Removing the header also breaks the signature, but the missing header is reported first, as S3 does.
    expect(xmlCode(missing)).toBe("InvalidRequest");
    expect(missing.text).toContain("x-amz-content-sha256");
    const odd = await send(srv, await sign(srv, "s3", { method: "GET", path: `/${bucket}`, headers: { "x-amz-content-sha256": "SOMETHING-ELSE" } }));
    expect(xmlCode(odd)).toBe("InvalidArgument");
  });

  it("refuses user metadata over 2 KB with MetadataTooLarge", async () => {
    const err = await failureOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "meta", Body: "x", Metadata: { big: "v".repeat(2100) } })));
    expect(err.name).toBe("MetadataTooLarge");
  });

  it("creates only if absent with If-None-Match: *", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "once", Body: "first", IfNoneMatch: "*" }));
    const again = await errorOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "once", Body: "second", IfNoneMatch: "*" })));
    expect(again.name).toBe("PreconditionFailed");
    expect(again.$metadata.httpStatusCode).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "once" }));
    expect(await got.Body!.transformToString()).toBe("first");
  });

  it("stores an empty object", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty", Body: "" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "empty" }));
    expect(got.ContentLength).toBe(0);
    expect(got.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect(await got.Body!.transformToString()).toBe("");
  });
});

describe("reads", () => {
  const digits = "0123456789abcdefghij";
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "digits", Body: digits, ContentType: "text/plain", CacheControl: "max-age=60" }));
  });

  it.each([
    ["bytes=0-4", "01234", "bytes 0-4/20"],
    ["bytes=15-", "fghij", "bytes 15-19/20"],
    ["bytes=-3", "hij", "bytes 17-19/20"],
    ["bytes=18-100", "ij", "bytes 18-19/20"],
  ])("serves Range %s as 206 with Content-Range", async (range, body, contentRange) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", Range: range }));
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got.ContentRange).toBe(contentRange);
    expect(await got.Body!.transformToString()).toBe(body);
  });

  it("answers InvalidRange (416) for a range past the end", async () => {
    const err = await failureOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", Range: "bytes=20-30" })));
    expect(err.name).toBe("InvalidRange");
    expect(err.$metadata.httpStatusCode).toBe(416);
  });

  it("honours If-Match and If-None-Match", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "digits" }));
    const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", IfMatch: head.ETag }));
    expect(await ok.Body!.transformToString()).toBe(digits);
    const failed = await failureOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", IfMatch: '"0000"' })));
    expect(failed.$metadata.httpStatusCode).toBe(412);
    const notModified = await failureOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", IfNoneMatch: head.ETag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
  });

  it("returns stored system headers and response-* overrides", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "digits", ResponseContentType: "application/x-test", ResponseContentDisposition: "attachment" }));
    expect(got.ContentType).toBe("application/x-test");
    expect(got.ContentDisposition).toBe("attachment");
    expect(got.CacheControl).toBe("max-age=60");
    expect(got.LastModified).toBeInstanceOf(Date);
    await got.Body!.transformToString();
  });

  it("answers NotImplemented for sub-resources it does not implement", async () => {
    const err = await failureOf(s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "digits" })));
    expect(err.name).toBe("NotImplemented");
    expect(err.message).toContain('"acl"');
  });
});

describe("copies and batch deletes", () => {
  it("copies an object with its metadata, or replaces the metadata", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "copy me", ContentType: "text/plain", Metadata: { a: "1" } }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst", CopySource: `${bucket}/src` }));
    expect(copied.CopyObjectResult?.ETag).toBe((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "src" }))).ETag);
    const dst = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst" }));
    expect(await dst.Body!.transformToString()).toBe("copy me");
    expect(dst.Metadata).toEqual({ a: "1" });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst2", CopySource: `${bucket}/src`, MetadataDirective: "REPLACE", Metadata: { b: "2" }, ContentType: "x/y" }));
    const dst2 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst2" }));
    expect(dst2.Metadata).toEqual({ b: "2" });
    expect(dst2.ContentType).toBe("x/y");
    const self = await failureOf(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "src", CopySource: `${bucket}/src` })));
    expect(self.name).toBe("InvalidRequest");
    const missing = await failureOf(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst3", CopySource: `${bucket}/nope` })));
    expect(missing.name).toBe("NoSuchKey");
  });

  it("deletes several objects at once, reporting each", async () => {
    for (const k of ["del/1", "del/2", "del/3"]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "del/1" }, { Key: "del/2" }, { Key: "del/none" }] } }));
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(["del/1", "del/2", "del/none"]);
    expect(res.Errors ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "del/" }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(["del/3"]);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: [{ Key: "del/3" }] } }));
    expect(quiet.Deleted ?? []).toEqual([]);
  });
});

function strip(req: Awaited<ReturnType<typeof sign>>, header: string) {
  const headers = { ...req.headers };
  delete headers[header];
  return { ...req, headers };
}
