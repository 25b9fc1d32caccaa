import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { isProcessRunning } from "../../../src/system/process-state";
import { ensureLocalServer, readLocalServerInfo, stopLocalServer } from "../../../src/local/launcher";

const run = promisify(execFile);
const repo = path.resolve(__dirname, "..", "..", "..");
const dataDirs: string[] = [];

function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lsm-cli-"));
  dataDirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dataDirs) {
    await stopLocalServer({ dataDir: dir, timeoutMs: 5000 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(dataDir: string, ...args: string[]): Promise<Result> {
  const env = { ...process.env, LOCAL_SAGEMAKER_HOME: dataDir, LOCAL_SAGEMAKER_PORT: "0" };
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", path.join(repo, "scripts", "local.ts"), ...args], { cwd: repo, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastLine = (s: string) => s.trim().split("\n").at(-1)!;

describe("npm run local:start | local:status | local:stop", () => {
  it("starts one background server, prints the --json line, reports status, and stops it", async () => {
    const dataDir = freshDataDir();
    const started = await cli(dataDir, "start", "--json");
    expect(started.code).toBe(0);
    const info = JSON.parse(lastLine(started.stdout)) as Record<string, string>;
    expect(Object.keys(info)).toEqual(["endpoint", "region", "accessKeyId", "secretAccessKey"]);
    expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.stdout).toContain("started at");

    const s3 = new S3Client({ endpoint: info.endpoint, region: info.region, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey }, forcePathStyle: true });
    expect((await s3.send(new ListBucketsCommand({}))).$metadata.httpStatusCode).toBe(200);
    s3.destroy();

    const again = await cli(dataDir, "start", "--json");
    expect(again.stdout).toContain("already running");
    expect(JSON.parse(lastLine(again.stdout))).toEqual(info);
    const pid = Number(fs.readFileSync(path.join(dataDir, "server.pid"), "utf8"));
    expect(isProcessRunning(pid)).toBe(true);

    const status = await cli(dataDir, "status");
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`endpoint: ${info.endpoint}`);
    expect(status.stdout).toContain(`pid:      ${pid}`);
    expect(status.stdout).toMatch(/uptime: +\d+s/);
    expect(status.stdout).toContain(`data dir: ${dataDir}`);

    const stopped = await cli(dataDir, "stop");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`stopped (pid ${pid})`);
    expect(isProcessRunning(pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "server.pid"))).toBe(false);
    const after = await cli(dataDir, "status");
    expect(after.code).toBe(3);
    expect(after.stdout).toContain("not running");
    expect(fs.readFileSync(path.join(dataDir, "logs", "process.log"), "utf8")).toContain("SIGTERM, stopping");
  }, 60_000);

  it("prints the --json line last through npm run as well", async () => {
    const dataDir = freshDataDir();
    const env = { ...process.env, LOCAL_SAGEMAKER_HOME: dataDir, LOCAL_SAGEMAKER_PORT: "0" };
    const { stdout } = await run("npm", ["run", "local:start", "--", "--json"], { cwd: repo, env });
    const info = JSON.parse(lastLine(stdout)) as { endpoint: string };
    expect((await fetch(`${info.endpoint}/_local/health`)).status).toBe(200);
    await run("npm", ["run", "-s", "local:stop"], { cwd: repo, env });
    expect(await readLocalServerInfo({ dataDir })).toBeUndefined();
  }, 60_000);

  it("replaces a stale pid file and server.json left by a dead server", async () => {
    const dataDir = freshDataDir();
    const child = await run(process.execPath, ["-e", "console.log(process.pid)"]);
    const deadPid = Number(child.stdout.trim());
    fs.writeFileSync(path.join(dataDir, "server.pid"), `${deadPid}\n`);
    fs.writeFileSync(path.join(dataDir, "server.json"), JSON.stringify({ pid: deadPid, endpoint: "http://127.0.0.1:1", port: 1, region: "us-east-1", startedAt: new Date().toISOString() }));
    expect((await cli(dataDir, "status")).code).toBe(3);
    const started = await cli(dataDir, "start", "--json");
    expect(started.code).toBe(0);
    expect(started.stdout).toContain("started at");
    const pid = Number(fs.readFileSync(path.join(dataDir, "server.pid"), "utf8"));
    expect(pid).not.toBe(deadPid);
    expect((await cli(dataDir, "stop")).code).toBe(0);
  }, 60_000);

  it("kills the whole process group when the server does not stop gracefully in time", async () => {
    const dataDir = freshDataDir();
    await cli(dataDir, "start");
    const pid = Number(fs.readFileSync(path.join(dataDir, "server.pid"), "utf8"));
    process.kill(pid, "SIGSTOP");
    const stopped = await cli(dataDir, "stop", "--timeout-ms", "500");
    expect(stopped.stdout).toContain("killed after the graceful stop timed out");
    expect(isProcessRunning(pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "server.pid"))).toBe(false);
  }, 60_000);

  it("refuses unknown commands and options with the usage", async () => {
    const bad = await cli(freshDataDir(), "restart");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("usage:");
    const opt = await cli(freshDataDir(), "start", "--colour");
    expect(opt.stderr).toContain("unknown option --colour");
  }, 60_000);
});

describe("launcher API (used by the notebook helpers)", () => {
  it("starts on demand once, even when asked twice at the same time, and stops", async () => {
    const dataDir = freshDataDir();
    expect(await readLocalServerInfo({ dataDir })).toBeUndefined();
    const [a, b] = await Promise.all([ensureLocalServer({ dataDir, port: 0 }), ensureLocalServer({ dataDir, port: 0 })]);
    expect(a.pid).toBe(b.pid);
    expect(a.endpoint).toBe(b.endpoint);
    expect([a.started, b.started].filter(Boolean).length).toBe(1);
    const info = await readLocalServerInfo({ dataDir });
    expect(info).toMatchObject({ pid: a.pid, endpoint: a.endpoint, accountId: "000000000000", dataDir });
    // The losing start's process is gone too, so it cannot take over once the winner stops.
    await waitUntil(() => serverProcessesFor(dataDir).length === 1);
    expect(serverProcessesFor(dataDir)).toEqual([a.pid]);
    const stopped = await stopLocalServer({ dataDir });
    expect(stopped).toEqual({ stopped: true, pid: a.pid, forced: false });
    expect(await stopLocalServer({ dataDir })).toEqual({ stopped: false, forced: false });
  }, 60_000);

  it("refuses invalid settings before starting anything", async () => {
    const dataDir = freshDataDir();
    await expect(ensureLocalServer({ dataDir, port: 0, region: "not-a-region" })).rejects.toThrow(/region "not-a-region"/);
    expect(fs.existsSync(path.join(dataDir, "server.pid"))).toBe(false);
  });

  it("reports why the server process could not start, with the end of its log", async () => {
    const dataDir = freshDataDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = (await ensureLocalServer({ dataDir, port }).catch((e: unknown) => e)) as Error;
      expect(err.message).toContain("did not start (exit code 1)");
      expect(err.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(err.message).toContain("process.log");
    } finally {
      blocker.close();
    }
  }, 60_000);
});

/** Pids of local-server processes started for `dataDir` (Linux /proc). */
function serverProcessesFor(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.some((a) => a.endsWith("local-server.ts")) && args.includes(dataDir)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}
