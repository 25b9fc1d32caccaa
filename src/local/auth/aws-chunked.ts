/**
 * Decodes `Content-Encoding: aws-chunked` bodies: `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`
 * chunks, a zero-size chunk, then trailing headers (e.g. `x-amz-checksum-crc32:<b64>`)
 * and, for signed trailers, `x-amz-trailer-signature`. With a `ChunkSigner` every
 * chunk signature is checked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD); a signed
 * chunk is released only after its signature matched.
 */
import { Transform, type TransformCallback } from "node:stream";
import { AwsError } from "../http/errors";
import type { ChunkSigner } from "./verify";

export interface AwsChunkedOptions {
  /** Present when chunks are signed. */
  signer?: ChunkSigner;
  /** The trailing headers must end with `x-amz-trailer-signature` (…-PAYLOAD-TRAILER). */
  signedTrailer?: boolean;
}

const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
/** Signed chunks are held in memory until verified; the SDKs send 64 KiB to 8 MiB. */
const MAX_SIGNED_CHUNK = 64 * 1024 * 1024;

type State = "size" | "data" | "data-crlf" | "trailer" | "done";

function malformed(detail: string): AwsError {
  return new AwsError("InvalidRequest", `The aws-chunked request body is malformed: ${detail}.`, 400);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers, lower-case names, available once the stream has finished. */
  readonly trailers: Record<string, string> = {};
  private state: State = "size";
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature: string | undefined;
  private signedParts: Buffer[] = [];
  private trailerBytes = 0;
  private trailerLines: string[] = [];

  constructor(private readonly opts: AwsChunkedOptions = {}) {
    super();
  }

  override _transform(input: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.consume(input).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    // The AWS SDKs end an unsigned, trailer-less body right after "0\r\n".
    if (this.state === "done" || (this.state === "trailer" && this.line.length === 0 && !this.opts.signedTrailer)) {
      this.finishTrailers().then(() => done(), done);
      return;
    }
    done(new AwsError("IncompleteBody", "The request body terminated unexpectedly (the aws-chunked body has no final zero-length chunk).", 400));
  }

  private async consume(input: Buffer): Promise<void> {
    let pos = 0;
    while (pos < input.length) {
      switch (this.state) {
        case "size":
        case "trailer":
        case "data-crlf": {
          const nl = input.indexOf(0x0a, pos);
          const end = nl < 0 ? input.length : nl + 1;
          this.line = Buffer.concat([this.line, input.subarray(pos, end)]);
          pos = end;
          if (this.line.length > (this.state === "trailer" ? MAX_TRAILER_BYTES : MAX_LINE)) throw malformed("a chunk header or trailer line is too long");
          if (nl < 0) break;
          const text = this.line.toString("latin1");
          this.line = Buffer.alloc(0);
          if (!text.endsWith("\r\n")) throw malformed("lines must end with CRLF");
          await this.onLine(text.slice(0, -2));
          break;
        }
        case "data": {
          const take = Math.min(this.remaining, input.length - pos);
          const piece = input.subarray(pos, pos + take);
          pos += take;
          this.remaining -= take;
          if (this.opts.signer) this.signedParts.push(Buffer.from(piece));
          else this.push(piece);
          if (this.remaining === 0) {
            if (this.opts.signer) await this.releaseSignedChunk();
            this.state = "data-crlf";
          }
          break;
        }
        case "done":
          if (input.subarray(pos).toString("latin1").trim() !== "") throw malformed("data after the end of the trailing headers");
          pos = input.length;
          break;
      }
    }
  }

  private async onLine(text: string): Promise<void> {
    if (this.state === "data-crlf") {
      if (text !== "") throw malformed("a chunk's data is longer than its declared size");
      this.state = "size";
      return;
    }
    if (this.state === "trailer") {
      if (text === "") {
        this.state = "done";
        return;
      }
      this.trailerBytes += text.length;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw malformed("the trailing headers are too large");
      this.trailerLines.push(text);
      return;
    }
    const [sizeHex, ...exts] = text.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex)) throw malformed(`"${text.slice(0, 80)}" is not a hexadecimal chunk size`);
    const size = parseInt(sizeHex, 16);
    const sigExt = exts.find((e) => e.startsWith("chunk-signature="));
    this.chunkSignature = sigExt?.slice("chunk-signature=".length);
    if (this.opts.signer) {
      if (!this.chunkSignature) throw malformed("a chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body has no chunk-signature");
      if (size > MAX_SIGNED_CHUNK) throw malformed(`signed chunks must be at most ${MAX_SIGNED_CHUNK} bytes`);
    }
    if (size === 0) {
      if (this.opts.signer) await this.releaseSignedChunk();
      this.state = "trailer";
      return;
    }
    this.remaining = size;
    this.state = "data";
  }

  private async releaseSignedChunk(): Promise<void> {
    const data = Buffer.concat(this.signedParts);
    this.signedParts = [];
    const expected = await this.opts.signer!.chunk(data);
    if (expected !== this.chunkSignature) {
      throw new AwsError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided (a chunk-signature of the aws-chunked body is wrong).", 403);
    }
    if (data.length > 0) this.push(data);
  }

  private async finishTrailers(): Promise<void> {
    let trailerSignature: string | undefined;
    const canonical: string[] = [];
    for (const line of this.trailerLines) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw malformed(`trailing header "${line.slice(0, 80)}" has no name`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "x-amz-trailer-signature") trailerSignature = value;
      else {
        this.trailers[name] = value;
        canonical.push(`${name}:${value}\n`);
      }
    }
    if (this.opts.signedTrailer) {
      if (!trailerSignature) throw malformed("the body announces signed trailers but has no x-amz-trailer-signature");
      const expected = await this.opts.signer!.trailer(canonical.join(""));
      if (expected !== trailerSignature) {
        throw new AwsError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided (x-amz-trailer-signature is wrong).", 403);
      }
    }
  }
}
