/**
 * The table-driven checksums against their published check values and against
 * a byte-at-a-time reference, for every length around the 8-byte steps and
 * for data fed in uneven pieces (as request bodies arrive).
 */
import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createHasher, digestOf } from "../../../src/local/s3/checksums";

/** Bitwise reflected CRC of width 32 or 64, straight from the definition. */
function referenceCrc(width: 32 | 64, poly: bigint, data: Uint8Array): Buffer {
  const mask = (1n << BigInt(width)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  crc ^= mask;
  const out = Buffer.alloc(width / 8);
  if (width === 32) out.writeUInt32BE(Number(crc));
  else out.writeBigUInt64BE(crc);
  return out;
}

const REFERENCES = {
  CRC32C: (d: Uint8Array) => referenceCrc(32, 0x82f63b78n, d),
  CRC64NVME: (d: Uint8Array) => referenceCrc(64, 0x9a6c9329ac4bc9b5n, d),
};

describe("checksums", () => {
  it("give the published check values of '123456789'", () => {
    const check = Buffer.from("123456789");
    expect(digestOf("CRC32C", check).toString("hex")).toBe("e3069283");
    expect(digestOf("CRC64NVME", check).toString("hex")).toBe("ae8b14860a799888");
    expect(digestOf("CRC32", check).toString("hex")).toBe("cbf43926");
  });

  it.each(Object.keys(REFERENCES) as Array<keyof typeof REFERENCES>)("%s matches the bitwise definition for lengths 0-40 and 1000", (alg) => {
    const data = crypto.randomBytes(1000);
    for (const n of [...Array.from({ length: 41 }, (_, i) => i), 1000]) {
      expect(digestOf(alg, data.subarray(0, n)).toString("hex"), `length ${n}`).toBe(REFERENCES[alg](data.subarray(0, n)).toString("hex"));
    }
  });

  it.each(["CRC32", "CRC32C", "CRC64NVME", "SHA256"] as const)("%s gives the same digest whatever pieces the data comes in", (alg) => {
    const data = crypto.randomBytes(4099);
    const whole = digestOf(alg, data).toString("hex");
    const h = createHasher(alg);
    for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 3) % 61) h.update(data.subarray(at, Math.min(at + step, data.length)));
    expect(h.digest().toString("hex")).toBe(whole);
  });
});
