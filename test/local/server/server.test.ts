import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SageMakerClient, ListEndpointsCommand } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient, InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { S3Client, ListBucketsCommand, CreateBucketCommand } from "@aws-sdk/client-s3";
import { resolveSettings, DataDirInUseError } from "../../../src/local/config";
import { HEALTH_PATH, startServer } from "../../../src/local/server";
import type { Service, ServiceFactory, ServiceRequest } from "../../../src/local/http/types";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";
import { hostOf, send, sign } from "../auth/signed-request";

/** A JSON service that records what it was handed; stands in for the SageMaker services here. */
function recordingService(seen: ServiceRequest[], events: string[]): ServiceFactory {
  return (ctx): Service => ({
    signingName: "sagemaker",
    maxBodyBytes: 1024,
    matches: (req) => req.method === "POST" && (req.path === "/" || req.path.startsWith("/endpoints/")),
    tooLarge: (req) => ({
      status: 413,
      headers: { "content-type": "application/json", "x-amzn-errortype": "ValidationError" },
      body: JSON.stringify({ __type: "ValidationError", message: `payload over 1024 bytes (${req.requestId})` }),
    }),
    async handle(req) {
      seen.push(req);
      if (req.path.startsWith("/endpoints/")) return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify([ctx.accountId]) };
      return { status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ Endpoints: [] }) };
    },
    async start() {
      events.push(`start ${ctx.endpoint}`);
    },
    async close() {
      events.push("close");
    },
  });
}

describe("JSON services behind the server", () => {
  let srv: TestServer;
  const seen: ServiceRequest[] = [];
  const events: string[] = [];
  beforeAll(async () => {
    srv = await startTestServer({ services: [recordingService(seen, events)] });
  });
  afterAll(async () => {
    await srv?.stop();
    expect(events.at(-1)).toBe("close");
  });

  it("calls start() with the endpoint known, then hands verified requests to the matching service", async () => {
    expect(events).toEqual([`start ${srv.endpoint}`]);
    const sm = new SageMakerClient(srv.clientConfig);
    const res = await sm.send(new ListEndpointsCommand({ MaxResults: 5 }));
    expect(res.Endpoints).toEqual([]);
    const req = seen.at(-1)!;
    expect(req.path).toBe("/");
    expect(req.headers["x-amz-target"]).toBe("SageMaker.ListEndpoints");
    expect(JSON.parse(req.body.toString())).toEqual({ MaxResults: 5 });
    expect(req.region).toBe("us-east-1");
    expect(req.accessKeyId).toBe(srv.credentials.accessKeyId);
    expect(req.headers.authorization).toBeDefined();
    sm.destroy();
  });

  it("decodes REST paths for services after verifying the double-encoded signature", async () => {
    const rt = new SageMakerRuntimeClient(srv.clientConfig);
    const res = await rt.send(new InvokeEndpointCommand({ EndpointName: "my endpoint", Body: Buffer.from("{}"), ContentType: "application/json" }));
    expect(JSON.parse(Buffer.from(res.Body!).toString())).toEqual([srv.accountId]);
    expect(seen.at(-1)!.path).toBe("/endpoints/my endpoint/invocations");
    rt.destroy();
  });

  it("answers InvalidSignatureException / UnrecognizedClientException / MissingAuthenticationTokenException as JSON", async () => {
    const wrong = new SageMakerClient({ ...srv.clientConfig, credentials: { accessKeyId: srv.credentials.accessKeyId, secretAccessKey: "y".repeat(40) } });
    const e1 = await failureOf(wrong.send(new ListEndpointsCommand({})));
    expect(e1.name).toBe("InvalidSignatureException");
    expect(e1.$metadata.httpStatusCode).toBe(403);
    const unknown = new SageMakerClient({ ...srv.clientConfig, credentials: { accessKeyId: "AKIANOTLOCAL00000000", secretAccessKey: "y".repeat(40) } });
    const e2 = await failureOf(unknown.send(new ListEndpointsCommand({})));
    expect(e2.name).toBe("UnrecognizedClientException");
    expect(e2.message).toBe("The security token included in the request is invalid.");
    const unsigned = await send(srv, { method: "POST", path: "/", headers: { host: hostOf(srv), "x-amz-target": "SageMaker.ListEndpoints", "content-type": "application/x-amz-json-1.1" }, body: "{}" });
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.text).__type).toBe("MissingAuthenticationTokenException");
    wrong.destroy();
    unknown.destroy();
  });

  it("answers InvalidSignatureException 'Signature expired' to a request 20 minutes old", async () => {
    const skewed = new SageMakerClient({ ...srv.clientConfig, systemClockOffset: -20 * 60_000, maxAttempts: 1 });
    const err = await failureOf(skewed.send(new ListEndpointsCommand({})));
    expect(err.name).toBe("InvalidSignatureException");
    expect(err.message).toContain("Signature expired");
    skewed.destroy();
  });

  it("refuses a body over the service's maxBodyBytes with the service's own error, before handle()", async () => {
    const before = seen.length;
    const rt = new SageMakerRuntimeClient({ ...srv.clientConfig, maxAttempts: 1 });
    const err = await failureOf(rt.send(new InvokeEndpointCommand({ EndpointName: "e", Body: Buffer.alloc(5000), ContentType: "application/json" })));
    expect(err.$metadata.httpStatusCode).toBe(413);
    expect(err.message).toContain("payload over 1024 bytes");
    expect(seen.length).toBe(before);
    rt.destroy();
  });

  it("refuses an oversized body sent without Content-Length (chunked) the same way, and answers it", async () => {
    const before = seen.length;
    const body = Buffer.alloc(4096, 0x61);
    const signed = await sign(srv, "sagemaker", { method: "POST", path: "/endpoints/e/invocations", headers: { "content-type": "application/json" }, body });
    const headers = { ...signed.headers, "transfer-encoding": "chunked" } as Record<string, string>;
    delete headers["content-length"];
    const res = await send(srv, { ...signed, headers });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).__type).toBe("ValidationError");
    expect(seen.length).toBe(before);
  });

  it("refuses oversized request headers (431) before anything else", async () => {
    const res = await send(srv, { method: "GET", path: "/", headers: { host: hostOf(srv), "x-big": "h".repeat(20_000) } });
    expect(res.status).toBe(431);
  });

  it("answers UnknownServiceException for a signing name it does not serve and UnknownOperationException for an unmatched request", async () => {
    const ec2 = await send(srv, await sign(srv, "ec2", { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=DescribeInstances" }));
    expect(ec2.status).toBe(400);
    expect(JSON.parse(ec2.text).__type).toBe("UnknownServiceException");
    expect(JSON.parse(ec2.text).message).toContain('"ec2"');
    const unmatched = await send(srv, await sign(srv, "sagemaker", { method: "GET", path: "/nothing-here" }));
    expect(unmatched.status).toBe(404);
    expect(JSON.parse(unmatched.text).__type).toBe("UnknownOperationException");
  });

  it("tags every response with request ids and answers the health probe without authentication", async () => {
    const s3 = new S3Client(srv.clientConfig);
    const res = await s3.send(new ListBucketsCommand({}));
    expect(res.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    s3.destroy();
    const health = await fetch(`${srv.endpoint}${HEALTH_PATH}`);
    expect(health.headers.get("x-amzn-requestid")).toBeTruthy();
    const body = (await health.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ service: "local-sagemaker", status: "ok", pid: process.pid, endpoint: srv.endpoint });
    expect(JSON.stringify(body)).not.toContain(srv.credentials.secretAccessKey);
  });

  it("keeps a request log without secrets: no secret key, no Authorization header, no signature", async () => {
    const s3 = new S3Client(srv.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: "logged" }));
    s3.destroy();
    await fetch(`${srv.endpoint}/logged?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${"ab".repeat(32)}&X-Amz-Credential=x`);
    await new Promise((r) => setTimeout(r, 100));
    const log = fs.readFileSync(path.join(srv.dataDir, "logs", "requests.log"), "utf8");
    const lines = log.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.method === "PUT" && String(l.path).startsWith("/logged") && l.status === 200 && l.service === "s3")).toBe(true);
    expect(lines.some((l) => l.status === 400 && l.error === "AuthorizationQueryParametersError" && !String(l.query).includes("Signature"))).toBe(true);
    const everything = log + fs.readFileSync(path.join(srv.dataDir, "logs", "server.log"), "utf8");
    expect(everything).not.toContain(srv.credentials.secretAccessKey);
    expect(everything.toLowerCase()).not.toContain('"authorization"');
    expect(everything).not.toContain("AWS4-HMAC-SHA256 Credential=");
    expect(everything).not.toContain("ab".repeat(32));
    expect(everything).not.toMatch(/Signature=[0-9a-f]{64}/);
  });
});

describe("server settings and data directory", () => {
  it("refuses any host but 127.0.0.1", async () => {
    expect(() => resolveSettings({ host: "0.0.0.0" })).toThrow(/listens on 127\.0\.0\.1 only/);
    const dataDir = path.join(os.tmpdir(), `lsm-host-${process.pid}-${Date.now()}`);
    await expect(startServer({ host: "localhost", port: 0, dataDir })).rejects.toThrow(/127\.0\.0\.1/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it("refuses invalid ports and regions, naming the setting", () => {
    expect(() => resolveSettings({ port: "http" })).toThrow(/LOCAL_SAGEMAKER_PORT/);
    expect(() => resolveSettings({ port: 70000 })).toThrow(/0-65535/);
    expect(() => resolveSettings({ region: "mars" })).toThrow(/LOCAL_SAGEMAKER_REGION/);
  });

  it("keeps generated credentials in a 0600 file and binds to loopback", async () => {
    const srv = await startTestServer();
    try {
      const stat = fs.statSync(path.join(srv.dataDir, "credentials.json"));
      expect(stat.mode & 0o777).toBe(0o600);
      expect(srv.credentials.accessKeyId).toMatch(/^LSIA[A-Z2-7]{16}$/);
      expect(srv.credentials.secretAccessKey).toHaveLength(40);
      expect(new URL(srv.endpoint).hostname).toBe("127.0.0.1");
    } finally {
      await srv.stop();
    }
  });

  it("refuses a second server on the same data directory, and a port already in use", async () => {
    const srv = await startTestServer();
    try {
      const err = await startServer({ port: 0, dataDir: srv.dataDir, services: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirInUseError);
      expect((err as Error).message).toContain("npm run local:stop");
      const busyPort = new URL(srv.endpoint).port;
      const other = fs.mkdtempSync(path.join(os.tmpdir(), "lsm-port-"));
      await expect(startServer({ port: busyPort, dataDir: other, services: [] })).rejects.toThrow(/already in use/);
      expect(fs.existsSync(path.join(other, "server.pid"))).toBe(false);
      fs.rmSync(other, { recursive: true, force: true });
    } finally {
      await srv.stop();
    }
  });

  it("lets exactly one of several processes racing for a data directory take it", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lsm-race-"));
    const script = `
      const { acquireDataDirLock } = require(${JSON.stringify(path.resolve(__dirname, "../../../src/local/config.ts"))});
      try { const lock = acquireDataDirLock(${JSON.stringify(dataDir)}); console.log("got"); setTimeout(() => lock.release(), 1500); }
      catch (e) { console.log(e.name); }`;
    const { execFile } = await import("node:child_process");
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<string>((resolve, reject) =>
          execFile(process.execPath, ["--import", "tsx", "-e", script], { cwd: path.resolve(__dirname, "../../..") }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "got")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "DataDirInUseError")).toHaveLength(5);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("replaces a stale pid file left by a dead process", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lsm-stale-"));
    const dead = await deadPid();
    fs.writeFileSync(path.join(dataDir, "server.pid"), `${dead}\n`);
    const srv = await startTestServer({ dataDir });
    expect(fs.readFileSync(path.join(dataDir, "server.pid"), "utf8").trim()).toBe(String(process.pid));
    await srv.stop();
    expect(fs.existsSync(path.join(dataDir, "server.pid"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "server.json"))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops accepting connections once closed", async () => {
    const srv = await startTestServer();
    const port = Number(new URL(srv.endpoint).port);
    await srv.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.on("connect", () => {
        sock.destroy();
        resolve(false);
      });
      sock.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

async function deadPid(): Promise<number> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}
