/**
 * The checksums S3 accepts (`x-amz-checksum-*`, Content-MD5) and returns.
 * CRC32 uses zlib's; CRC32C and CRC64/NVME are table-driven here because
 * Node has neither.
 */
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";

export const CHECKSUM_ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Hasher {
  update(data: Buffer): void;
  digest(): Buffer;
}

export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/** Size in bytes of each algorithm's digest, to validate base64 values. */
export const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function createHasher(alg: ChecksumAlgorithm | "MD5"): Hasher {
  switch (alg) {
    case "MD5":
    case "SHA1":
    case "SHA256": {
      const h = crypto.createHash(alg === "MD5" ? "md5" : alg === "SHA1" ? "sha1" : "sha256");
      return { update: (d) => void h.update(d), digest: () => h.digest() };
    }
    case "CRC32": {
      let crc = 0;
      return { update: (d) => void (crc = zlib.crc32(d, crc)), digest: () => u32(crc) };
    }
    case "CRC32C": {
      let crc = 0xffffffff;
      return {
        update: (d) => {
          for (let i = 0; i < d.length; i++) crc = CRC32C_TABLE[(crc ^ d[i]) & 0xff] ^ (crc >>> 8);
        },
        digest: () => u32((crc ^ 0xffffffff) >>> 0),
      };
    }
    case "CRC64NVME": {
      // 64-bit reflected CRC held as two 32-bit halves.
      let lo = 0xffffffff;
      let hi = 0xffffffff;
      return {
        update: (d) => {
          for (let i = 0; i < d.length; i++) {
            const idx = (lo ^ d[i]) & 0xff;
            lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]) >>> 0;
            hi = ((hi >>> 8) ^ CRC64_HI[idx]) >>> 0;
          }
        },
        digest: () => {
          const out = Buffer.alloc(8);
          out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
          out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
          return out;
        },
      };
    }
  }
}

export function digestOf(alg: ChecksumAlgorithm | "MD5", data: Buffer): Buffer {
  const h = createHasher(alg);
  h.update(data);
  return h.digest();
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const [CRC64_LO, CRC64_HI] = (() => {
  // Reflected polynomial of CRC-64/NVME: 0x9a6c9329ac4bc9b5.
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let l = n;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        l = (l ^ polyLo) >>> 0;
        h = (h ^ polyHi) >>> 0;
      }
    }
    lo[n] = l;
    hi[n] = h;
  }
  return [lo, hi];
})();

/**
 * The checksum of a multipart object in S3's COMPOSITE form: the checksum of
 * the concatenated binary part checksums, then "-<part count>".
 */
export function compositeChecksum(alg: ChecksumAlgorithm, partChecksumsB64: string[]): string {
  const joined = Buffer.concat(partChecksumsB64.map((b) => Buffer.from(b, "base64")));
  return `${digestOf(alg, joined).toString("base64")}-${partChecksumsB64.length}`;
}
