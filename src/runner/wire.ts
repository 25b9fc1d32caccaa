/**
 * The Jupyter messaging wire format (protocol 5.x): routing identities, the
 * `<IDS|MSG>` delimiter, an HMAC-SHA256 signature over the four JSON frames,
 * then header, parent header, metadata, content and optional binary buffers.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  header: MessageHeader;
  /** Empty object when the message answers nothing. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export class WireFormatError extends Error {
  override name = "WireFormatError";
}

/** Signs with HMAC-SHA256; Jupyter disables signing when the key is empty. */
export function sign(key: string, frames: readonly (Buffer | string)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest("hex");
}

export function newHeader(msgType: string, session: string): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username: "run-notebook",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** The frames of a message sent from a DEALER socket (no routing identities). */
export function encode(key: string, msg: Omit<JupyterMessage, "buffers"> & { buffers?: Buffer[] }): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...(msg.buffers ?? [])];
}

/**
 * Parses and verifies a received multipart message. Frames before the
 * delimiter are routing identities (or, on IOPub, topics) and are dropped.
 */
export function decode(key: string, frames: readonly Buffer[]): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireFormatError("message has no <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new WireFormatError(`message has ${frames.length - at - 1} frames after the delimiter, expected at least 5`);
  const signature = frames[at + 1].toString("ascii");
  const parts = frames.slice(at + 2, at + 6);
  if (key !== "") {
    const expected = Buffer.from(sign(key, parts), "ascii");
    const got = Buffer.from(signature, "ascii");
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new WireFormatError("message signature does not match the connection key (HMAC-SHA256)");
    }
  }
  const [header, parent, metadata, content] = parts.map((p, i) => parseJsonFrame(p, i));
  return {
    header: header as unknown as MessageHeader,
    parent_header: parent as Partial<MessageHeader>,
    metadata,
    content,
    buffers: frames.slice(at + 6),
  };
}

const FRAME_NAMES = ["header", "parent_header", "metadata", "content"];

function parseJsonFrame(frame: Buffer, index: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch (err) {
    throw new WireFormatError(`message ${FRAME_NAMES[index]} is not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WireFormatError(`message ${FRAME_NAMES[index]} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
