import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as crypto from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { HttpRequest } from "@smithy/types";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";
import { encodeRfc3986, hostOf, send, sign, signer, xmlCode } from "./signed-request";

let srv: TestServer;
let s3: S3Client;
const bucket = "auth";

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "doc.txt", Body: "secret document" }));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
});

const client = (overrides: Partial<{ secretAccessKey: string; accessKeyId: string; region: string; systemClockOffset: number; maxAttempts: number }>) =>
  new S3Client({
    ...srv.clientConfig,
    region: overrides.region ?? srv.region,
    credentials: { accessKeyId: overrides.accessKeyId ?? srv.credentials.accessKeyId, secretAccessKey: overrides.secretAccessKey ?? srv.credentials.secretAccessKey },
    systemClockOffset: overrides.systemClockOffset,
    maxAttempts: overrides.maxAttempts,
  });

describe("S3 refuses what AWS refuses", () => {
  it("answers SignatureDoesNotMatch (403) to a wrong secret key", async () => {
    const bad = client({ secretAccessKey: "not-the-secret-key-000000000000000000000" });
    const err = await failureOf(bad.send(new ListBucketsCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
    expect(err.$metadata.httpStatusCode).toBe(403);
    bad.destroy();
  });

  it("answers InvalidAccessKeyId (403) to an unknown access key", async () => {
    const bad = client({ accessKeyId: "AKIAUNKNOWNKEY000000" });
    const err = await failureOf(bad.send(new GetObjectCommand({ Bucket: bucket, Key: "doc.txt" })));
    expect(err.name).toBe("InvalidAccessKeyId");
    expect((err as unknown as { AWSAccessKeyId: string }).AWSAccessKeyId).toBe("AKIAUNKNOWNKEY000000");
    bad.destroy();
  });

  it("answers AccessDenied (403) to an unsigned request and never serves the object", async () => {
    const res = await send(srv, { method: "GET", path: `/${bucket}/doc.txt`, headers: { host: hostOf(srv) } });
    expect(res.status).toBe(403);
    expect(xmlCode(res)).toBe("AccessDenied");
    expect(res.text).not.toContain("secret document");
    expect(res.headers["x-amz-request-id"]).toBeTruthy();
  });

  it("refuses SigV2 with a message naming SigV4", async () => {
    const res = await send(srv, { method: "GET", path: `/${bucket}`, headers: { host: hostOf(srv), authorization: "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=" } });
    expect(res.status).toBe(400);
    expect(res.text).toContain("AWS4-HMAC-SHA256");
  });

  it("answers AuthorizationHeaderMalformed naming the expected region to a request signed for another", async () => {
    const other = client({ region: "eu-central-1" });
    const err = await failureOf(other.send(new ListBucketsCommand({})));
    expect(err.name).toBe("AuthorizationHeaderMalformed");
    expect(err.message).toContain("expecting 'us-east-1'");
    other.destroy();
  });

  it("answers RequestTimeTooSkewed to a clock 20 minutes behind, with the server time the SDK corrects its clock from", async () => {
    const skewed = client({ systemClockOffset: -20 * 60 * 1000, maxAttempts: 1 });
    const err = await failureOf(skewed.send(new ListBucketsCommand({})));
    expect(err.name).toBe("RequestTimeTooSkewed");
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(Math.abs(Date.parse((err as unknown as { ServerTime: string }).ServerTime) - Date.now())).toBeLessThan(60_000);
    const ok = await skewed.send(new ListBucketsCommand({}));
    expect(ok.$metadata.httpStatusCode).toBe(200);
    skewed.destroy();
  });
});

describe("replays", () => {
  it("accepts an identical signed PUT again within the skew window, with the same result", async () => {
    const req = await sign(srv, "s3", { method: "PUT", path: `/${bucket}/replayed`, headers: { "content-length": "7" }, body: "payload" });
    const first = await send(srv, req);
    const second = await send(srv, req);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.etag).toBe(first.headers.etag);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "replayed" }));
    expect(await got.Body!.transformToString()).toBe("payload");
  });

  it("accepts a signature 14 minutes old but refuses one 16 minutes old", async () => {
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const fresh = await send(srv, await sign(srv, "s3", { method: "GET", path: `/${bucket}/doc.txt` }, { date: at(14) }));
    expect(fresh.status).toBe(200);
    const stale = await send(srv, await sign(srv, "s3", { method: "GET", path: `/${bucket}/doc.txt` }, { date: at(16) }));
    expect(stale.status).toBe(403);
    expect(xmlCode(stale)).toBe("RequestTimeTooSkewed");
    expect(stale.text).toContain("<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>");
  });

  it("refuses a captured signature reused for another key or another body", async () => {
    const req = await sign(srv, "s3", { method: "PUT", path: `/${bucket}/original`, headers: { "content-length": "4" }, body: "good" });
    const otherKey = await send(srv, { ...req, path: `/${bucket}/hijacked` });
    expect(otherKey.status).toBe(403);
    expect(xmlCode(otherKey)).toBe("SignatureDoesNotMatch");
    const otherBody = await send(srv, { ...req, body: "evil" });
    expect(xmlCode(otherBody)).toBe("XAmzContentSHA256Mismatch");
    const head = await failureOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hijacked" })));
    expect(head.name).toBe("NoSuchKey");
  });
});

describe("presigned URLs", () => {
  // As @aws-sdk/s3-request-presigner does: x-amz-content-sha256: UNSIGNED-PAYLOAD is hoisted into the query.
  // (boto3's and the AWS CLI's URLs, which leave it out, are tested in test/python/s3_boto3.py and wire-clients.test.ts.)
  async function presign(method: string, key: string, opts: { expiresIn?: number; date?: Date } = {}): Promise<string> {
    const headers: Record<string, string> = { host: hostOf(srv), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
    const req = await signer(srv, "s3").presign(
      { method, protocol: "http:", hostname: "127.0.0.1", path: `/${bucket}/${key}`, query: {}, headers } as HttpRequest,
      { expiresIn: opts.expiresIn ?? 300, signingDate: opts.date },
    );
    const qs = Object.entries(req.query ?? {})
      .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
      .join("&");
    return `${srv.endpoint}/${bucket}/${key}?${qs}`;
  }

  it("serves a presigned GET", async () => {
    const res = await fetch(await presign("GET", "doc.txt"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("secret document");
  });

  it("stores a presigned PUT", async () => {
    const res = await fetch(await presign("PUT", "uploaded-by-url"), { method: "PUT", body: "from a URL" });
    expect(res.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "uploaded-by-url" }));
    expect(await got.Body!.transformToString()).toBe("from a URL");
  });

  it("refuses a tampered signature or key", async () => {
    const url = await presign("GET", "doc.txt");
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`);
    const res = await fetch(tampered);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    const otherKey = await fetch(url.replace("/doc.txt?", "/replayed?"));
    expect(otherKey.status).toBe(403);
  });

  it("answers AccessDenied 'Request has expired' after X-Amz-Expires", async () => {
    const res = await fetch(await presign("GET", "doc.txt", { expiresIn: 60, date: new Date(Date.now() - 120_000) }));
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toContain("Request has expired");
  });

  it("refuses X-Amz-Expires over a week", async () => {
    const url = (await presign("GET", "doc.txt")).replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=604801");
    const res = await fetch(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AuthorizationQueryParametersError");
  });
});

describe("signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER])", () => {
  // An implementation of the chunk signing written from AWS's description, independent of the server's.
  function hmac(key: Buffer | string, data: string): Buffer {
    return crypto.createHmac("sha256", key).update(data).digest();
  }
  function signingKey(date: string): Buffer {
    return ["us-east-1", "s3", "aws4_request"].reduce((k, part) => hmac(k, part), hmac(`AWS4${srv.credentials.secretAccessKey}`, date));
  }
  const sha = (d: Buffer | string) => crypto.createHash("sha256").update(d).digest("hex");

  async function chunkedPut(key: string, data: Buffer, opts: { trailer?: boolean; corruptChunk?: number; chunkSize?: number }) {
    const chunkSize = opts.chunkSize ?? 8192;
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; i += chunkSize) pieces.push(data.subarray(i, i + chunkSize));
    pieces.push(Buffer.alloc(0));
    const mode = opts.trailer ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    const crc = crypto.createHash("sha256").update(data).digest("base64");
    const sigLen = ";chunk-signature=".length + 64;
    let encodedLength = pieces.reduce((n, p) => n + p.length.toString(16).length + sigLen + 2 + p.length + 2, 0);
    const trailerText = `x-amz-checksum-sha256:${crc}`;
    if (opts.trailer) encodedLength += -2 + trailerText.length + 2 + "x-amz-trailer-signature:".length + 64 + 2 + 2;
    const headers: Record<string, string> = {
      "x-amz-content-sha256": mode,
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(data.length),
      "content-length": String(encodedLength),
    };
    if (opts.trailer) headers["x-amz-trailer"] = "x-amz-checksum-sha256";
    const signed = await sign(srv, "s3", { method: "PUT", path: `/${bucket}/${key}`, headers });
    const amzDate = signed.headers!["x-amz-date"];
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const key8 = signingKey(amzDate.slice(0, 8));
    let prior = /Signature=([0-9a-f]{64})/.exec(signed.headers!.authorization)![1];
    const parts: Buffer[] = [];
    pieces.forEach((p, i) => {
      prior = hmac(key8, ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, prior, sha(""), sha(p)].join("\n")).toString("hex");
      const sent = i === opts.corruptChunk ? Buffer.from(p).fill(0x21, 0, 1) : p;
      const last = i === pieces.length - 1;
      parts.push(Buffer.from(`${p.length.toString(16)};chunk-signature=${prior}\r\n`), sent, Buffer.from(last && opts.trailer ? "" : "\r\n"));
    });
    if (opts.trailer) {
      const trailerSig = hmac(key8, ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, prior, sha(`${trailerText}\n`)].join("\n")).toString("hex");
      parts.push(Buffer.from(`${trailerText}\r\nx-amz-trailer-signature:${trailerSig}\r\n\r\n`));
    }
    const body = Buffer.concat(parts);
    expect(body.length).toBe(encodedLength);
    return send(srv, { ...signed, body });
  }

  it("stores a chunk-signed body, decoded", async () => {
    const data = crypto.randomBytes(30_000);
    const res = await chunkedPut("chunked", data, {});
    expect(res.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "chunked" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it("stores a chunk-signed body with a signed checksum trailer", async () => {
    const data = crypto.randomBytes(20_000);
    const res = await chunkedPut("chunked-trailer", data, { trailer: true });
    expect(res.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "chunked-trailer", ChecksumMode: "ENABLED" }));
    expect(got.ChecksumSHA256).toBe(crypto.createHash("sha256").update(data).digest("base64"));
  });

  it("refuses a body with one altered chunk and stores nothing", async () => {
    const res = await chunkedPut("chunked-bad", crypto.randomBytes(30_000), { corruptChunk: 1 });
    expect(res.status).toBe(403);
    expect(xmlCode(res)).toBe("SignatureDoesNotMatch");
    expect((await failureOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "chunked-bad" })))).name).toBe("NoSuchKey");
  });
});

describe("query-protocol services (STS)", () => {
  it("answer SignatureDoesNotMatch and InvalidClientTokenId like STS", async () => {
    const wrongSecret = new STSClient({ ...srv.clientConfig, credentials: { accessKeyId: srv.credentials.accessKeyId, secretAccessKey: "x".repeat(40) } });
    const e1 = await failureOf(wrongSecret.send(new GetCallerIdentityCommand({})));
    expect(e1.name).toBe("SignatureDoesNotMatch");
    const unknownKey = new STSClient({ ...srv.clientConfig, credentials: { accessKeyId: "AKIANOTLOCAL00000000", secretAccessKey: "x".repeat(40) } });
    const e2 = await failureOf(unknownKey.send(new GetCallerIdentityCommand({})));
    expect(e2.name).toBe("InvalidClientTokenId");
    wrongSecret.destroy();
    unknownKey.destroy();
  });

  it("answer MissingAuthenticationToken to an unsigned call", async () => {
    const res = await send(srv, {
      method: "POST",
      path: "/",
      headers: { host: hostOf(srv), "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(res.status).toBe(403);
    expect(xmlCode(res)).toBe("MissingAuthenticationToken");
    expect(res.text).toContain("<ErrorResponse");
  });
});
