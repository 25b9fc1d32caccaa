/**
 * Hand-made HTTP requests to a local server, signed by the AWS SDK's own
 * SigV4 signer, so that a check controls every byte the SDK would never send:
 * unknown members, wrong JSON types, old dates, wrong secrets, replays,
 * oversized headers.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { NodeSha256 } from "../local/auth/verify";
import type { ServerAddress } from "./clients";
import { recordSignature } from "./secrets";

export interface RawRequest {
  method: string;
  /** As it goes on the wire: already percent-encoded. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface SignOptions {
  /** Signing name of the credential scope: s3, sagemaker, logs, ... */
  service: string;
  secretAccessKey?: string;
  accessKeyId?: string;
  date?: Date;
  /** Presign (query authentication) for this many seconds instead of an Authorization header. */
  presignSeconds?: number;
}

/** Percent-encoding as SigV4 canonicalises query strings. */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A signed copy of `req`; it can be sent again and again (replays). */
export async function signRequest(server: ServerAddress, req: RawRequest, opts: SignOptions): Promise<RawRequest> {
  const host = new URL(server.endpoint).host;
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? server.accessKeyId, secretAccessKey: opts.secretAccessKey ?? server.secretAccessKey },
    region: server.region,
    service: opts.service,
    sha256: NodeSha256,
    uriEscapePath: opts.service !== "s3",
  });
  const headers: Record<string, string> = { host, ...req.headers };
  if (opts.service === "s3" && opts.presignSeconds === undefined && headers["x-amz-content-sha256"] === undefined) {
    headers["x-amz-content-sha256"] = crypto.createHash("sha256").update(req.body ?? "").digest("hex");
  }
  const unsigned = { method: req.method, protocol: "http:", hostname: "127.0.0.1", path: req.path, query: req.query ?? {}, headers, body: req.body } as HttpRequest;
  const signingDate = opts.date ?? new Date();
  const signed =
    opts.presignSeconds === undefined
      ? await signer.sign(unsigned, { signingDate })
      : await signer.presign(unsigned, { signingDate, expiresIn: opts.presignSeconds });
  const signature = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? "")?.[1] ?? (signed.query as Record<string, string>)["X-Amz-Signature"];
  if (signature) recordSignature(signature);
  return { method: req.method, path: req.path, query: signed.query as Record<string, string>, headers: signed.headers, body: req.body };
}

export function sendRaw(server: ServerAddress, req: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(server.endpoint);
  const qs = Object.entries(req.query ?? {})
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join("&");
  return new Promise((resolve, reject) => {
    let answered = false;
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path + (qs ? `?${qs}` : ""), headers: { ...req.headers }, agent: false, timeout: timeoutMs },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error(`no answer from ${req.method} ${req.path} within ${timeoutMs} ms`)));
    // A server that refuses an oversized body answers and closes before the body is sent: the answer counts, not the broken write.
    r.on("error", (err) => {
      if (!answered) reject(err);
    });
    r.end(req.body);
  });
}

export async function sendSigned(server: ServerAddress, req: RawRequest, opts: SignOptions): Promise<RawResponse> {
  return sendRaw(server, await signRequest(server, req, opts));
}

/** The error type and message of a response in any of the three protocols (S3 XML, JSON, query XML). */
export function errorOf(res: RawResponse): { type: string; message: string } {
  const header = res.headers["x-amzn-errortype"];
  const xmlCode = /<Code>([^<]*)<\/Code>/.exec(res.text)?.[1];
  const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(res.text)?.[1];
  let json: { __type?: string; message?: string; Message?: string } = {};
  try {
    json = JSON.parse(res.text) as typeof json;
  } catch {
    // Not JSON: XML or empty.
  }
  const type = (typeof header === "string" ? header.split(":")[0] : undefined) ?? json.__type?.split("#").pop() ?? xmlCode ?? "";
  return { type, message: json.message ?? json.Message ?? unescapeXml(xmlMessage ?? "") };
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);
}

/** A JSON-protocol request body for `X-Amz-Target: <prefix>.<operation>`. */
export function jsonRequest(target: string, body: unknown): RawRequest {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body: text };
}
