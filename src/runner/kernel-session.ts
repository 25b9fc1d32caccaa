/**
 * A started kernel the runner can talk to: process + protocol client, ready
 * only once IOPub is live (ZeroMQ's slow joiner would otherwise drop the
 * first cell's output), and shut down so that nothing is left running.
 */
import { KernelClient } from "./client";
import { KernelStartError } from "./errors";
import { KernelProcess, type KernelExit } from "./kernel-process";
import type { KernelSpec } from "./kernelspec";
import type { JupyterMessage } from "./wire";

export interface KernelInfo {
  protocol_version?: string;
  implementation?: string;
  language_info?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KernelSession {
  kernel: KernelProcess;
  client: KernelClient;
  info: KernelInfo;
}

export interface StartOptions {
  cwd: string;
  env?: Record<string, string>;
  startTimeoutMs: number;
  signal?: AbortSignal;
}

const READY_POLL_MS = 100;

export function describeExit(exit: KernelExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export async function startKernelSession(spec: KernelSpec, opts: StartOptions): Promise<KernelSession> {
  let kernel: KernelProcess;
  try {
    kernel = await KernelProcess.launch(spec, { cwd: opts.cwd, env: opts.env });
  } catch (err) {
    throw new KernelStartError((err as Error).message);
  }
  const client = new KernelClient(kernel.connection);
  client.connect();
  try {
    const info = await waitUntilReady(kernel, client, opts);
    return { kernel, client, info };
  } catch (err) {
    client.close();
    await kernel.terminate(500);
    throw err;
  }
}

async function waitUntilReady(kernel: KernelProcess, client: KernelClient, opts: StartOptions): Promise<KernelInfo> {
  const deadline = Date.now() + opts.startTimeoutMs;
  let iopubLive = false;
  const stopWatching = client.onAnyIopub((msg) => {
    if (msg.header.msg_type === "status") iopubLive = true;
  });
  let info: KernelInfo | null = null;
  try {
    while (!(info && iopubLive)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const said = kernel.recentOutput();
        throw new KernelStartError(
          `Kernel '${kernel.spec.name}' did not become ready within ${opts.startTimeoutMs / 1000} s ` +
            `(${info ? "it answered kernel_info but IOPub stayed silent" : "no kernel_info_reply"}). ` +
            `Raise --start-timeout if the machine is slow.${said ? `\nKernel output:\n${said}` : ""}`,
        );
      }
      // One request in flight: its reply, or the poll interval once answered, decides the next step.
      const { msgId, reply } = client.request("shell", "kernel_info_request", {});
      const wait = info ? READY_POLL_MS : left;
      const outcome = await race(reply, kernel.exited, wait, opts.signal);
      if (outcome.kind === "exited") {
        const said = kernel.recentOutput();
        throw new KernelStartError(
          `Kernel '${kernel.spec.name}' exited while starting (${describeExit(outcome.exit)}).${said ? `\nKernel output:\n${said}` : ""}`,
        );
      }
      if (outcome.kind === "aborted") throw new KernelStartError("Interrupted while the kernel was starting.");
      if (outcome.kind === "reply") info = outcome.msg.content as KernelInfo;
      else client.forget(msgId, new Error("superseded"));
    }
    return info;
  } finally {
    stopWatching();
  }
}

type Outcome =
  | { kind: "reply"; msg: JupyterMessage }
  | { kind: "exited"; exit: KernelExit }
  | { kind: "timeout" }
  | { kind: "aborted" };

function race(reply: Promise<JupyterMessage>, exited: Promise<KernelExit>, ms: number, signal?: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: "timeout" }), ms);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(o);
    };
    const onAbort = () => done({ kind: "aborted" });
    if (signal?.aborted) return done({ kind: "aborted" });
    signal?.addEventListener("abort", onAbort);
    reply.then((msg) => done({ kind: "reply", msg }), () => undefined);
    void exited.then((exit) => done({ kind: "exited", exit }));
  });
}

/**
 * Asks the kernel to shut down, then stops its process group: whatever its
 * cells started (servers, training processes) goes too.
 */
export async function shutdownKernelSession(session: KernelSession, graceMs = 1000): Promise<void> {
  const { kernel, client } = session;
  if (!kernel.hasExited) {
    const { reply } = client.request("control", "shutdown_request", { restart: false });
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    // A kernel that replied but keeps running is held by something its cells started: stop it rather than wait.
    const repliedThenWaited = reply.then(() => sleep(200), () => sleep(graceMs));
    await Promise.race([kernel.exited, repliedThenWaited, sleep(graceMs)]);
  }
  client.close();
  await kernel.terminate();
}
