/**
 * What was written to S3 and what the server acknowledged: the checks after a
 * crash compare every acknowledged object byte for byte (by MD5) and accept
 * any listed object only if its bytes are exactly one of the versions sent.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { md5Hex } from "../liveness";

export interface LedgerCheck {
  acknowledged: number;
  /** Acknowledged objects missing or with other bytes than the last acknowledged version. */
  lost: string[];
  /** Listed objects whose bytes are no version ever sent (partial or corrupt). */
  partial: string[];
  listed: number;
}

export class ObjectLedger {
  /** Every MD5 ever sent per key, acknowledged or not. */
  private readonly attempted = new Map<string, Set<string>>();
  /** The MD5 of the last acknowledged write per key (writes to one key are sequential). */
  private readonly acknowledged = new Map<string, string>();

  constructor(
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  attempt(key: string, md5: string): void {
    if (!this.attempted.has(key)) this.attempted.set(key, new Set());
    this.attempted.get(key)!.add(md5);
  }

  acknowledge(key: string, md5: string): void {
    this.acknowledged.set(key, md5);
  }

  /** One acknowledged object, to read back as a liveness check. */
  firstAcknowledged(): { key: string; md5: string } | undefined {
    const [entry] = this.acknowledged;
    return entry && { key: entry[0], md5: entry[1] };
  }

  get acknowledgedCount(): number {
    return this.acknowledged.size;
  }

  async check(s3: S3Client): Promise<LedgerCheck> {
    const lost: string[] = [];
    const partial: string[] = [];
    for (const [key, md5] of this.acknowledged) {
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const actual = md5Hex(await got.Body!.transformToByteArray());
        // A write in flight at the crash may have landed after the acknowledged one: any version sent later is whole too.
        if (actual !== md5 && !this.attempted.get(key)?.has(actual)) lost.push(`${key}: MD5 ${actual}, acknowledged ${md5}`);
      } catch (err) {
        lost.push(`${key}: ${(err as Error).name}`);
      }
    }
    let listed = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        listed++;
        const got = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: o.Key! }));
        const actual = md5Hex(await got.Body!.transformToByteArray());
        if (!this.attempted.get(o.Key!)?.has(actual)) partial.push(`${o.Key}: ${o.Size} bytes with MD5 ${actual}, never sent`);
      }
      token = page.NextContinuationToken;
    } while (token);
    return { acknowledged: this.acknowledged.size, lost, partial, listed };
  }
}
