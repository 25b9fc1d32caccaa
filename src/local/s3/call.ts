/**
 * What an S3 operation receives and returns: the boundary between the router
 * (handler.ts) and the operation modules, so neither imports the other.
 */
import type { Readable } from "node:stream";
import type { SigV4Params } from "../auth/sigv4-params";
import type { ChunkSigner } from "../auth/verify";
import type { FsObjectStore } from "./fs-store";
import type { MultipartStore } from "./multipart";
import type { Owner } from "./responses";

export interface S3Call {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Readable;
  requestId: string;
  auth: SigV4Params;
  chunkSigner(): ChunkSigner;
}

export interface S3Result {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer | Readable;
}

export interface S3Context {
  store: FsObjectStore;
  uploads: MultipartStore;
  region: string;
  accountId: string;
  endpoint: string;
}

/** The context plus what the handler derives from it once: the owner every listing names. */
export interface OperationContext extends S3Context {
  owner: Owner;
}

export function xmlResult(body: string, headers: Record<string, string> = {}): S3Result {
  return { status: 200, headers: { "content-type": "application/xml", ...headers }, body };
}
