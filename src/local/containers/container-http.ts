/** HTTP to a serving container on 127.0.0.1: `/ping`, `/invocations`, `/execution-parameters`. */
import * as http from "node:http";
import * as net from "node:net";

export interface ContainerRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  /** Abandons the request (e.g. the job was stopped). */
  signal?: AbortSignal;
}

export interface ContainerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The container did not answer in time. */
export class ContainerTimeoutError extends Error {}

/** No connection (the container is not listening, or died). */
export class ContainerUnreachableError extends Error {}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function requestContainer(port: number, req: ContainerRequest): Promise<ContainerResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: "127.0.0.1",
        port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...req.headers, ...(req.body && { "content-length": String(req.body.length) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", (e) => {
          clearTimeout(timer);
          reject(new ContainerUnreachableError(e.message));
        });
      },
    );
    const timer = setTimeout(() => {
      r.destroy();
      reject(new ContainerTimeoutError(`no answer from ${req.path} within ${req.timeoutMs / 1000} s`));
    }, req.timeoutMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      r.destroy();
      reject(req.signal!.reason);
    };
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener("abort", onAbort, { once: true });
    r.on("close", () => req.signal?.removeEventListener("abort", onAbort));
    r.on("error", (e) => {
      clearTimeout(timer);
      reject(new ContainerUnreachableError(e.message));
    });
    r.end(req.body);
  });
}

/** A port on 127.0.0.1 that was free a moment ago, for SAGEMAKER_BIND_TO_PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
