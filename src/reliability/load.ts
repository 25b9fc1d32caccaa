/**
 * Load on a local server: N concurrent clients (each its own SDK client and
 * connections) sending InvokeEndpoint to a real endpoint of the built-in
 * algorithm, then PutObject/GetObject of small objects. Every request counts:
 * retries are off, and a GET must return the bytes that were PUT. Memory is
 * the resident set of the server and of the serving process, before and after.
 */
import * as crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { ServerAddress } from "./clients";
import { md5Hex } from "./liveness";
import { algorithmProcess, rssBytes } from "./processes";
import { latencyFigures, type LatencyFigures } from "./stats";

export interface LoadRun {
  what: string;
  clients: number;
  requests: number;
  errors: number;
  /** Error type (or "wrong bytes") and how often. */
  errorTypes: Record<string, number>;
  seconds: number;
  requestsPerSecond: number;
  latency: LatencyFigures;
}

export interface MemoryFigures {
  /** Resident set in MiB after the warm-up, after the load, and the highest seen while it ran. */
  serverBeforeMiB: number;
  serverAfterMiB: number;
  serverPeakMiB: number;
  servingBeforeMiB?: number;
  servingAfterMiB?: number;
  servingPeakMiB?: number;
}

/** Runs `requests` calls of `call` over `clients` concurrent workers. */
async function drive(what: string, clients: number, requests: number, call: (worker: number, n: number) => Promise<void>): Promise<LoadRun> {
  const latencies: number[] = [];
  const errorTypes: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      for (let n = next++; n < requests; n = next++) {
        const t = performance.now();
        try {
          await call(worker, n);
          latencies.push(performance.now() - t);
        } catch (err) {
          const type = (err as Error).name || "Error";
          errorTypes[type] = (errorTypes[type] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const errors = Object.values(errorTypes).reduce((a, b) => a + b, 0);
  return { what, clients, requests, errors, errorTypes, seconds: Math.round(seconds * 10) / 10, requestsPerSecond: Math.round(requests / seconds), latency: latencyFigures(latencies) };
}

const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : Math.round((bytes / 1048576) * 10) / 10);

/** Samples the resident sets of `pids` every 250 ms while `work` runs. */
async function withMemory<T>(pids: Array<number | undefined>, work: () => Promise<T>): Promise<{ result: T; before: Array<number | undefined>; after: Array<number | undefined>; peak: Array<number | undefined> }> {
  const before = pids.map((p) => (p === undefined ? undefined : rssBytes(p)));
  const peak = [...before];
  const timer = setInterval(() => {
    pids.forEach((p, i) => {
      const now = p === undefined ? undefined : rssBytes(p);
      if (now !== undefined) peak[i] = Math.max(peak[i] ?? 0, now);
    });
  }, 250);
  try {
    const result = await work();
    const after = pids.map((p) => (p === undefined ? undefined : rssBytes(p)));
    after.forEach((a, i) => {
      if (a !== undefined) peak[i] = Math.max(peak[i] ?? 0, a);
    });
    return { result, before: before.map(mib), after: after.map(mib), peak: peak.map(mib) };
  } finally {
    clearInterval(timer);
  }
}

function runtimeClient(server: ServerAddress): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({ endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, maxAttempts: 1 });
}

function s3Client(server: ServerAddress): S3Client {
  return new S3Client({ endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, forcePathStyle: true, maxAttempts: 1 });
}

export interface InvocationLoadOptions {
  server: ServerAddress & { pid: number };
  dataDir: string;
  endpoint: string;
  payload: Buffer;
  clients: number;
  requests: number;
  /** Requests sent first and not counted, so that "before" is measured warm. */
  warmUp: number;
}

export async function invocationLoad(o: InvocationLoadOptions): Promise<{ run: LoadRun; memory: MemoryFigures }> {
  const clients = Array.from({ length: o.clients }, () => runtimeClient(o.server));
  const invoke = (worker: number) => clients[worker].send(new InvokeEndpointCommand({ EndpointName: o.endpoint, ContentType: "image/jpeg", Accept: "application/json", Body: o.payload }));
  try {
    await drive("warm-up", o.clients, o.warmUp, (w) => invoke(w).then(() => undefined));
    const serving = algorithmProcess(o.dataDir, "endpoints", "serve").find((p) => p.root?.includes(`/endpoints/${o.endpoint.toLowerCase()}/`))?.pid;
    const measured = await withMemory([o.server.pid, serving], () =>
      drive("InvokeEndpoint", o.clients, o.requests, async (w) => {
        const res = await invoke(w);
        const probabilities = JSON.parse(Buffer.from(res.Body!).toString("utf8")) as number[];
        if (!Array.isArray(probabilities) || probabilities.length === 0) throw Object.assign(new Error("not a probability list"), { name: "WrongAnswer" });
      }),
    );
    return {
      run: measured.result,
      memory: {
        serverBeforeMiB: measured.before[0]!,
        serverAfterMiB: measured.after[0]!,
        serverPeakMiB: measured.peak[0]!,
        servingBeforeMiB: measured.before[1],
        servingAfterMiB: measured.after[1],
        servingPeakMiB: measured.peak[1],
      },
    };
  } finally {
    for (const c of clients) c.destroy();
  }
}

export interface S3LoadOptions {
  server: ServerAddress & { pid: number };
  bucket: string;
  clients: number;
  /** PUTs, and as many GETs. */
  objects: number;
  objectBytes: number;
}

export async function s3Load(o: S3LoadOptions): Promise<{ put: LoadRun; get: LoadRun; memory: MemoryFigures }> {
  const clients = Array.from({ length: o.clients }, () => s3Client(o.server));
  const md5s: string[] = [];
  const key = (n: number) => `load/${String(n).padStart(6, "0")}`;
  try {
    const measured = await withMemory([o.server.pid], async () => {
      const put = await drive("PutObject", o.clients, o.objects, async (w, n) => {
        const body = crypto.randomBytes(o.objectBytes);
        md5s[n] = md5Hex(body);
        await clients[w].send(new PutObjectCommand({ Bucket: o.bucket, Key: key(n), Body: body }));
      });
      const get = await drive("GetObject", o.clients, o.objects, async (w, n) => {
        const res = await clients[w].send(new GetObjectCommand({ Bucket: o.bucket, Key: key(n) }));
        if (md5Hex(await res.Body!.transformToByteArray()) !== md5s[n]) throw Object.assign(new Error(`${key(n)} holds other bytes`), { name: "WrongBytes" });
      });
      return { put, get };
    });
    return { ...measured.result, memory: { serverBeforeMiB: measured.before[0]!, serverAfterMiB: measured.after[0]!, serverPeakMiB: measured.peak[0]! } };
  } finally {
    for (const c of clients) c.destroy();
  }
}
