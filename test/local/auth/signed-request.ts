/**
 * Signs hand-made requests for a test server and sends them over loopback,
 * signed by the AWS SDK's own SigV4 signer, so tests control every header,
 * date and byte (replays, skew, signed chunks, unsigned requests).
 */
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { NodeSha256 } from "../../../src/local/auth/verify";
import { sendRaw, type RawRequest, type RawResponse } from "../../../src/reliability/raw-http";
import type { TestServer } from "../../helpers/local-server";

export { encodeRfc3986, type RawRequest, type RawResponse } from "../../../src/reliability/raw-http";

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

/** Sends `req` exactly as given (the same transport as the reliability checks). */
export function send(srv: TestServer, req: RawRequest): Promise<RawResponse> {
  return sendRaw({ endpoint: srv.endpoint, region: srv.region, ...srv.credentials }, req);
}

/** `<Code>` of an S3 or query-protocol XML error. */
export function xmlCode(res: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.text)?.[1];
}
