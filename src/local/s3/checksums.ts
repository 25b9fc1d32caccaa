/**
 * The checksums S3 accepts (`x-amz-checksum-*`, Content-MD5) and returns.
 * CRC32 uses zlib's; CRC32C and CRC64/NVME are table-driven here (slicing by
 * 8, below) because Node has neither.
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
      return { update: (d) => void (crc = crc32cUpdate(crc, d)), digest: () => u32((crc ^ 0xffffffff) >>> 0) };
    }
    case "CRC64NVME": {
      // 64-bit reflected CRC held as two 32-bit halves.
      const state = { lo: 0xffffffff, hi: 0xffffffff };
      return {
        update: (d) => crc64Update(state, d),
        digest: () => {
          const out = Buffer.alloc(8);
          out.writeUInt32BE((state.hi ^ 0xffffffff) >>> 0, 0);
          out.writeUInt32BE((state.lo ^ 0xffffffff) >>> 0, 4);
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

/*
 * CRC32C and CRC-64/NVME are table-driven "slicing by 8" (eight bytes per
 * step through eight 256-entry tables): about 6x faster than a byte at a
 * time, which matters because every upload that asks for one of them is
 * hashed in full before it is stored. Table k maps a byte to its CRC after k
 * more zero bytes.
 */

function crc32cUpdate(crc: number, d: Uint8Array): number {
  const t = CRC32C_TABLES;
  let i = 0;
  const whole = d.length - (d.length % 8);
  for (; i < whole; i += 8) {
    const a = (crc ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24))) >>> 0;
    crc =
      t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
      t[768 + d[i + 4]] ^ t[512 + d[i + 5]] ^ t[256 + d[i + 6]] ^ t[d[i + 7]];
  }
  for (; i < d.length; i++) crc = t[(crc ^ d[i]) & 0xff] ^ (crc >>> 8);
  return crc >>> 0;
}

function crc64Update(state: { lo: number; hi: number }, d: Uint8Array): void {
  const [tl, th] = CRC64_TABLES;
  let { lo, hi } = state;
  let i = 0;
  const whole = d.length - (d.length % 8);
  for (; i < whole; i += 8) {
    const a = (lo ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24))) >>> 0;
    const b = (hi ^ (d[i + 4] | (d[i + 5] << 8) | (d[i + 6] << 16) | (d[i + 7] << 24))) >>> 0;
    const k0 = 1792 + (a & 0xff), k1 = 1536 + ((a >>> 8) & 0xff), k2 = 1280 + ((a >>> 16) & 0xff), k3 = 1024 + (a >>> 24);
    const k4 = 768 + (b & 0xff), k5 = 512 + ((b >>> 8) & 0xff), k6 = 256 + ((b >>> 16) & 0xff), k7 = b >>> 24;
    lo = (tl[k0] ^ tl[k1] ^ tl[k2] ^ tl[k3] ^ tl[k4] ^ tl[k5] ^ tl[k6] ^ tl[k7]) >>> 0;
    hi = (th[k0] ^ th[k1] ^ th[k2] ^ th[k3] ^ th[k4] ^ th[k5] ^ th[k6] ^ th[k7]) >>> 0;
  }
  for (; i < d.length; i++) {
    const idx = (lo ^ d[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ tl[idx]) >>> 0;
    hi = ((hi >>> 8) ^ th[idx]) >>> 0;
  }
  state.lo = lo;
  state.hi = hi;
}

const CRC32C_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = ((prev >>> 8) ^ t[prev & 0xff]) >>> 0;
    }
  }
  return t;
})();

const CRC64_TABLES = (() => {
  // Reflected polynomial of CRC-64/NVME: 0x9a6c9329ac4bc9b5.
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  const lo = new Uint32Array(8 * 256);
  const hi = new Uint32Array(8 * 256);
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
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const [pl, ph] = [lo[(k - 1) * 256 + n], hi[(k - 1) * 256 + n]];
      const idx = pl & 0xff;
      lo[k * 256 + n] = (((pl >>> 8) | (ph << 24)) ^ lo[idx]) >>> 0;
      hi[k * 256 + n] = ((ph >>> 8) ^ hi[idx]) >>> 0;
    }
  }
  return [lo, hi] as const;
})();

/**
 * The checksum of a multipart object in S3's COMPOSITE form: the checksum of
 * the concatenated binary part checksums, then "-<part count>".
 */
export function compositeChecksum(alg: ChecksumAlgorithm, partChecksumsB64: string[]): string {
  const joined = Buffer.concat(partChecksumsB64.map((b) => Buffer.from(b, "base64")));
  return `${digestOf(alg, joined).toString("base64")}-${partChecksumsB64.length}`;
}
