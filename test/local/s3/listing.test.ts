import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";

let srv: TestServer;
let s3: S3Client;
const bucket = "listing";
// Deliberately not inserted in order; includes keys whose UTF-8 order differs from UTF-16 order.
const keys = [
  "photos/2024/b.jpg",
  "photos/2024/a.jpg",
  "photos/2023/z.jpg",
  "photos/readme.txt",
  "docs/one.md",
  "docs/two.md",
  "top.txt",
  "a b/space key",
  "emoji/\u{1F600}.txt",
  "emoji/\uFF5E.txt",
  "x/1",
  "x/2",
  "x/3",
];

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
});

const utf8Sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe("ListObjectsV2", () => {
  it("lists every key in UTF-8 byte order with sizes and ETags", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(utf8Sorted);
    expect(res.KeyCount).toBe(keys.length);
    expect(res.IsTruncated).toBe(false);
    const top = res.Contents!.find((c) => c.Key === "top.txt")!;
    expect(top.Size).toBe("top.txt".length);
    expect(top.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("paginates with continuation tokens across several pages, each key exactly once", async () => {
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 4 }, { Bucket: bucket })) {
      pages.push((page.Contents ?? []).map((c) => c.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
    }
    expect(pages.length).toBe(Math.ceil(keys.length / 4));
    expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
    expect(pages.flat()).toEqual(utf8Sorted);
  });

  it("rolls keys under a delimiter into CommonPrefixes, which KeyCount counts as S3 does", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(["top.txt"]);
    expect(res.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a b/", "docs/", "emoji/", "photos/", "x/"]);
    expect(res.KeyCount).toBe(6);
  });

  it("combines prefix and delimiter", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "photos/", Delimiter: "/" }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(["photos/readme.txt"]);
    expect(res.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["photos/2023/", "photos/2024/"]);
    expect(res.Prefix).toBe("photos/");
  });

  it("paginates delimiter listings without repeating a common prefix", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(res.Contents ?? []).map((c) => c.Key!));
      expect(res.KeyCount).toBeLessThanOrEqual(2);
      token = res.NextContinuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["a b/", "docs/", "emoji/", "photos/", "top.txt", "x/"]);
  });

  it("starts after start-after and filters by prefix", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "photos/2024/a.jpg" }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(utf8Sorted.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from("photos/2024/a.jpg")) > 0));
    expect(res.StartAfter).toBe("photos/2024/a.jpg");
    const x = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "x/" }));
    expect(x.Contents?.map((c) => c.Key)).toEqual(["x/1", "x/2", "x/3"]);
  });

  it("url-encodes keys and prefixes with encoding-type=url", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "a b/", EncodingType: "url" }));
    expect(res.EncodingType).toBe("url");
    expect(res.Contents?.map((c) => c.Key)).toEqual(["a+b/space+key"]);
    expect(res.Prefix).toBe("a+b/");
  });

  it("returns an empty, untruncated page for max-keys=0 and refuses negative max-keys", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    expect(res.Contents ?? []).toEqual([]);
    expect(res.IsTruncated).toBe(false);
    const err = await failureOf(s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: -1 })));
    expect(err.name).toBe("InvalidArgument");
    expect(err.message).toContain("max-keys");
  });

  it("refuses a continuation token it did not issue", async () => {
    const err = await failureOf(s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "not-a-token" })));
    expect(err.name).toBe("InvalidArgument");
    expect(err.message).toContain("continuation token");
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    const err = await failureOf(s3.send(new ListObjectsV2Command({ Bucket: "missing-bucket" })));
    expect(err.name).toBe("NoSuchBucket");
  });
});

describe("ListObjects (v1)", () => {
  it("pages with Marker and NextMarker under a delimiter", async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", MaxKeys: 3 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a b/", "docs/", "emoji/"]);
    expect(first.NextMarker).toBe("emoji/");
    const second = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", MaxKeys: 3, Marker: first.NextMarker }));
    expect(second.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["photos/", "x/"]);
    expect(second.Contents?.map((c) => c.Key)).toEqual(["top.txt"]);
    expect(second.IsTruncated).toBe(false);
  });

  it("lists after a key marker without a delimiter", async () => {
    const res = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: "x/1" }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(["x/2", "x/3"]);
    expect(res.Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });
});
