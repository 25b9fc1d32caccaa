/**
 * Bad input to S3: bucket names, keys, digests, conditions, ranges, listing
 * parameters, multipart uploads. Expected answers are S3's codes, statuses and
 * messages (from S3's error reference where the text is published).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { awsMessage, rawOutcome, sdkOutcome } from "../outcome";
import type { BadInputCase } from "./case";
import { sendSigned } from "../raw-http";
import { absent, md5 } from "./s3-helpers";
import { s3MultipartCases } from "./s3-multipart-cases";

const INVALID_BUCKET = awsMessage("The specified bucket is not valid.");
const PRECONDITION = awsMessage("At least one of the pre-conditions you specified did not hold");

function createBucketCase(id: string, name: string, why: string): BadInputCase {
  return {
    id: `s3.bucket-name.${id}`,
    area: "s3",
    sends: `CreateBucket "${name}" (${why})`,
    via: "sdk",
    expect: { status: 400, type: "InvalidBucketName", message: INVALID_BUCKET },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new CreateBucketCommand({ Bucket: name }))),
  };
}

export const s3Cases: BadInputCase[] = [
  createBucketCase("uppercase", "Bad_Bucket", "upper case and underscore"),
  createBucketCase("too-short", "ab", "2 characters"),
  createBucketCase("too-long", "b".repeat(64), "64 characters"),
  createBucketCase("ip-address", "192.168.5.4", "formatted as an IP address"),
  createBucketCase("adjacent-dots", "my..bucket", "two adjacent periods"),
  createBucketCase("reserved-prefix", "xn--bucket", 'the reserved prefix "xn--"'),
  {
    id: "s3.bucket.location-constraint",
    area: "s3",
    sends: "CreateBucket with LocationConstraint eu-west-1 at the us-east-1 endpoint",
    via: "sdk",
    expect: { status: 400, type: "IllegalLocationConstraintException", message: /eu-west-1/ },
    run: (ctx) =>
      sdkOutcome(ctx.clients.s3.send(new CreateBucketCommand({ Bucket: ctx.unique("other-region"), CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }))),
  },
  {
    id: "s3.bucket.missing",
    area: "s3",
    sends: "GetObject from a bucket that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NoSuchBucket", message: "The specified bucket does not exist" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.unique("no-such-bucket"), Key: "x" }))),
  },
  {
    id: "s3.bucket.head-missing",
    area: "s3",
    sends: "HeadBucket of a bucket that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NotFound" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new HeadBucketCommand({ Bucket: ctx.unique("no-such-bucket") }))),
  },
  {
    id: "s3.bucket.duplicate",
    area: "s3",
    sends: "CreateBucket of a bucket this account already owns (us-east-1: S3 answers 200 and changes nothing)",
    via: "sdk",
    expect: { status: 200, type: "(accepted)" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new CreateBucketCommand({ Bucket: ctx.bucket }))),
    leftovers: async (ctx) => {
      const list = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: "tiny/train/" }));
      return (list.KeyCount ?? 0) > 0 ? [] : ["the bucket lost its objects when it was created again"];
    },
  },
  {
    id: "s3.bucket.not-empty",
    area: "s3",
    sends: "DeleteBucket of a bucket that holds objects",
    via: "sdk",
    expect: { status: 409, type: "BucketNotEmpty", message: awsMessage("The bucket you tried to delete is not empty") },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new DeleteBucketCommand({ Bucket: ctx.bucket }))),
  },
  {
    id: "s3.key.missing",
    area: "s3",
    sends: "GetObject of a key that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NoSuchKey", message: "The specified key does not exist." },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: "no/such/key" }))),
  },
  {
    id: "s3.key.head-missing",
    area: "s3",
    sends: "HeadObject of a key that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NotFound" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: "no/such/key" }))),
  },
  {
    id: "s3.key.too-long",
    area: "s3",
    sends: "PutObject with a 1025-byte key",
    via: "sdk",
    expect: { status: 400, type: "KeyTooLongError", message: /^Your key is too long/ },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "k".repeat(1025), Body: "x" }))),
    leftovers: (ctx) => absent(ctx, "k".repeat(1024)),
  },
  {
    id: "s3.key.control-character",
    area: "s3",
    sends: "PutObject with a NUL character in the key (refused locally: it could not be listed in XML)",
    via: "sdk",
    expect: { status: 400, type: "InvalidArgument", message: /U\+0000/ },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "bad\u0000key", Body: "x" }))),
  },
  {
    id: "s3.key.dot-dot-segments",
    area: "s3",
    sends: 'PutObject to the wire path "/<bucket>/../../escape/passwd" (raw HTTP, no normalisation): stored as the key "../../escape/passwd", never as a path',
    via: "raw-http",
    expect: { status: 200, type: "" },
    run: async (ctx) => rawOutcome(await sendSigned(ctx.server, { method: "PUT", path: `/${ctx.bucket}/../../escape/passwd`, body: "dot-dot" }, { service: "s3" })),
    leftovers: async (ctx) => {
      const problems: string[] = [];
      const got = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: "../../escape/passwd" }));
      if ((await got.Body!.transformToString()) !== "dot-dot") problems.push("the key ../../escape/passwd does not hold what was written");
      for (const base of [ctx.dataDir, path.join(ctx.dataDir, "s3"), path.join(ctx.dataDir, "s3", "buckets")]) {
        for (const candidate of [path.resolve(base, "escape"), path.resolve(base, "..", "escape")]) {
          if (fs.existsSync(candidate)) problems.push(`${candidate} was created outside the object store`);
        }
      }
      return problems;
    },
  },
  {
    id: "s3.key.dot-dot-sdk",
    area: "s3",
    sends: 'PutObject through the SDK with the key "a/../../b.txt"; listed back under that exact key',
    via: "sdk",
    expect: { status: 200, type: "(accepted)" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "a/../../b.txt", Body: "dots" }))),
    leftovers: async (ctx) => {
      const list = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: "a/" }));
      return list.Contents?.some((o) => o.Key === "a/../../b.txt") ? [] : ['the key "a/../../b.txt" is not listed under "a/"'];
    },
  },
  {
    id: "s3.put.content-md5-mismatch",
    area: "s3",
    sends: "PutObject with the Content-MD5 of other bytes",
    via: "sdk",
    expect: { status: 400, type: "BadDigest", message: "The Content-MD5 you specified did not match what we received." },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "bad/md5", Body: "hello", ContentMD5: md5("other") }))),
    leftovers: (ctx) => absent(ctx, "bad/md5"),
  },
  {
    id: "s3.put.content-md5-malformed",
    area: "s3",
    sends: 'PutObject with Content-MD5 "not-an-md5"',
    via: "sdk",
    expect: { status: 400, type: "InvalidDigest", message: awsMessage("The Content-MD5 you specified is not valid.") },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "bad/md5-format", Body: "hello", ContentMD5: "not-an-md5" }))),
    leftovers: (ctx) => absent(ctx, "bad/md5-format"),
  },
  {
    id: "s3.put.crc32-mismatch",
    area: "s3",
    sends: "PutObject with an x-amz-checksum-crc32 of other bytes",
    via: "sdk",
    expect: { status: 400, type: "BadDigest", message: "The CRC32 you specified did not match the calculated checksum." },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "bad/crc", Body: "hello", ChecksumCRC32: "AAAAAA==" }))),
    leftovers: (ctx) => absent(ctx, "bad/crc"),
  },
  {
    id: "s3.put.payload-hash-mismatch",
    area: "s3",
    sends: "PutObject whose signed x-amz-content-sha256 is the hash of other bytes (raw HTTP)",
    via: "raw-http",
    expect: { status: 400, type: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
    run: async (ctx) =>
      rawOutcome(
        await sendSigned(
          ctx.server,
          { method: "PUT", path: `/${ctx.bucket}/bad/sha256`, headers: { "x-amz-content-sha256": crypto.createHash("sha256").update("other").digest("hex") }, body: "hello" },
          { service: "s3" },
        ),
      ),
    leftovers: (ctx) => absent(ctx, "bad/sha256"),
  },
  {
    id: "s3.put.metadata-too-large",
    area: "s3",
    sends: "PutObject with 3 KB of x-amz-meta-* headers (the limit is 2 KB)",
    via: "sdk",
    expect: { status: 400, type: "MetadataTooLarge", message: awsMessage("Your metadata headers exceed the maximum allowed metadata size.") },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: "bad/meta", Body: "x", Metadata: { big: "m".repeat(3000) } }))),
    leftovers: (ctx) => absent(ctx, "bad/meta"),
  },
  {
    id: "s3.get.range-not-satisfiable",
    area: "s3",
    sends: "GetObject with Range bytes=100000000-100000010 of a small object",
    via: "sdk",
    expect: { status: 416, type: "InvalidRange", message: "The requested range is not satisfiable" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: SENTINEL_KEY, Range: "bytes=100000000-100000010" }))),
  },
  {
    id: "s3.get.if-match-fails",
    area: "s3",
    sends: "GetObject with If-Match of another ETag",
    via: "sdk",
    expect: { status: 412, type: "PreconditionFailed", message: PRECONDITION },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: SENTINEL_KEY, IfMatch: '"00000000000000000000000000000000"' }))),
  },
  {
    id: "s3.put.if-none-match-existing",
    area: "s3",
    sends: "PutObject with If-None-Match: * over an existing key",
    via: "sdk",
    expect: { status: 412, type: "PreconditionFailed", message: PRECONDITION },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: SENTINEL_KEY, Body: "overwrite", IfNoneMatch: "*" }))),
  },
  {
    id: "s3.list.max-keys-negative",
    area: "s3",
    sends: "ListObjectsV2 with max-keys=-1 (raw HTTP)",
    via: "raw-http",
    expect: { status: 400, type: "InvalidArgument" },
    run: async (ctx) => rawOutcome(await sendSigned(ctx.server, { method: "GET", path: `/${ctx.bucket}`, query: { "list-type": "2", "max-keys": "-1" } }, { service: "s3" })),
  },
  {
    id: "s3.list.bad-continuation-token",
    area: "s3",
    sends: 'ListObjectsV2 with continuation-token "garbage"',
    via: "sdk",
    expect: { status: 400, type: "InvalidArgument", message: "The continuation token provided is incorrect" },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, ContinuationToken: "garbage" }))),
  },
  ...s3MultipartCases,
  {
    id: "s3.copy.missing-source",
    area: "s3",
    sends: "CopyObject from a key that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NoSuchKey", message: "The specified key does not exist." },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new CopyObjectCommand({ Bucket: ctx.bucket, Key: "copy/target", CopySource: `${ctx.bucket}/no/such/source` }))),
    leftovers: (ctx) => absent(ctx, "copy/target"),
  },
  {
    id: "s3.delete-objects.too-many",
    area: "s3",
    sends: "DeleteObjects naming 1001 keys (the limit is 1000; raw HTTP)",
    via: "raw-http",
    expect: { status: 400, type: "MalformedXML" },
    run: async (ctx) => {
      const objects = Array.from({ length: 1001 }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join("");
      const body = `<Delete>${objects}</Delete>`;
      return rawOutcome(await sendSigned(ctx.server, { method: "POST", path: `/${ctx.bucket}`, query: { delete: "" }, headers: { "content-md5": md5(body) }, body }, { service: "s3" }));
    },
  },
  {
    id: "s3.unsupported-feature",
    area: "s3",
    sends: "PutBucketAcl (ACLs are not implemented locally)",
    via: "sdk",
    expect: { status: 501, type: "NotImplemented", message: /ACL/i },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new PutBucketAclCommand({ Bucket: ctx.bucket, ACL: "public-read" }))),
  },
];

/** An object every liveness check reads back and compares. */
export const SENTINEL_KEY = "sentinel/object.bin";
