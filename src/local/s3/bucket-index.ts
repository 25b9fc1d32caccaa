/**
 * The keys of one bucket in S3's order (UTF-8 bytes), with their records, so
 * listings page through a sorted array instead of the file system.
 */
import { compareKeys } from "./names";
import type { ObjectRecord } from "./object-file";

export class BucketIndex {
  private readonly keys: string[] = [];
  private readonly records = new Map<string, ObjectRecord>();

  get size(): number {
    return this.keys.length;
  }

  get(key: string): ObjectRecord | undefined {
    return this.records.get(key);
  }

  set(record: ObjectRecord): void {
    if (!this.records.has(record.key)) this.keys.splice(this.lowerBound(record.key), 0, record.key);
    this.records.set(record.key, record);
  }

  delete(key: string): boolean {
    if (!this.records.delete(key)) return false;
    this.keys.splice(this.lowerBound(key), 1);
    return true;
  }

  /** Keys after `after` (exclusive), or from `from` (inclusive), or from the start; in order. */
  *keysAfter(after: string | undefined, from?: string): Generator<string> {
    let i = 0;
    if (after !== undefined) {
      i = this.lowerBound(after);
      if (this.keys[i] === after) i++;
    } else if (from !== undefined) {
      i = this.lowerBound(from);
    }
    for (; i < this.keys.length; i++) yield this.keys[i];
  }

  /** Index of the first key >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
