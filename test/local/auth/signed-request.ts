/**
 * Sends hand-made requests to a test server over loopback with node:http,
 * signed by the AWS SDK's own SigV4 signer, so tests control every header,
 * date and byte (replays, skew, signed chunks, unsigned requests).
 */
import * as http from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { NodeSha256 } from "../../../src/local/auth/verify";
import type { TestServer } from "../../helpers/local-server";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  /** As sent on the wire (already percent-encoded). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function signer(srv: TestServer, service: string, opts: { secret?: string; accessKeyId?: string; region?: string } = {}): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? srv.credentials.accessKeyId, secretAccessKey: opts.secret ?? srv.credentials.secretAccessKey },
    region: opts.region ?? srv.region,
    service,
    sha256: NodeSha256,
    uriEscapePath: service !== "s3",
  });
}

export function hostOf(srv: TestServer): string {
  return new URL(srv.endpoint).host;
}

/** Signs `req` for `service` (header auth); the result can be sent again and again. */
export async function sign(
  srv: TestServer,
  service: string,
  req: RawRequest,
  opts: { secret?: string; accessKeyId?: string; region?: string; date?: Date } = {},
): Promise<RawRequest> {
  const signed = await signer(srv, service, opts).sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      path: req.path,
      query: req.query ?? {},
      headers: { host: hostOf(srv), ...req.headers },
      body: req.body,
    } as HttpRequest,
    { signingDate: opts.date ?? new Date() },
  );
  return { method: req.method, path: req.path, query: req.query, headers: signed.headers, body: req.body };
}

export function send(srv: TestServer, req: RawRequest): Promise<RawResponse> {
  const url = new URL(srv.endpoint);
  const qs = Object.entries(req.query ?? {})
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join("&");
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path + (qs ? `?${qs}` : ""), headers: { ...req.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `<Code>` of an S3 or query-protocol XML error. */
export function xmlCode(res: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.text)?.[1];
}
