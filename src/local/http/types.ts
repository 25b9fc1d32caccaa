/**
 * How the local SageMaker's one HTTP server hands requests to its services.
 * The server (src/local/server.ts) reads the request, verifies its SigV4
 * signature against the local credentials, picks the service by signing name
 * and `matches`, and calls `handle`. S3 streams its bodies and is wired
 * separately; every other service gets the whole, verified body.
 */
import type { ObjectStore } from "../s3/store-api";

export interface ServiceRequest {
  method: string;
  /** Decoded path, e.g. "/" or "/endpoints/my-endpoint/invocations". */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The whole body, its signature already verified. */
  body: Buffer;
  requestId: string;
  /** From the SigV4 credential scope. */
  region: string;
  accessKeyId: string;
}

export interface ServiceResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface Service {
  /** SigV4 signing name the service answers to: "sagemaker", "logs", "sts", "iam". */
  signingName: string;
  /** Whether this request is for this service (several services may share a signing name). */
  matches(req: Pick<ServiceRequest, "method" | "path" | "headers">): boolean;
  handle(req: ServiceRequest): Promise<ServiceResponse>;
  /** Largest body accepted; larger ones are refused before `handle` is called. */
  maxBodyBytes: number;
  /** How to refuse a body over `maxBodyBytes` in this service's own error format. */
  tooLarge?(req: Pick<ServiceRequest, "method" | "path" | "headers" | "requestId">): ServiceResponse;
  /** Server start: resume or fail what was running when the server last died. */
  start?(): Promise<void>;
  /** Server shutdown: stop child processes, flush state. */
  close?(): Promise<void>;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What a service factory gets from the server. */
export interface ServerContext {
  /** Persistent state root; each service keeps its state under `<dataDir>/<service>/`. */
  dataDir: string;
  region: string;
  /** 12-digit account id used in ARNs. */
  accountId: string;
  /** e.g. "http://127.0.0.1:9430". */
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The in-process S3 store, for jobs that download channels and upload artifacts. */
  store: ObjectStore;
  logger: Logger;
}

export type ServiceFactory = (ctx: ServerContext) => Service;
