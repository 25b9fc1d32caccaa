/**
 * Who can reach a local server and with what: it listens on 127.0.0.1 only
 * (the socket table and connections to every other local address say so),
 * refuses unsigned, wrongly signed, expired and replayed-elsewhere requests as
 * AWS does, bounds header and body sizes, and keeps its credentials private.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { credentialsFile } from "../local/config";
import type { AccessCheck, AccessContext } from "./access-check";
import { loopbackChecks } from "./access-loopback";
import { serverProblems } from "./liveness";
import { awsMessage, describeExpected, describeOutcome, matches, rawOutcome, type Expected, type Outcome } from "./outcome";
import { jsonRequest, sendRaw, sendSigned, signRequest, type RawRequest } from "./raw-http";

export type { AccessContext } from "./access-check";

export interface AccessResult {
  id: string;
  what: string;
  expected: string;
  observed: string;
  passed: boolean;
  problems: string[];
}

export interface AccessFigures {
  tried: number;
  passed: number;
  results: AccessResult[];
}

const MINUTE = 60_000;
const S3_MISMATCH = awsMessage("The request signature we calculated does not match the signature you provided. Check your key and signing method.");
const JSON_MISMATCH = awsMessage(
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
);
const WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const listTrainingJobs = (): RawRequest => jsonRequest("SageMaker.ListTrainingJobs", {});
const s3Get = (ctx: AccessContext): RawRequest => ({ method: "GET", path: `/${ctx.sentinel.bucket}/${ctx.sentinel.key}` });

/**
 * Sends a request over a plain socket and reads the answer whenever it comes:
 * a server that refuses an oversized request answers before reading the body
 * and closes, so writing may fail (EPIPE) while the answer is already there.
 * Only the head is sent when `body` is undefined (a declared length is refused
 * before any byte of the body).
 */
async function exchange(ctx: AccessContext, signed: RawRequest, body?: Buffer | string): Promise<Outcome> {
  const url = new URL(ctx.server.endpoint);
  const head = [`${signed.method} ${signed.path} HTTP/1.1`, ...Object.entries(signed.headers ?? {}).map(([k, v]) => `${k}: ${v}`), "", ""].join("\r\n");
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let got = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 30_000);
    socket.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(got)?.[1] ?? NaN);
      if (end >= 0 && got.length >= end + 4 + length) done();
    });
    socket.on("close", done);
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (got === "" && e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    socket.write(head);
    if (body !== undefined) socket.write(body, () => undefined);
  });
  const [answerHead, ...rest] = text.split("\r\n\r\n");
  const [statusLine, ...headerLines] = answerHead.split("\r\n");
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  return rawOutcome({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(statusLine)?.[1] ?? 0), headers, text: rest.join("\r\n\r\n") });
}

async function objectIs(ctx: AccessContext, key: string, expected: string | undefined): Promise<string[]> {
  const got = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.sentinel.bucket, Key: key })).then(
    async (r) => r.Body!.transformToString(),
    () => undefined,
  );
  return got === expected ? [] : [`s3://${ctx.sentinel.bucket}/${key} holds ${got === undefined ? "nothing" : JSON.stringify(got.slice(0, 40))}, expected ${expected === undefined ? "nothing" : JSON.stringify(expected)}`];
}

function signatureChecks(): AccessCheck[] {
  return [
    {
      id: "auth.unsigned.s3",
      what: "GetObject without any signature",
      expect: { status: 403, type: "AccessDenied", message: "Access Denied" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, s3Get(ctx))),
    },
    {
      id: "auth.unsigned.sagemaker",
      what: "ListTrainingJobs without any signature",
      expect: { status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, listTrainingJobs())),
    },
    {
      id: "auth.unsigned.runtime",
      what: "InvokeEndpoint without any signature",
      expect: { status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, { method: "POST", path: "/endpoints/any/invocations", headers: { "content-type": "image/jpeg" }, body: "x" })),
    },
    {
      id: "auth.unsigned.sts",
      what: "GetCallerIdentity without any signature",
      expect: { status: 403, type: "MissingAuthenticationToken", message: "Request is missing Authentication Token" },
      run: async (ctx) =>
        rawOutcome(await sendRaw(ctx.server, { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=GetCallerIdentity&Version=2011-06-15" })),
    },
    {
      id: "auth.wrong-secret.s3",
      what: "GetObject signed with a wrong secret key",
      expect: { status: 403, type: "SignatureDoesNotMatch", message: S3_MISMATCH },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, s3Get(ctx), { service: "s3", secretAccessKey: WRONG_SECRET })),
    },
    {
      id: "auth.wrong-secret.sagemaker",
      what: "ListTrainingJobs signed with a wrong secret key",
      expect: { status: 403, type: "InvalidSignatureException", message: JSON_MISMATCH },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, listTrainingJobs(), { service: "sagemaker", secretAccessKey: WRONG_SECRET })),
    },
    {
      id: "auth.unknown-key.s3",
      what: "GetObject signed with an access key id the server does not know",
      expect: { status: 403, type: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, s3Get(ctx), { service: "s3", accessKeyId: "AKIAIOSFODNN7EXAMPLE" })),
    },
    {
      id: "auth.unknown-key.sagemaker",
      what: "ListTrainingJobs signed with an access key id the server does not know",
      expect: { status: 403, type: "UnrecognizedClientException", message: "The security token included in the request is invalid." },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, listTrainingJobs(), { service: "sagemaker", accessKeyId: "AKIAIOSFODNN7EXAMPLE" })),
    },
    {
      id: "auth.expired.s3",
      what: "GetObject signed 20 minutes ago (X-Amz-Date outside the 15-minute window)",
      expect: { status: 403, type: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large." },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, s3Get(ctx), { service: "s3", date: new Date(Date.now() - 20 * MINUTE) })),
    },
    {
      id: "auth.expired.sagemaker",
      what: "ListTrainingJobs signed 20 minutes ago",
      expect: { status: 403, type: "InvalidSignatureException", message: /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/ },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, listTrainingJobs(), { service: "sagemaker", date: new Date(Date.now() - 20 * MINUTE) })),
    },
    {
      id: "auth.future.s3",
      what: "GetObject signed 20 minutes in the future",
      expect: { status: 403, type: "RequestTimeTooSkewed" },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, s3Get(ctx), { service: "s3", date: new Date(Date.now() + 20 * MINUTE) })),
    },
    {
      id: "auth.presigned-expired.s3",
      what: "a presigned GetObject URL used after its X-Amz-Expires (60 s, signed 2 minutes ago)",
      expect: { status: 403, type: "AccessDenied", message: "Request has expired" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, await signRequest(ctx.server, s3Get(ctx), { service: "s3", presignSeconds: 60, date: new Date(Date.now() - 2 * MINUTE) }))),
    },
  ];
}

/** Replays: AWS accepts a signed request again within its 15-minute window; a captured signature is worthless for anything else. */
function replayChecks(): AccessCheck[] {
  const put = (ctx: AccessContext, key: string, body: string): RawRequest => ({ method: "PUT", path: `/${ctx.sentinel.bucket}/${key}`, body });
  return [
    {
      id: "replay.same-request.s3",
      what: "a signed PutObject sent twice, byte for byte (accepted within the window, as on AWS; it can only repeat itself)",
      expect: { status: 200, type: "" },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, put(ctx, "replay/same", "original"), { service: "s3" });
        await sendRaw(ctx.server, signed);
        return rawOutcome(await sendRaw(ctx.server, signed));
      },
      leftovers: (ctx) => objectIs(ctx, "replay/same", "original"),
    },
    {
      id: "replay.other-key.s3",
      what: "a captured PutObject signature replayed for another key",
      expect: { status: 403, type: "SignatureDoesNotMatch", message: S3_MISMATCH },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, put(ctx, "replay/signed-key", "payload"), { service: "s3" });
        return rawOutcome(await sendRaw(ctx.server, { ...signed, path: `/${ctx.sentinel.bucket}/replay/stolen-key` }));
      },
      leftovers: (ctx) => objectIs(ctx, "replay/stolen-key", undefined),
    },
    {
      id: "replay.other-body.s3",
      what: "a captured PutObject replayed with another body (the signed payload hash no longer matches)",
      expect: { status: 400, type: "XAmzContentSHA256Mismatch" },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, put(ctx, "replay/body", "original"), { service: "s3" });
        await sendRaw(ctx.server, signed);
        return rawOutcome(await sendRaw(ctx.server, { ...signed, body: "tampered" }));
      },
      leftovers: (ctx) => objectIs(ctx, "replay/body", "original"),
    },
    {
      id: "replay.other-body-rehashed.s3",
      what: "a captured PutObject replayed with another body and that body's hash in x-amz-content-sha256",
      expect: { status: 403, type: "SignatureDoesNotMatch", message: S3_MISMATCH },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, put(ctx, "replay/rehashed", "original"), { service: "s3" });
        const headers = { ...signed.headers, "x-amz-content-sha256": crypto.createHash("sha256").update("tampered").digest("hex") };
        return rawOutcome(await sendRaw(ctx.server, { ...signed, headers, body: "tampered" }));
      },
      leftovers: (ctx) => objectIs(ctx, "replay/rehashed", undefined),
    },
    {
      id: "replay.other-body.sagemaker",
      what: "a captured DescribeEndpoint signature replayed with another JSON body",
      expect: { status: 403, type: "InvalidSignatureException", message: JSON_MISMATCH },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, jsonRequest("SageMaker.DescribeEndpoint", { EndpointName: "one" }), { service: "sagemaker" });
        return rawOutcome(await sendRaw(ctx.server, { ...signed, body: JSON.stringify({ EndpointName: "another" }) }));
      },
    },
    {
      id: "replay.after-window.s3",
      what: "a PutObject captured 16 minutes ago, replayed now",
      expect: { status: 403, type: "RequestTimeTooSkewed" },
      run: async (ctx) => rawOutcome(await sendSigned(ctx.server, put(ctx, "replay/late", "late"), { service: "s3", date: new Date(Date.now() - 16 * MINUTE) })),
      leftovers: (ctx) => objectIs(ctx, "replay/late", undefined),
    },
  ];
}

function boundChecks(): AccessCheck[] {
  return [
    {
      id: "bounds.header-size",
      what: "a request with a 20 KB header (Node's limit is 16 KB)",
      expect: { status: 431, type: "" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, { method: "GET", path: "/_local/health", headers: { "x-padding": "p".repeat(20 * 1024) } })),
    },
    {
      id: "bounds.header-count",
      what: "a request with 1000 small headers",
      expect: { status: 431, type: "" },
      run: async (ctx) => rawOutcome(await sendRaw(ctx.server, { method: "GET", path: "/_local/health", headers: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, "value-value"])) })),
    },
    {
      id: "bounds.sagemaker-body",
      what: "a signed 17 MiB SageMaker request body (the limit is 16 MiB)",
      expect: { status: 413, type: "RequestEntityTooLarge" },
      run: async (ctx) => {
        const signed = await signRequest(ctx.server, jsonRequest("SageMaker.ListTrainingJobs", JSON.stringify({ NameContains: "x".repeat(17 * 1024 * 1024) })), { service: "sagemaker" });
        return exchange(ctx, { ...signed, headers: { ...signed.headers, "content-length": String(Buffer.byteLength(signed.body!)) } }, signed.body);
      },
    },
    {
      id: "bounds.runtime-body",
      what: "a signed InvokeEndpoint body of 6291457 bytes",
      expect: { status: 413, type: "ValidationError" },
      run: async (ctx) => {
        const body = Buffer.alloc(6291457);
        const signed = await signRequest(ctx.server, { method: "POST", path: "/endpoints/any/invocations", headers: { "content-type": "image/jpeg" }, body }, { service: "sagemaker" });
        return exchange(ctx, { ...signed, headers: { ...signed.headers, "content-length": String(body.length) } }, body);
      },
    },
    {
      id: "bounds.s3-declared-length",
      what: "a signed PutObject announcing Content-Length 5 GiB + 1 (answered before any body byte is sent)",
      expect: { status: 400, type: "EntityTooLarge" },
      run: async (ctx) => {
        const signed = await signRequest(
          ctx.server,
          { method: "PUT", path: `/${ctx.sentinel.bucket}/bounds/huge`, headers: { "content-length": String(5 * 1024 ** 3 + 1), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
          { service: "s3" },
        );
        return exchange(ctx, signed);
      },
      leftovers: (ctx) => objectIs(ctx, "bounds/huge", undefined),
    },
  ];
}

export async function runAccess(ctx: AccessContext): Promise<AccessFigures> {
  const results: AccessResult[] = [];
  for (const check of [...loopbackChecks(ctx), ...signatureChecks(), ...replayChecks(), ...boundChecks()]) {
    const problems: string[] = [];
    let observed = "(nothing)";
    try {
      const outcome = await check.run(ctx);
      observed = describeOutcome(outcome);
      if (!matches(check.expect, outcome)) problems.push(`answered ${observed}, expected ${describeExpected(check.expect)}`);
      if (check.leftovers) problems.push(...(await check.leftovers(ctx)));
    } catch (err) {
      problems.push(`the check itself failed: ${(err as Error).stack ?? String(err)}`);
    }
    problems.push(...(await serverProblems(ctx.server, ctx.clients, ctx.sentinel)).map((p) => `afterwards: ${p}`));
    results.push({ id: check.id, what: check.what, expected: describeExpected(check.expect), observed, passed: problems.length === 0, problems });
  }
  return { tried: results.length, passed: results.filter((r) => r.passed).length, results };
}

/** The data directory's credentials file, for the secret scan. */
export function secretOf(dataDir: string): string {
  return (JSON.parse(fs.readFileSync(credentialsFile(dataDir), "utf8")) as { secretAccessKey: string }).secretAccessKey;
}
