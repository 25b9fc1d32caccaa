/**
 * The local SageMaker's one HTTP server, on 127.0.0.1 only. Every request is
 * SigV4-verified against the local credentials, then routed by the signing
 * name of its credential scope: "s3" to the streaming S3 handler, any other to
 * the first registered `Service` with that signing name whose `matches`
 * accepts it.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AuthFailure, authError } from "./auth/failures";
import { readSigV4Params, type SigV4Params } from "./auth/sigv4-params";
import { SigV4Verifier, type SignedRequest } from "./auth/verify";
import {
  acquireDataDirLock,
  loadOrCreateIdentity,
  removeServerInfo,
  resolveSettings,
  writeServerInfo,
  type DataDirLock,
  type LocalIdentity,
  type SettingsInput,
} from "./config";
import { AwsError, internalError, protocolOfSigningName, renderError, type Protocol } from "./http/errors";
import { MalformedQueryError, parseRawQuery, toSearchParams } from "./http/query";
import type { Service, ServiceFactory, ServiceResponse, ServerContext } from "./http/types";
import { loggableQuery, openServerLogs, type ServerLogs } from "./logging";
import { FsObjectStore } from "./s3/fs-store";
import { S3Handler, type S3Result } from "./s3/handler";
import { MultipartStore } from "./s3/multipart";
import { payloadHashOf } from "./s3/payload";
import { serviceFactories } from "./services";

/** Unauthenticated liveness probe; "_local" can never be a bucket name. */
export const HEALTH_PATH = "/_local/health";

export interface StartServerOptions extends SettingsInput {
  /** Services besides S3; defaults to `serviceFactories`. */
  services?: ServiceFactory[];
  /** Also print log lines to stdout/stderr. */
  echoLogs?: boolean;
}

export interface LocalServer {
  endpoint: string;
  port: number;
  region: string;
  accountId: string;
  dataDir: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  store: FsObjectStore;
  startedAt: Date;
  /** Stops accepting requests, closes every service (ending their processes), then the server. */
  close(): Promise<void>;
}

export interface HealthInfo {
  service: "local-sagemaker";
  status: "starting" | "ok" | "stopping";
  pid: number;
  startedAt: string;
  endpoint: string;
  region: string;
  dataDir: string;
}

const DRAIN_MS = 5000;

export async function startServer(opts: StartServerOptions = {}): Promise<LocalServer> {
  const settings = resolveSettings(opts);
  const dataDir = settings.dataDir;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireDataDirLock(dataDir);
  let logs: ServerLogs | undefined;
  try {
    const identity = loadOrCreateIdentity(dataDir);
    logs = openServerLogs(dataDir, { echo: opts.echoLogs });
    const store = new FsObjectStore(path.join(dataDir, "s3"), settings.region);
    await store.init();
    const uploads = new MultipartStore(store);
    await uploads.init();
    return await listenAndServe({ settings, identity, logs, store, uploads, lock, factories: opts.services ?? serviceFactories });
  } catch (err) {
    await logs?.close();
    lock.release();
    throw err;
  }
}

interface Parts {
  settings: ReturnType<typeof resolveSettings>;
  identity: LocalIdentity;
  logs: ServerLogs;
  store: FsObjectStore;
  uploads: MultipartStore;
  lock: DataDirLock;
  factories: ServiceFactory[];
}

async function listenAndServe(p: Parts): Promise<LocalServer> {
  const { settings, identity, logs } = p;
  const startedAt = new Date();
  const credentials = { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey };
  const verifier = new SigV4Verifier(credentials, settings.region);
  let status: HealthInfo["status"] = "starting";
  let services: Service[] = [];
  let s3: S3Handler | undefined;
  let endpoint = "";

  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 }, (req, res) => {
    void handleRequest(req, res);
  });

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = crypto.randomUUID();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    const headers = flatHeaders(req.headers);
    let protocol: Protocol = guessProtocol(method, rawPath, headers);
    let signingName = protocol === "s3" ? "s3" : protocol === "query" ? "sts" : "sagemaker";
    let auth: SigV4Params | undefined;
    let query = new URLSearchParams();
    let result: ServiceResponse | S3Result;
    try {
      if (rawPath === HEALTH_PATH && method === "GET") {
        result = json(200, health());
      } else {
        let pairs: Array<[string, string]>;
        try {
          pairs = parseRawQuery(rawQuery);
        } catch (err) {
          if (err instanceof MalformedQueryError) throw new AwsError("InvalidArgument", `${err.message}.`, 400);
          throw err;
        }
        query = toSearchParams(pairs);
        auth = readSigV4Params(headers, pairs);
        if (!auth) throw new AuthFailure("missing", "the request is not signed");
        signingName = auth.service;
        protocol = protocolOfSigningName(signingName);
        verifier.checkScope(auth);
        if (status !== "ok") throw new AwsError("ServiceUnavailable", `The local SageMaker is ${status}; retry in a moment.`, 503);
        const signed: SignedRequest = { method, rawPath, query: pairs, headers };
        if (signingName === "s3") {
          const a = auth;
          // S3 signs x-amz-content-sha256 instead of hashing the body; the body is checked against it while it streams.
          payloadHashOf(headers, query, a);
          await verifier.verify(signed, a, undefined);
          result = await s3!.handle({ method, rawPath, query, headers, body: req, requestId, auth: a, chunkSigner: () => verifier.chunkSigner(a) });
        } else {
          result = await callService(signed, auth, query, req, requestId);
        }
      }
    } catch (err) {
      const presigned = auth?.presigned ?? /(^|&)x-amz-(signature|algorithm)=/i.test(rawQuery);
      result = toErrorResponse(err, protocol, signingName, requestId, method, presigned);
    }
    // Declared, not counted: counting would need a listener on the body that changes how it flows.
    const bytesIn = Number(headers["x-amz-decoded-content-length"] ?? headers["content-length"] ?? 0) || 0;
    const bytesOut = await send(req, res, result, requestId);
    logs.request({
      requestId,
      method,
      path: rawPath,
      query: loggableQuery(query),
      service: signingName,
      status: result.status,
      bytesIn,
      bytesOut,
      ms: Date.now() - started,
      accessKeyId: auth?.accessKeyId,
      error: result.status >= 400 ? errorCodeOf(result) : undefined,
    });
  }

  async function callService(signed: SignedRequest, auth: SigV4Params, query: URLSearchParams, req: http.IncomingMessage, requestId: string): Promise<ServiceResponse> {
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(signed.rawPath);
    } catch {
      throw new AwsError("InvalidURI", "The request path is not valid percent-encoded UTF-8.", 400);
    }
    const named = services.filter((s) => s.signingName === auth.service);
    if (named.length === 0) {
      const known = ["s3", ...new Set(services.map((s) => s.signingName))].join(", ");
      throw new AwsError("UnknownServiceException", `The local SageMaker does not serve the signing name "${auth.service}"; it answers ${known}.`, 400);
    }
    const svc = named.find((s) => s.matches({ method: signed.method, path: decodedPath, headers: signed.headers }));
    if (!svc) throw new AwsError("UnknownOperationException", `No ${auth.service} operation of the local SageMaker answers ${signed.method} ${decodedPath}.`, 404);
    const body = await readBody(req, svc.maxBodyBytes);
    if (body === "too-large") {
      return (
        svc.tooLarge?.({ method: signed.method, path: decodedPath, headers: signed.headers, requestId }) ??
        renderError(protocolOfSigningName(auth.service), new AwsError("RequestEntityTooLarge", `The request body is larger than the ${svc.maxBodyBytes} bytes this service accepts.`, 413), requestId, { signingName: auth.service })
      );
    }
    const payloadHash = signed.headers["x-amz-content-sha256"];
    if (payloadHash !== undefined && payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== crypto.createHash("sha256").update(body).digest("hex")) {
      throw new AuthFailure("badSignature", "x-amz-content-sha256 does not match the body");
    }
    await verifier.verify(signed, auth, body);
    return svc.handle({ method: signed.method, path: decodedPath, query, headers: signed.headers, body, requestId, region: auth.region, accessKeyId: auth.accessKeyId });
  }

  function toErrorResponse(err: unknown, protocol: Protocol, signingName: string, requestId: string, method: string, presigned: boolean): ServiceResponse {
    let aws: AwsError;
    if (err instanceof AuthFailure) aws = authError(protocol, err, presigned);
    else if (err instanceof AwsError) aws = err;
    else {
      logs.logger.error("request failed", { requestId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      aws = internalError(protocol);
    }
    return renderError(protocol, aws, requestId, { signingName, head: method === "HEAD" });
  }

  function health(): HealthInfo {
    return { service: "local-sagemaker", status, pid: process.pid, startedAt: startedAt.toISOString(), endpoint, region: settings.region, dataDir: settings.dataDir };
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${settings.port} on ${settings.host} is already in use; stop what uses it or choose another port (LOCAL_SAGEMAKER_PORT / --port).`)
          : err,
      );
    };
    server.once("error", onError);
    server.listen(settings.port, settings.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${settings.host}:${port}`;
  const ctx: ServerContext = {
    dataDir: settings.dataDir,
    region: settings.region,
    accountId: identity.accountId,
    endpoint,
    credentials: { ...credentials },
    store: p.store,
    logger: logs.logger,
  };
  s3 = new S3Handler({ store: p.store, uploads: p.uploads, region: settings.region, accountId: identity.accountId, endpoint });
  try {
    services = p.factories.map((f) => f(ctx));
    for (const s of services) await s.start?.();
  } catch (err) {
    await closeServices(services, logs);
    await closeHttp(server);
    await logs.close();
    p.lock.release();
    throw err;
  }
  status = "ok";
  writeServerInfo(settings.dataDir, { pid: process.pid, endpoint, port, region: settings.region, startedAt: startedAt.toISOString() });
  logs.logger.info("local SageMaker listening", { endpoint, region: settings.region, dataDir: settings.dataDir, services: ["s3", ...services.map((s) => s.signingName)] });

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    region: settings.region,
    accountId: identity.accountId,
    dataDir: settings.dataDir,
    credentials: { ...credentials },
    store: p.store,
    startedAt,
    close: () =>
      (closing ??= (async () => {
        status = "stopping";
        logs.logger.info("local SageMaker stopping");
        await closeServices(services, logs);
        await closeHttp(server);
        removeServerInfo(settings.dataDir);
        logs.logger.info("local SageMaker stopped");
        await logs.close();
        p.lock.release();
      })()),
  };
}

async function closeServices(services: Service[], logs: ServerLogs): Promise<void> {
  for (const s of services) {
    try {
      await s.close?.();
    } catch (err) {
      logs.logger.error("service close failed", { service: s.signingName, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** Stops listening, lets requests in flight finish for a while, then cuts what is left. */
async function closeHttp(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  await closed;
  clearTimeout(timer);
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(",") : v;
  return out;
}

/** Which protocol's error format an unsigned request most likely expects. */
function guessProtocol(method: string, rawPath: string, headers: Record<string, string>): Protocol {
  if (headers["x-amz-target"] !== undefined || rawPath.startsWith("/endpoints/")) return "json";
  if (method === "POST" && rawPath === "/" && (headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return "query";
  return "s3";
}

function json(status: number, value: unknown): ServiceResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

/** The whole body, or "too-large" as soon as it passes `max` (the rest is drained, not cut, so the refusal reaches the client). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > max) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > max) return;
      size += chunk.length;
      if (size > max) resolve("too-large");
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (size <= max) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** Writes the response; returns the bytes of body sent. */
async function send(req: http.IncomingMessage, res: http.ServerResponse, result: ServiceResponse | S3Result, requestId: string): Promise<number> {
  res.statusCode = result.status;
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  res.setHeader("x-amz-request-id", requestId);
  res.setHeader("x-amz-id-2", Buffer.from(requestId).toString("base64"));
  res.setHeader("x-amzn-requestid", requestId);
  res.setHeader("server", "LocalSageMaker");
  // An error answered before the body was read: discard the rest so the connection stays usable.
  if (!req.complete) req.resume();
  const body = result.body;
  if (body instanceof Readable) {
    let sent = 0;
    body.on("data", (c: Buffer) => (sent += c.length));
    try {
      await pipeline(body, res);
    } catch {
      // The client went away mid-download; the file handle is closed by the pipeline.
    }
    return sent;
  }
  const buf = body === undefined ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body, "utf8") : body;
  if (!res.hasHeader("content-length") && req.method !== "HEAD") res.setHeader("content-length", buf.length);
  res.end(req.method === "HEAD" ? undefined : buf);
  return req.method === "HEAD" ? 0 : buf.length;
}

function errorCodeOf(result: ServiceResponse | S3Result): string | undefined {
  const h = result.headers ?? {};
  if (h["x-amzn-errortype"]) return h["x-amzn-errortype"];
  const body = typeof result.body === "string" ? result.body : undefined;
  return body ? /<Code>([^<]+)<\/Code>/.exec(body)?.[1] : undefined;
}
