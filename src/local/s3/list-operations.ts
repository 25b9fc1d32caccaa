/**
 * ListObjects (v1, marker) and ListObjectsV2 (continuation token) over the
 * store's pages (listing.ts), with the query arguments both share.
 */
import { xmlResult, type OperationContext, type S3Call, type S3Result } from "./call";
import { invalidArgument } from "./errors";
import * as xml from "./responses";

interface ListArgs {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  encodingUrl: boolean;
}

export async function listObjectsV2(ctx: OperationContext, call: S3Call, bucket: string): Promise<S3Result> {
  const q = call.query;
  const args = listArgs(q);
  const token = q.get("continuation-token") ?? undefined;
  const startAfter = q.get("start-after") ?? undefined;
  const after = token !== undefined ? decodeToken(token) : startAfter;
  const page = await ctx.store.listPage(bucket, { prefix: args.prefix, delimiter: args.delimiter, after, maxKeys: args.maxKeys });
  const next = page.isTruncated && page.last !== undefined ? encodeToken(page.last) : undefined;
  return xmlResult(
    xml.listObjectsV2Xml(page, {
      bucket,
      ...args,
      startAfter,
      continuationToken: token,
      nextContinuationToken: next,
      owner: q.get("fetch-owner") === "true" ? ctx.owner : undefined,
    }),
  );
}

export async function listObjectsV1(ctx: OperationContext, call: S3Call, bucket: string): Promise<S3Result> {
  const args = listArgs(call.query);
  const marker = call.query.get("marker") ?? "";
  const page = await ctx.store.listPage(bucket, { prefix: args.prefix, delimiter: args.delimiter, after: marker || undefined, maxKeys: args.maxKeys });
  return xmlResult(xml.listObjectsV1Xml(page, { bucket, ...args, marker, owner: ctx.owner }));
}

function listArgs(q: URLSearchParams): ListArgs {
  const encoding = q.get("encoding-type");
  if (encoding !== null && encoding !== "url") throw invalidArgument("encoding-type", encoding, "Invalid Encoding Method specified in Request");
  const delimiter = q.get("delimiter");
  return {
    prefix: q.get("prefix") ?? "",
    delimiter: delimiter === null || delimiter === "" ? undefined : delimiter,
    maxKeys: intParam(q, "max-keys", 1000, 0, 1000),
    encodingUrl: encoding === "url",
  };
}

/** An integer query parameter; values above `max` are clamped, as S3 clamps max-keys (and max-parts, max-uploads). */
export function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^-?\d{1,10}$/.test(raw) || Number(raw) < min) {
    throw invalidArgument(name, raw, `Provided ${name} not an integer or within integer range (it must be at least ${min}).`);
  }
  return Math.min(Number(raw), max);
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ a: after }), "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { a?: unknown };
    if (typeof parsed.a === "string") return parsed.a;
  } catch {
    // fall through to the error
  }
  throw invalidArgument("continuation-token", token, "The continuation token provided is incorrect");
}
