import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";
import { send, sign, xmlCode } from "../auth/signed-request";

describe("buckets in us-east-1", () => {
  let srv: TestServer;
  let s3: S3Client;
  beforeAll(async () => {
    srv = await startTestServer();
    s3 = new S3Client(srv.clientConfig);
  });
  afterAll(async () => {
    s3?.destroy();
    await srv?.stop();
  });

  it("creates, heads, lists and deletes a bucket", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "life-cycle" }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: "life-cycle" }));
    expect(head.BucketRegion).toBe("us-east-1");
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain("life-cycle");
    expect(listed.Buckets?.find((b) => b.Name === "life-cycle")?.CreationDate).toBeInstanceOf(Date);
    expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    await s3.send(new DeleteBucketCommand({ Bucket: "life-cycle" }));
    const gone = await failureOf(s3.send(new HeadBucketCommand({ Bucket: "life-cycle" })));
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it("keeps S3's legacy us-east-1 answer: re-creating your own bucket succeeds", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "twice" }));
    await expect(s3.send(new CreateBucketCommand({ Bucket: "twice" }))).resolves.toBeDefined();
  });

  it.each([
    ["ab", "between 3 and 63"],
    ["Upper-Case", "lowercase letters"],
    ["-leading-hyphen", "begin and end"],
    ["two..dots", "adjacent periods"],
    ["192.168.1.1", "IP address"],
    ["xn--punycode", 'start with "xn--"'],
    ["bucket-s3alias", 'end with "-s3alias"'],
    ["a".repeat(64), "between 3 and 63"],
  ])("refuses the bucket name %j with InvalidBucketName naming the rule", async (name, rule) => {
    const err = await failureOf(s3.send(new CreateBucketCommand({ Bucket: name })));
    expect(err.name).toBe("InvalidBucketName");
    expect(err.message).toContain(rule);
    expect((err as unknown as { BucketName?: string }).BucketName).toBe(name);
  });

  it("refuses to delete a bucket that still holds objects, then deletes it once empty", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "not-empty" }));
    await s3.send(new PutObjectCommand({ Bucket: "not-empty", Key: "k", Body: "v" }));
    const err = await failureOf(s3.send(new DeleteBucketCommand({ Bucket: "not-empty" })));
    expect(err.name).toBe("BucketNotEmpty");
    expect(err.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket: "not-empty", Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "not-empty" }));
  });

  it("answers NoSuchBucket for operations on a missing bucket", async () => {
    const put = await failureOf(s3.send(new PutObjectCommand({ Bucket: "no-such-bucket", Key: "k", Body: "v" })));
    expect(put.name).toBe("NoSuchBucket");
    expect(put.$metadata.httpStatusCode).toBe(404);
    const del = await failureOf(s3.send(new DeleteBucketCommand({ Bucket: "no-such-bucket" })));
    expect(del.name).toBe("NoSuchBucket");
  });

  it("refuses a LocationConstraint in us-east-1 as S3 does", async () => {
    const same = await failureOf(
      s3.send(new CreateBucketCommand({ Bucket: "constrained", CreateBucketConfiguration: { LocationConstraint: "us-east-1" as never } })),
    );
    expect(same.name).toBe("InvalidLocationConstraint");
    const other = await failureOf(s3.send(new CreateBucketCommand({ Bucket: "constrained", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })));
    expect(other.name).toBe("IllegalLocationConstraintException");
  });

  it("reports an empty LocationConstraint for us-east-1 buckets", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "located" }));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: "located" }));
    expect(loc.LocationConstraint ?? "").toBe("");
  });
});

describe("buckets outside us-east-1", () => {
  let srv: TestServer;
  let s3: S3Client;
  beforeAll(async () => {
    srv = await startTestServer({ region: "eu-west-1" });
    s3 = new S3Client(srv.clientConfig);
  });
  afterAll(async () => {
    s3?.destroy();
    await srv?.stop();
  });

  it("needs the region as LocationConstraint, and reports BucketAlreadyOwnedByYou on re-creation", async () => {
    // The SDK fills in LocationConstraint itself outside us-east-1, so the bare request is sent by hand.
    const bare = await send(srv, await sign(srv, "s3", { method: "PUT", path: "/regional", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }));
    expect(bare.status).toBe(400);
    expect(xmlCode(bare)).toBe("IllegalLocationConstraintException");
    expect(bare.text).toContain("unspecified");
    const other = await failureOf(s3.send(new CreateBucketCommand({ Bucket: "regional", CreateBucketConfiguration: { LocationConstraint: "us-west-2" } })));
    expect(other.name).toBe("IllegalLocationConstraintException");
    expect(other.message).toContain("us-west-2");
    await s3.send(new CreateBucketCommand({ Bucket: "regional", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const again = await failureOf(s3.send(new CreateBucketCommand({ Bucket: "regional", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })));
    expect(again.name).toBe("BucketAlreadyOwnedByYou");
    expect(again.$metadata.httpStatusCode).toBe(409);
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: "regional" }));
    expect(loc.LocationConstraint).toBe("eu-west-1");
  });
});
