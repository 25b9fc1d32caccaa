import { describe, expect, it } from "vitest";
import { decode, encode, newHeader, sign, WireFormatError } from "../../src/runner/wire";

const KEY = "0123456789abcdef";

function message(content: Record<string, unknown>) {
  return { header: newHeader("execute_request", "session-1"), parent_header: {}, metadata: {}, content };
}

describe("Jupyter wire format", () => {
  it("round-trips a signed message and drops routing identities", () => {
    const frames = encode(KEY, message({ code: "1 + 1", ünïcode: "✓" }));
    const withIdentity = [Buffer.from("router-identity"), ...frames];
    const msg = decode(KEY, withIdentity);
    expect(msg.header.msg_type).toBe("execute_request");
    expect(msg.content).toEqual({ code: "1 + 1", ünïcode: "✓" });
    expect(msg.buffers).toEqual([]);
  });

  it("signs with HMAC-SHA256 over header, parent, metadata and content", () => {
    const frames = encode(KEY, message({}));
    const expected = sign(KEY, frames.slice(2, 6));
    expect(frames[1].toString()).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects a message whose content was altered", () => {
    const frames = encode(KEY, message({ code: "safe()" }));
    frames[5] = Buffer.from(JSON.stringify({ code: "evil()" }));
    expect(() => decode(KEY, frames)).toThrow(WireFormatError);
    expect(() => decode(KEY, frames)).toThrow(/signature/);
  });

  it("rejects a message signed with another key", () => {
    expect(() => decode(KEY, encode("other-key", message({})))).toThrow(/signature/);
  });

  it("does not sign when the key is empty, as Jupyter does", () => {
    const frames = encode("", message({ a: 1 }));
    expect(frames[1].toString()).toBe("");
    expect(decode("", frames).content).toEqual({ a: 1 });
  });

  it("names what is malformed", () => {
    expect(() => decode(KEY, [Buffer.from("no delimiter")])).toThrow(/delimiter/);
    const frames = encode("", message({}));
    frames[5] = Buffer.from("[1,2]");
    expect(() => decode("", frames)).toThrow(/content is not a JSON object/);
    expect(() => decode(KEY, frames.slice(0, 4))).toThrow(/frames/);
  });

  it("keeps extra frames as binary buffers", () => {
    const frames = [...encode(KEY, message({})), Buffer.from([0, 1, 2])];
    expect(decode(KEY, frames).buffers).toEqual([Buffer.from([0, 1, 2])]);
  });
});
