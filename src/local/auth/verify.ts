/**
 * SigV4 verification. The expected signature is computed by the AWS SDK's own
 * signer (`@smithy/signature-v4`) over the request as it arrived, with the
 * local secret; the request is accepted only if the signatures are equal.
 *
 * Replays: like AWS, a correctly signed request is accepted again while its
 * X-Amz-Date is within the 15-minute skew window (or a presigned URL until it
 * expires). Every operation that can be replayed is idempotent for the same
 * bytes, so a replay repeats the original effect and nothing else.
 */
import * as crypto from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest, SourceData } from "@smithy/types";
import { AuthFailure, MAX_SKEW_MS } from "./failures";
import { parseAmzDate, type SigV4Params } from "./sigv4-params";
import { toSignableQuery } from "../http/query";

export interface SignedRequest {
  method: string;
  /** The path exactly as it arrived, still percent-encoded. */
  rawPath: string;
  /** Decoded query pairs, in wire order. */
  query: Array<[string, string]>;
  /** Lower-case names. */
  headers: Record<string, string>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Signs chunks of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body, each chained to the one before. */
export interface ChunkSigner {
  chunk(data: Buffer): Promise<string>;
  /** Signature of the trailing headers, given as `name:value\n` lines. */
  trailer(canonicalTrailer: string): Promise<string>;
}

/** Hash constructor in the shape the SDK signer expects (sha256 or HMAC-sha256); tests sign with it too. */
export class NodeSha256 {
  private readonly h: crypto.Hash | crypto.Hmac;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? crypto.createHash("sha256") : crypto.createHmac("sha256", toBuffer(secret));
  }
  update(data: SourceData): void {
    this.h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    throw new Error("NodeSha256 is single-use");
  }
}

const PAYLOAD_HEADER = "x-amz-content-sha256";
const QUERY_AUTH_PARAMS = new Set(["x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders", "x-amz-signature"]);

export class SigV4Verifier {
  constructor(
    private readonly credentials: Credentials,
    /** The server's region; IAM and STS also accept us-east-1, where their global endpoints sign. */
    private readonly region: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Everything that can be checked before the body is read: key, region, date. */
  checkScope(p: SigV4Params): Date {
    if (p.accessKeyId !== this.credentials.accessKeyId) {
      throw new AuthFailure("unknownKey", `access key id "${p.accessKeyId}" is not the local server's`, { AWSAccessKeyId: p.accessKeyId });
    }
    const date = parseAmzDate(p.amzDate)!;
    if (p.scopeDate !== p.amzDate.slice(0, 8)) {
      throw new AuthFailure("malformed", `Invalid credential date "${p.scopeDate}". Date is not the same as X-Amz-Date (${p.amzDate}).`);
    }
    const accepted = p.service === "iam" || p.service === "sts" ? [this.region, "us-east-1"] : [this.region];
    if (!accepted.includes(p.region)) {
      throw new AuthFailure("wrongRegion", `The authorization header is malformed; the region '${p.region}' is wrong; expecting '${this.region}'`, { Region: this.region });
    }
    const now = this.now();
    const serverTime = isoSeconds(new Date(now));
    if (p.presigned) {
      const expires = date.getTime() + p.expiresSeconds! * 1000;
      if (now > expires) {
        throw new AuthFailure("expired", `Signature expired: the presigned URL expired at ${isoSeconds(new Date(expires))} (now ${serverTime}).`, {
          "X-Amz-Expires": p.expiresSeconds!,
          Expires: isoSeconds(new Date(expires)),
          ServerTime: serverTime,
        });
      }
      if (date.getTime() - now > MAX_SKEW_MS) {
        throw new AuthFailure("notYetValid", `Signature not yet current: ${p.amzDate} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 15 min.)`, {
          "X-Amz-Date": p.amzDate,
          ServerTime: serverTime,
        });
      }
    } else if (Math.abs(date.getTime() - now) > MAX_SKEW_MS) {
      const late = date.getTime() < now;
      const detail = late
        ? `Signature expired: ${p.amzDate} is now earlier than ${amzDate(now - MAX_SKEW_MS)} (${amzDate(now)} - 15 min.)`
        : `Signature not yet current: ${p.amzDate} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 15 min.)`;
      throw new AuthFailure("skewed", detail, { RequestTime: p.amzDate, ServerTime: serverTime, MaxAllowedSkewMilliseconds: MAX_SKEW_MS });
    }
    return date;
  }

  /**
   * Checks the signature. `body` is the whole body for services that hash it;
   * S3 passes undefined and signs `x-amz-content-sha256` (or UNSIGNED-PAYLOAD
   * for presigned URLs) instead, verifying the payload while it streams.
   */
  async verify(req: SignedRequest, p: SigV4Params, body: Buffer | undefined): Promise<void> {
    const signingDate = parseAmzDate(p.amzDate)!;
    const signer = this.signer(p);
    const headers: Record<string, string> = {};
    for (const name of p.signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) throw new AuthFailure("badSignature", `SignedHeaders names "${name}", which the request does not carry`);
      headers[name] = value;
    }
    const signable = new Set(p.signedHeaders);
    const unsignable = new Set<string>();
    let expected: string | undefined;
    if (p.presigned) {
      const query = toSignableQuery(req.query.filter(([k]) => !QUERY_AUTH_PARAMS.has(k.toLowerCase())));
      if (body === undefined) {
        // S3 presigned URLs sign UNSIGNED-PAYLOAD unless the client hoisted a hash into the query.
        const hoisted = req.query.find(([k]) => k.toLowerCase() === PAYLOAD_HEADER);
        headers[PAYLOAD_HEADER] = hoisted ? hoisted[1] : "UNSIGNED-PAYLOAD";
        unsignable.add(PAYLOAD_HEADER);
      }
      const request = this.httpRequest(req, query, headers, body);
      const signed = await signer.presign(request, {
        signingDate,
        expiresIn: p.expiresSeconds,
        signableHeaders: signable,
        unsignableHeaders: unsignable,
        unhoistableHeaders: new Set([...signable, PAYLOAD_HEADER]),
        signingRegion: p.region,
        signingService: p.service,
      });
      expected = signed.query?.["X-Amz-Signature"] as string | undefined;
    } else {
      const payloadHash = req.headers[PAYLOAD_HEADER];
      if (payloadHash !== undefined && !signable.has(PAYLOAD_HEADER)) {
        headers[PAYLOAD_HEADER] = payloadHash;
        unsignable.add(PAYLOAD_HEADER);
      }
      const request = this.httpRequest(req, toSignableQuery(req.query), headers, payloadHash === undefined ? body : undefined);
      const signed = await signer.sign(request, {
        signingDate,
        signableHeaders: signable,
        unsignableHeaders: unsignable,
        signingRegion: p.region,
        signingService: p.service,
      });
      expected = /Signature=([0-9a-f]{64})/.exec(signed.headers["authorization"] ?? "")?.[1];
    }
    if (!expected || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(p.signature))) {
      throw new AuthFailure("badSignature", "");
    }
  }

  chunkSigner(p: SigV4Params): ChunkSigner {
    const signer = this.signer(p);
    const signingDate = parseAmzDate(p.amzDate)!;
    const scope = `${p.scopeDate}/${p.region}/${p.service}/aws4_request`;
    let prior = p.signature;
    return {
      chunk: async (data) => {
        prior = await signer.sign(
          { headers: new Uint8Array(0), payload: data },
          { signingDate, priorSignature: prior, signingRegion: p.region, signingService: p.service },
        );
        return prior;
      },
      trailer: async (canonicalTrailer) => {
        const hash = crypto.createHash("sha256").update(canonicalTrailer).digest("hex");
        const stringToSign = ["AWS4-HMAC-SHA256-TRAILER", p.amzDate, scope, prior, hash].join("\n");
        prior = await signer.sign(stringToSign, { signingDate, signingRegion: p.region, signingService: p.service });
        return prior;
      },
    };
  }

  private signer(p: SigV4Params): SignatureV4 {
    return new SignatureV4({
      credentials: this.credentials,
      region: p.region,
      service: p.service,
      sha256: NodeSha256,
      // S3 signs the path as sent; every other service signs it escaped once more.
      uriEscapePath: p.service !== "s3",
      applyChecksum: false,
    });
  }

  private httpRequest(req: SignedRequest, query: Record<string, string | string[]>, headers: Record<string, string>, body: Buffer | undefined): HttpRequest {
    return {
      method: req.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      path: req.rawPath,
      query,
      headers,
      body,
    } as HttpRequest;
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
