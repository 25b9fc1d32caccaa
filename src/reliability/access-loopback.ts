/**
 * The server listens on 127.0.0.1 only: the socket table, connections to every
 * other address of this machine, the configuration and the credentials' file
 * modes say so.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import { credentialsFile, resolveSettings } from "../local/config";
import type { AccessCheck, AccessContext } from "./access-check";
import type { Outcome } from "./outcome";

/** Listening sockets of `port` in /proc/net/tcp and tcp6, as "address:port". */
function listeners(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue;
      const [hex, portHex] = local.split(":");
      if (parseInt(portHex, 16) !== port) continue;
      found.push(hex.length === 8 ? `${hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join(".")}:${port}` : `[${hex}]:${port}`);
    }
  }
  return found;
}

/** Every address of this machine except 127.0.0.1, plus another loopback address. */
function otherLocalAddresses(): string[] {
  const addresses = new Set(["127.0.0.2", "::1"]);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.address !== "127.0.0.1" && !a.address.startsWith("fe80")) addresses.add(a.address);
  return [...addresses];
}

function connectOutcome(host: string, port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve({ status: "connected", type: "", message: `${host}:${port} accepted a connection` });
    });
    // ECONNREFUSED where the address exists; EADDRNOTAVAIL or ENETUNREACH where it does not (e.g. ::1 without IPv6).
    socket.once("timeout", () => {
      socket.destroy();
      resolve({ status: "refused", type: "not connected", message: "timeout" });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve({ status: "refused", type: "not connected", message: e.code ?? e.message }));
  });
}

export function loopbackChecks(ctx: AccessContext): AccessCheck[] {
  const port = Number(new URL(ctx.server.endpoint).port);
  return [
    {
      id: "loopback.listening-socket",
      what: `the listening sockets of port ${port} (/proc/net/tcp, tcp6)`,
      expect: { status: "127.0.0.1", type: "only" },
      run: async () => {
        const found = listeners(port);
        return found.length === 1 && found[0] === `127.0.0.1:${port}` ? { status: "127.0.0.1", type: "only", message: "" } : { status: found.join(", ") || "none", type: "", message: "" };
      },
    },
    ...otherLocalAddresses().map(
      (host): AccessCheck => ({
        id: `loopback.connect-${host}`,
        what: `a TCP connection to port ${port} at ${host}, another address of this machine`,
        expect: { status: "refused", type: "not connected" },
        run: () => connectOutcome(host, port),
      }),
    ),
    {
      id: "loopback.configuration",
      what: 'a server configured with host "0.0.0.0"',
      expect: { status: "refused", type: "Error", message: /host "0\.0\.0\.0" is refused/ },
      run: async () => {
        try {
          resolveSettings({ host: "0.0.0.0", dataDir: ctx.dataDir });
          return { status: "accepted", type: "", message: "" };
        } catch (err) {
          return { status: "refused", type: (err as Error).name, message: (err as Error).message };
        }
      },
    },
    {
      id: "loopback.credentials-private",
      what: "the modes of the data directory and credentials.json",
      expect: { status: "700/600", type: "" },
      run: async () => {
        const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
        return { status: `${mode(ctx.dataDir)}/${mode(credentialsFile(ctx.dataDir))}`, type: "", message: "" };
      },
    },
  ];
}
