/**
 * Protocol-buffers wire-format writer, just enough for ONNX's messages.
 *
 * A message is built as a list of byte chunks plus its total length, so that
 * nesting a large initializer (tens of MB of raw_data) into a tensor, a graph
 * and a model never copies it: only `finish()` concatenates, once.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

export class MessageWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch: number[] = [];
  private _length = 0;

  get length(): number {
    return this._length + this.scratch.length;
  }

  /** Integer field (int32, int64, enum), encoded as a varint; negatives as 10-byte two's complement like protobuf does. */
  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.flushScratch();
    this.pushPart(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.flushScratch();
    this.pushPart(value);
    return this;
  }

  /** Repeated integers, packed (parsers accept packed encoding for any repeated scalar field). */
  packedInts(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new MessageWriter();
    for (const v of values) inner.varint(v);
    return this.message(field, inner);
  }

  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** Embedded message; its chunks are adopted, not copied. */
  message(field: number, inner: MessageWriter): this {
    inner.flushScratch();
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(inner._length);
    this.flushScratch();
    for (const p of inner.parts) this.pushPart(p);
    return this;
  }

  finish(): Uint8Array {
    this.flushScratch();
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this._length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
    if (value >= 0) {
      let v = value;
      while (v >= 0x80) {
        this.scratch.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.scratch.push(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 9; i++) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.pushPart(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private pushPart(p: Uint8Array): void {
    this.parts.push(p);
    this._length += p.length;
  }
}
