/**
 * An S3 request body as the client framed and protected it: raw or
 * aws-chunked (unsigned with trailers, or chunk-signed), its declared length,
 * its x-amz-content-sha256, Content-MD5 and x-amz-checksum-* (header or
 * trailer). `prepare` checks the headers before any byte is read; `verify`
 * checks what arrived once the body is written, before anything is committed.
 */
import type { Readable } from "node:stream";
import { PassThrough, pipeline } from "node:stream";
import { AwsChunkedDecoder } from "../auth/aws-chunked";
import type { SigV4Params } from "../auth/sigv4-params";
import type { ChunkSigner } from "../auth/verify";
import { AwsError } from "../http/errors";
import { CHECKSUM_ALGORITHMS, DIGEST_BYTES, checksumHeader, parseChecksumAlgorithm, type ChecksumAlgorithm } from "./checksums";
import { MAX_PUT_BYTES, type WrittenBody } from "./fs-store";

export interface PreparedPayload {
  /** The decoded body. */
  body: Readable;
  /** Checksums to keep with the object: the client's algorithm, if it sent one. */
  algorithms: ChecksumAlgorithm[];
  /** Digests needed only to verify the body. */
  verifyDigests: ChecksumAlgorithm[];
  /** The checksum the client sent in a header, to echo in the response. */
  clientAlgorithm?: ChecksumAlgorithm;
  verify(written: WrittenBody): void;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const KNOWN_MODES = [
  "UNSIGNED-PAYLOAD",
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
];

/** The payload hash S3 will sign and check: the header, or what a presigned URL implies. */
export function payloadHashOf(headers: Record<string, string>, query: URLSearchParams, auth: SigV4Params): string {
  if (auth.presigned) {
    const hoisted = [...query].find(([k]) => k.toLowerCase() === "x-amz-content-sha256");
    return hoisted ? hoisted[1] : "UNSIGNED-PAYLOAD";
  }
  const value = headers["x-amz-content-sha256"];
  if (value === undefined) throw new AwsError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400);
  if (!HEX_SHA256.test(value) && !KNOWN_MODES.includes(value)) {
    if (value.startsWith("STREAMING-AWS4-ECDSA")) {
      throw new AwsError("NotImplemented", `x-amz-content-sha256 "${value}" (SigV4a) is not supported by the local S3; sign with AWS4-HMAC-SHA256.`, 501);
    }
    throw new AwsError(
      "InvalidArgument",
      `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value (got "${value.slice(0, 80)}").`,
      400,
      { ArgumentName: "x-amz-content-sha256", ArgumentValue: value.slice(0, 80) },
    );
  }
  return value;
}

export function preparePayload(
  req: Readable,
  headers: Record<string, string>,
  payloadHash: string,
  chunkSigner: () => ChunkSigner,
): PreparedPayload {
  const chunked = payloadHash.startsWith("STREAMING-");
  const encodings = (headers["content-encoding"] ?? "").split(",").map((e) => e.trim().toLowerCase());
  if (encodings.includes("aws-chunked") && !chunked) {
    throw new AwsError("InvalidArgument", `Content-Encoding aws-chunked needs an x-amz-content-sha256 of STREAMING-… (got "${payloadHash}").`, 400);
  }
  const declared = declaredLength(headers, chunked);
  // Refused before a byte of the body is read, as S3 does: streaming 5 GiB to disk first would only fill it.
  if (declared !== undefined && declared > MAX_PUT_BYTES) {
    throw new AwsError("EntityTooLarge", `Your proposed upload exceeds the maximum allowed size: ${declared} bytes declared, at most ${MAX_PUT_BYTES} in one request (use a multipart upload).`, 400, {
      ProposedSize: declared,
      MaxSizeAllowed: MAX_PUT_BYTES,
    });
  }

  const fromHeader = checksumFromHeaders(headers);
  const trailerAlg = chunked ? trailerChecksum(headers) : undefined;
  if (fromHeader && trailerAlg) {
    throw new AwsError("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.", 400);
  }
  const sdkAlg = headers["x-amz-sdk-checksum-algorithm"];
  if (sdkAlg !== undefined) {
    const alg = parseChecksumAlgorithm(sdkAlg);
    if (!alg) throw invalidAlgorithm("x-amz-sdk-checksum-algorithm", sdkAlg);
    if (!fromHeader && !trailerAlg) {
      throw new AwsError("InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.", 400);
    }
  }
  const md5 = headers["content-md5"];
  if (md5 !== undefined && Buffer.from(md5, "base64").length !== 16) {
    throw new AwsError("InvalidDigest", "The Content-MD5 you specified is not valid: it must be the base64 of the body's 16-byte MD5.", 400);
  }

  let body: Readable = shield(req);
  let decoder: AwsChunkedDecoder | undefined;
  if (chunked) {
    const signed = payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    decoder = new AwsChunkedDecoder({
      signer: signed ? chunkSigner() : undefined,
      signedTrailer: payloadHash === "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    });
    body = pipeline(body, decoder, () => undefined);
  }

  const clientAlgorithm = fromHeader?.alg ?? trailerAlg;
  const verifyDigests: ChecksumAlgorithm[] = HEX_SHA256.test(payloadHash) ? ["SHA256"] : [];
  return {
    body,
    algorithms: clientAlgorithm ? [clientAlgorithm] : [],
    verifyDigests,
    clientAlgorithm,
    verify: (written) => {
      if (declared !== undefined && written.size !== declared) {
        throw new AwsError("IncompleteBody", `You did not provide the number of bytes specified by the ${chunked ? "x-amz-decoded-content-length" : "Content-Length"} HTTP header (declared ${declared}, received ${written.size}).`, 400);
      }
      if (HEX_SHA256.test(payloadHash)) {
        const computed = written.digests.get("SHA256")!.toString("hex");
        if (computed !== payloadHash) {
          throw new AwsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
            ClientComputedContentSHA256: payloadHash,
            S3ComputedContentSHA256: computed,
          });
        }
      }
      if (md5 !== undefined && written.digests.get("MD5")!.toString("base64") !== md5) {
        throw new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400, {
          ExpectedDigest: md5,
          CalculatedDigest: written.digests.get("MD5")!.toString("base64"),
        });
      }
      let expected = fromHeader;
      if (trailerAlg) {
        const name = checksumHeader(trailerAlg);
        const value = decoder!.trailers[name];
        if (value === undefined) throw new AwsError("InvalidRequest", `The body announced the trailer ${name} (x-amz-trailer) but did not send it.`, 400);
        checkChecksumValue(trailerAlg, value, name);
        expected = { alg: trailerAlg, value };
      }
      if (expected) {
        const computed = written.digests.get(expected.alg)!.toString("base64");
        if (computed !== expected.value) {
          throw new AwsError("BadDigest", `The ${expected.alg} you specified did not match the calculated checksum.`, 400);
        }
      }
    },
  };
}

/**
 * The request body behind a PassThrough: when a consumer stops early (a bad
 * digest, a full disk) it destroys the PassThrough, not the request, so the
 * socket stays usable to answer the error.
 */
function shield(req: Readable): Readable {
  const out = new PassThrough();
  req.on("error", (err) => out.destroy(err));
  req.pipe(out);
  return out;
}

function declaredLength(headers: Record<string, string>, chunked: boolean): number | undefined {
  const name = chunked ? "x-amz-decoded-content-length" : "content-length";
  const raw = headers[name];
  if (raw === undefined) {
    if (chunked || headers["transfer-encoding"] !== undefined) {
      throw new AwsError(
        "MissingContentLength",
        `You must provide the ${chunked ? "x-amz-decoded-content-length" : "Content-Length"} HTTP header. (For a stream of unknown length, use multipart upload, e.g. @aws-sdk/lib-storage's Upload.)`,
        411,
      );
    }
    return undefined;
  }
  if (!/^\d+$/.test(raw)) throw new AwsError("InvalidArgument", `${name} "${raw.slice(0, 40)}" is not a number of bytes.`, 400);
  return Number(raw);
}

function checksumFromHeaders(headers: Record<string, string>): { alg: ChecksumAlgorithm; value: string } | undefined {
  const given = CHECKSUM_ALGORITHMS.filter((a) => headers[checksumHeader(a)] !== undefined);
  if (given.length > 1) {
    throw new AwsError("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.", 400);
  }
  const unknown = Object.keys(headers).find(
    (h) => h.startsWith("x-amz-checksum-") && h !== "x-amz-checksum-type" && h !== "x-amz-checksum-mode" && h !== "x-amz-checksum-algorithm" && !CHECKSUM_ALGORITHMS.some((a) => checksumHeader(a) === h),
  );
  if (unknown) throw invalidAlgorithm(unknown, headers[unknown]);
  if (given.length === 0) return undefined;
  const alg = given[0];
  const value = headers[checksumHeader(alg)];
  checkChecksumValue(alg, value, checksumHeader(alg));
  return { alg, value };
}

function trailerChecksum(headers: Record<string, string>): ChecksumAlgorithm | undefined {
  const trailer = headers["x-amz-trailer"];
  if (trailer === undefined) return undefined;
  const names = trailer.split(",").map((t) => t.trim().toLowerCase());
  const algs = names.map((n) => CHECKSUM_ALGORITHMS.find((a) => checksumHeader(a) === n));
  if (names.length !== 1 || !algs[0]) {
    throw new AwsError("InvalidRequest", `x-amz-trailer "${trailer.slice(0, 80)}" must name exactly one of ${CHECKSUM_ALGORITHMS.map(checksumHeader).join(", ")}.`, 400);
  }
  return algs[0];
}

function checkChecksumValue(alg: ChecksumAlgorithm, value: string, name: string): void {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || Buffer.from(value, "base64").length !== DIGEST_BYTES[alg]) {
    throw new AwsError("InvalidRequest", `Value for ${name} header is invalid (expected the base64 of a ${DIGEST_BYTES[alg]}-byte ${alg}).`, 400);
  }
}

function invalidAlgorithm(header: string, value: string): AwsError {
  return new AwsError(
    "InvalidRequest",
    `${header}: "${String(value).slice(0, 40)}" is not a checksum algorithm the local S3 supports (${CHECKSUM_ALGORITHMS.join(", ")}).`,
    400,
  );
}
