/**
 * The server's two logs, both JSON lines under `<dataDir>/logs/`:
 * `server.log` (lifecycle, warnings, errors) and `requests.log` (one line per
 * request). Neither ever holds a secret: no Authorization header, no secret
 * key, no signature (presigned URLs lose their signature before logging).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Logger } from "./http/types";

export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  /** Query with authentication parameters removed. */
  query?: string;
  service: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  ms: number;
  accessKeyId?: string;
  error?: string;
}

export interface ServerLogs {
  logger: Logger;
  request(entry: RequestLogEntry): void;
  close(): Promise<void>;
}

const SECRET_QUERY_KEYS = new Set(["x-amz-signature", "x-amz-security-token", "x-amz-credential"]);

/** The query string without the parameters that authenticate a presigned URL. */
export function loggableQuery(query: URLSearchParams): string | undefined {
  const kept = new URLSearchParams();
  for (const [k, v] of query) if (!SECRET_QUERY_KEYS.has(k.toLowerCase())) kept.append(k, v);
  const s = kept.toString();
  return s === "" ? undefined : s;
}

export function openServerLogs(dataDir: string, opts: { echo?: boolean } = {}): ServerLogs {
  const dir = path.join(dataDir, "logs");
  fs.mkdirSync(dir, { recursive: true });
  const server = fs.createWriteStream(path.join(dir, "server.log"), { flags: "a", mode: 0o600 });
  const requests = fs.createWriteStream(path.join(dir, "requests.log"), { flags: "a", mode: 0o600 });
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
    server.write(line + "\n");
    if (opts.echo) (level === "info" ? process.stdout : process.stderr).write(line + "\n");
  };
  return {
    logger: {
      info: (msg, fields) => write("info", msg, fields),
      warn: (msg, fields) => write("warn", msg, fields),
      error: (msg, fields) => write("error", msg, fields),
    },
    request: (entry) => requests.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + "\n"),
    close: async () => {
      await Promise.all([server, requests].map((s) => new Promise<void>((resolve) => s.end(resolve))));
    },
  };
}
