/**
 * Kernel connection files: five free loopback ports, a random HMAC key, written
 * with owner-only permissions into a private temporary directory.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

export interface ConnectionFile {
  info: ConnectionInfo;
  path: string;
  /** The private directory holding the file. */
  dir: string;
  /** Removes the file and its private directory; safe to call twice. */
  remove(): void;
}

/**
 * Asks the OS for free ports by binding them all at once (so they are
 * distinct) and releasing them. Like jupyter_client, this leaves a short window
 * in which another process could take a port; the kernel then fails to bind
 * and the runner reports its exit.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

export async function writeConnectionFile(kernelName: string): Promise<ConnectionFile> {
  const [shell, iopub, stdin, control, hb] = await freeLoopbackPorts(5);
  const info: ConnectionInfo = {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-notebook-"));
  const file = path.join(dir, `kernel-${randomBytes(6).toString("hex")}.json`);
  fs.writeFileSync(file, JSON.stringify(info, null, 1), { mode: 0o600 });
  return {
    info,
    path: file,
    dir,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
