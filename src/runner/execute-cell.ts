/**
 * One execute_request and everything it causes: IOPub outputs until the
 * kernel goes idle, the shell reply, nbclient's timing metadata, the
 * per-cell timeout (interrupt, then give up) and the kernel dying mid-cell.
 */
import type { KernelExit } from "./kernel-process";
import type { KernelSession } from "./kernel-session";
import type { CellOutputCollector } from "./outputs";
import type { JupyterMessage } from "./wire";

export type ExecutionStatus = "ok" | "error" | "abort" | "timeout" | "dead" | "interrupted";

export interface CellExecution {
  status: ExecutionStatus;
  executionCount: number | null;
  /** nbclient's `cell.metadata.execution` (ISO times from the kernel's message headers). */
  timing: Record<string, string>;
  /** The kernel sent `error` on IOPub itself (tslab never does). */
  kernelSentError: boolean;
  /** The kernel replied but its idle status never came: outputs sent later are missing. */
  idleMissing: boolean;
  /** After a timeout: the kernel ignored the interrupt and must be stopped. */
  unresponsive: boolean;
  exit?: KernelExit;
}

export interface ExecuteOptions {
  /** Per-cell limit; null = none. */
  timeoutMs: number | null;
  /** How long the kernel gets to answer after an interrupt. */
  interruptGraceMs: number;
  /** After the reply, how long to wait for the idle status (nbclient's iopub_timeout). */
  iopubTimeoutMs: number;
  signal?: AbortSignal;
  onChange?: () => void;
}

export async function executeCode(session: KernelSession, code: string, outputs: CellOutputCollector, opts: ExecuteOptions): Promise<CellExecution> {
  const { client, kernel } = session;
  const timing: Record<string, string> = {};
  let kernelSentError = false;
  let markIdle: () => void = () => undefined;
  const idle = new Promise<void>((resolve) => (markIdle = resolve));

  const { msgId, reply } = client.request("shell", "execute_request", {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: true,
  });
  const stopListening = client.onIopubFor(msgId, (msg) => {
    const type = msg.header.msg_type;
    if (type === "status") {
      const state = (msg.content as { execution_state?: string }).execution_state;
      if (state === "busy") timing["iopub.status.busy"] = stamp(msg);
      if (state === "idle") {
        timing["iopub.status.idle"] = stamp(msg);
        markIdle();
      }
      return;
    }
    if (type === "execute_input") {
      timing["iopub.execute_input"] = stamp(msg);
      return;
    }
    if (type === "error") kernelSentError = true;
    if (outputs.handle(msg)) opts.onChange?.();
  });

  const result = (status: ExecutionStatus, extra: Partial<CellExecution> = {}): CellExecution => ({
    status,
    executionCount: null,
    timing,
    kernelSentError,
    unresponsive: false,
    idleMissing: false,
    ...extra,
  });

  try {
    let first = await waitFor(reply, kernel.exited, opts.timeoutMs, opts.signal);
    let timedOut = false;
    if (first.kind === "timeout") {
      timedOut = true;
      if (kernel.spec.interrupt_mode === "message") client.request("control", "interrupt_request", {}).reply.catch(() => undefined);
      else kernel.interrupt();
      first = await waitFor(reply, kernel.exited, opts.interruptGraceMs, opts.signal);
      if (first.kind === "timeout") {
        client.forget(msgId, new Error("cell timed out"));
        return result("timeout", { unresponsive: true });
      }
    }
    if (first.kind === "exited") {
      client.forget(msgId, new Error("kernel died"));
      return result("dead", { exit: first.exit });
    }
    if (first.kind === "aborted") {
      client.forget(msgId, new Error("interrupted"));
      return result("interrupted");
    }
    const replyMsg = first.msg;
    const content = replyMsg.content as { status?: string; execution_count?: number };
    timing["shell.execute_reply"] = stamp(replyMsg);
    // Outputs may still be in flight on IOPub after the reply.
    const afterReply = await waitFor(idle.then(() => replyMsg), kernel.exited, opts.iopubTimeoutMs, opts.signal);
    if (afterReply.kind === "exited") return result("dead", { exit: afterReply.exit });
    const idleMissing = afterReply.kind === "timeout";
    const count = typeof content.execution_count === "number" ? content.execution_count : null;
    if (timedOut) return result("timeout", { executionCount: count, idleMissing });
    const status = content.status === "ok" ? "ok" : content.status === "abort" || content.status === "aborted" ? "abort" : "error";
    return result(status, { executionCount: count, idleMissing });
  } finally {
    stopListening();
    outputs.finish();
  }
}

function stamp(msg: JupyterMessage): string {
  const date = msg.header.date;
  return typeof date === "string" && !Number.isNaN(Date.parse(date)) ? date : new Date().toISOString();
}

type Waited =
  | { kind: "reply"; msg: JupyterMessage }
  | { kind: "exited"; exit: KernelExit }
  | { kind: "timeout" }
  | { kind: "aborted" };

function waitFor(reply: Promise<JupyterMessage>, exited: Promise<KernelExit>, ms: number | null, signal?: AbortSignal): Promise<Waited> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (w: Waited) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(w);
    };
    const onAbort = () => done({ kind: "aborted" });
    if (signal?.aborted) return done({ kind: "aborted" });
    signal?.addEventListener("abort", onAbort);
    if (ms !== null) timer = setTimeout(() => done({ kind: "timeout" }), ms);
    reply.then((msg) => done({ kind: "reply", msg }), () => undefined);
    void exited.then((exit) => done({ kind: "exited", exit }));
  });
}
