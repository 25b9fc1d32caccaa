/**
 * A Jupyter protocol client over zeromq: DEALER sockets for shell and control,
 * a SUBSCRIBER for IOPub. Replies and IOPub messages are routed to whoever
 * sent the request they answer (by parent msg_id).
 */
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "./connection";
import { decode, encode, newHeader, type JupyterMessage } from "./wire";

export type Channel = "shell" | "control";

type IopubListener = (msg: JupyterMessage) => void;

interface PendingReply {
  resolve: (msg: JupyterMessage) => void;
  reject: (err: Error) => void;
}

/** Serializes sends: a zeromq socket allows one send in flight. */
class SendQueue {
  private last: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Dealer) {}
  send(frames: Buffer[]): Promise<void> {
    const next = this.last.then(() => this.socket.send(frames));
    this.last = next.catch(() => undefined);
    return next;
  }
}

export class KernelClient {
  readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly queues: Record<Channel, SendQueue>;
  private readonly pending = new Map<string, PendingReply>();
  private readonly iopubListeners = new Map<string, IopubListener>();
  private readonly anyIopub = new Set<IopubListener>();
  private closed = false;
  /** Messages that failed to decode (bad signature, bad JSON): reported, never acted on. */
  readonly rejected: string[] = [];

  constructor(private readonly conn: ConnectionInfo) {
    this.queues = { shell: new SendQueue(this.shell), control: new SendQueue(this.control) };
  }

  connect(): void {
    const url = (port: number) => `${this.conn.transport}://${this.conn.ip}:${port}`;
    this.shell.connect(url(this.conn.shell_port));
    this.control.connect(url(this.conn.control_port));
    this.iopub.connect(url(this.conn.iopub_port));
    this.iopub.subscribe();
    void this.readLoop(this.shell, (msg) => this.onReply(msg));
    void this.readLoop(this.control, (msg) => this.onReply(msg));
    void this.readLoop(this.iopub, (msg) => this.onIopub(msg));
  }

  /** Sends a request; `reply` settles with the reply on the same channel. */
  request(channel: Channel, msgType: string, content: Record<string, unknown>): { msgId: string; reply: Promise<JupyterMessage> } {
    const header = newHeader(msgType, this.session);
    const reply = new Promise<JupyterMessage>((resolve, reject) => {
      this.pending.set(header.msg_id, { resolve, reject });
    });
    const frames = encode(this.conn.key, { header, parent_header: {}, metadata: {}, content });
    this.queues[channel].send(frames).catch((err: Error) => this.settleWithError(header.msg_id, err));
    return { msgId: header.msg_id, reply };
  }

  /** Routes IOPub messages whose parent is `msgId` to `listener` until the returned function is called. */
  onIopubFor(msgId: string, listener: IopubListener): () => void {
    this.iopubListeners.set(msgId, listener);
    return () => this.iopubListeners.delete(msgId);
  }

  /** Every IOPub message, whatever its parent (used to detect that IOPub is live). */
  onAnyIopub(listener: IopubListener): () => void {
    this.anyIopub.add(listener);
    return () => this.anyIopub.delete(listener);
  }

  /** Stops waiting for a reply that will never come (kernel died, timed out). */
  forget(msgId: string, err: Error): void {
    this.settleWithError(msgId, err);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    for (const [id] of this.pending) this.settleWithError(id, new Error("the kernel client was closed"));
  }

  private settleWithError(msgId: string, err: Error): void {
    const waiter = this.pending.get(msgId);
    if (!waiter) return;
    this.pending.delete(msgId);
    waiter.reject(err);
  }

  private async readLoop(socket: zmq.Dealer | zmq.Subscriber, handle: (msg: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: JupyterMessage;
        try {
          msg = decode(this.conn.key, frames);
        } catch (err) {
          this.rejected.push((err as Error).message);
          continue;
        }
        handle(msg);
      }
    } catch (err) {
      // Closing a socket ends its iterator with ETERM/EAGAIN-like errors; only report while open.
      if (!this.closed) this.rejected.push(`socket read failed: ${(err as Error).message}`);
    }
  }

  private onReply(msg: JupyterMessage): void {
    const id = msg.parent_header.msg_id;
    if (!id) return;
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    waiter.resolve(msg);
  }

  private onIopub(msg: JupyterMessage): void {
    for (const listener of this.anyIopub) listener(msg);
    const id = msg.parent_header.msg_id;
    if (id) this.iopubListeners.get(id)?.(msg);
  }
}
