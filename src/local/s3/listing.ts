/**
 * One page of a bucket listing, S3's way: keys in UTF-8 order, keys sharing
 * a delimiter-terminated prefix rolled into one CommonPrefix, and prefixes
 * counting against max-keys like keys do.
 */
import type { BucketIndex } from "./bucket-index";
import { compareKeys } from "./names";
import type { ObjectRecord } from "./object-file";

export interface ListQuery {
  prefix: string;
  delimiter?: string;
  /** Continue after this key or common prefix (exclusive). */
  after?: string;
  maxKeys: number;
}

export interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last?: string;
}

export function listPage(index: BucketIndex, q: ListQuery): ListPage {
  const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false };
  if (q.maxKeys === 0) return page;
  const startAfter = q.after !== undefined && compareKeys(q.after, q.prefix) >= 0 ? q.after : undefined;
  let count = 0;
  for (const key of index.keysAfter(startAfter, startAfter === undefined ? q.prefix : undefined)) {
    if (!key.startsWith(q.prefix)) {
      if (compareKeys(key, q.prefix) > 0) break;
      continue;
    }
    let emit: { kind: "key"; record: ObjectRecord } | { kind: "prefix"; prefix: string };
    const cut = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
    if (cut >= 0) {
      const prefix = key.slice(0, cut + q.delimiter!.length);
      // A prefix already returned (or at/before the resume point) was listed in full.
      if (prefix === page.last || (q.after !== undefined && compareKeys(prefix, q.after) <= 0)) continue;
      emit = { kind: "prefix", prefix };
    } else {
      emit = { kind: "key", record: index.get(key)! };
    }
    if (count === q.maxKeys) {
      page.isTruncated = true;
      break;
    }
    count++;
    if (emit.kind === "prefix") {
      page.commonPrefixes.push(emit.prefix);
      page.last = emit.prefix;
    } else {
      page.contents.push(emit.record);
      page.last = key;
    }
  }
  return page;
}
