/**
 * Starts a real local SageMaker server in this process, on a free port of
 * 127.0.0.1 with its own temporary data directory, for one test file.
 *
 *   const srv = await startTestServer();
 *   const s3 = new S3Client(srv.clientConfig);
 *   ...
 *   await srv.stop();   // closes services, the server, and removes the data dir
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startServer, type LocalServer } from "../../src/local/server";
import type { ServiceFactory } from "../../src/local/http/types";

process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export interface TestServer {
  endpoint: string;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dataDir: string;
  /** The running server (its in-process `store`, ...). */
  server: LocalServer;
  /** Ready to spread into any SDK v3 client's constructor; S3 also needs `forcePathStyle: true`. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
  };
  /** Stops the server; removes the data directory unless it was given or `keepDataDir` is set. */
  stop(opts?: { keepDataDir?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a data directory (e.g. to test restarts); it is then never removed by `stop`. */
  dataDir?: string;
  region?: string;
  /** Services besides S3; defaults to every registered service. */
  services?: ServiceFactory[];
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "local-sagemaker-test-"));
  const server = await startServer({ port: 0, dataDir, region: opts.region, services: opts.services });
  return {
    endpoint: server.endpoint,
    region: server.region,
    accountId: server.accountId,
    credentials: { ...server.credentials },
    dataDir,
    server,
    // The SDK writes into the credentials object it is given; every client gets its own copy.
    get clientConfig() {
      return { endpoint: server.endpoint, region: server.region, credentials: { ...server.credentials }, forcePathStyle: true as const };
    },
    stop: async (stopOpts = {}) => {
      await server.close();
      if (!opts.dataDir && !stopOpts.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error a request failed with; fails the test if it succeeded. */
export async function failureOf<E = Error & { name: string; $metadata: { httpStatusCode?: number } }>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (err) {
    return err as E;
  }
  throw new Error("expected the request to fail, but it succeeded");
}
