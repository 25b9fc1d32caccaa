/**
 * The local S3's REST API (path-style): routes an authenticated request to
 * its operation and answers like S3, in S3's XML. Bodies stream from the
 * socket through decoding and verification into the store; nothing is
 * committed before every check passed. The operations themselves live in
 * bucket-, object-, list- and multipart-operations.ts.
 */
import * as crypto from "node:crypto";
import { AwsError } from "../http/errors";
import * as buckets from "./bucket-operations";
import type { OperationContext, S3Call, S3Context, S3Result } from "./call";
import { invalidArgument, methodNotAllowed, notImplemented, toS3Error } from "./errors";
import * as lists from "./list-operations";
import * as multipart from "./multipart-operations";
import * as objects from "./object-operations";

export type { S3Call, S3Context, S3Result } from "./call";

/** Sub-resources the local S3 does not implement; named in the error so the client knows which. */
const UNSUPPORTED_SUBRESOURCES = [
  "acl", "policy", "cors", "lifecycle", "tagging", "encryption", "website", "logging", "notification", "replication",
  "ownershipControls", "publicAccessBlock", "object-lock", "versions", "accelerate", "requestPayment", "analytics",
  "metrics", "inventory", "intelligent-tiering", "torrent", "legal-hold", "retention", "attributes", "restore", "select",
  "policyStatus", "partNumber", "versionId",
];

export class S3Handler {
  private readonly ctx: OperationContext;

  constructor(ctx: S3Context) {
    this.ctx = { ...ctx, owner: { id: crypto.createHash("sha256").update(`local-sagemaker:${ctx.accountId}`).digest("hex"), displayName: "local" } };
  }

  async handle(call: S3Call): Promise<S3Result> {
    const { bucket, key } = splitPath(call.rawPath);
    try {
      if (bucket === undefined) {
        if (call.method === "GET") return await buckets.listBuckets(this.ctx);
        throw methodNotAllowed(call.method, "the service", ["GET"]);
      }
      if (key === undefined) return await this.bucketOperation(call, bucket);
      return await this.objectOperation(call, bucket, key);
    } catch (err) {
      throw toS3Error(err, { bucket, key });
    }
  }

  private bucketOperation(call: S3Call, bucket: string): Promise<S3Result> {
    const q = call.query;
    const ctx = this.ctx;
    rejectUnsupported(q);
    switch (call.method) {
      case "PUT":
        return buckets.createBucket(ctx, call, bucket);
      case "HEAD":
        return buckets.headBucket(ctx, bucket);
      case "DELETE":
        return buckets.deleteBucket(ctx, bucket);
      case "GET":
        if (q.has("uploads")) return multipart.listUploads(ctx, call, bucket);
        if (q.has("location")) return buckets.getBucketLocation(ctx, bucket);
        if (q.has("versioning")) return buckets.getBucketVersioning(ctx, bucket);
        if (q.get("list-type") === "2") return lists.listObjectsV2(ctx, call, bucket);
        if (q.has("list-type")) throw invalidArgument("list-type", q.get("list-type")!, "list-type must be 2 (ListObjectsV2) or absent (ListObjects).");
        return lists.listObjectsV1(ctx, call, bucket);
      case "POST":
        if (q.has("delete")) return objects.deleteObjects(ctx, call, bucket);
        throw notImplemented("POST on a bucket (browser form uploads) is not supported by the local S3; use PutObject.");
      default:
        throw methodNotAllowed(call.method, "a bucket", ["GET", "PUT", "HEAD", "DELETE", "POST"]);
    }
  }

  private objectOperation(call: S3Call, bucket: string, key: string): Promise<S3Result> {
    const q = call.query;
    const ctx = this.ctx;
    rejectUnsupported(q, q.has("uploadId") ? ["partNumber"] : []);
    switch (call.method) {
      case "PUT":
        if (q.has("uploadId")) {
          if (call.headers["x-amz-copy-source"] !== undefined) throw notImplemented("UploadPartCopy is not supported by the local S3; upload the part's bytes with UploadPart.");
          return multipart.uploadPart(ctx, call, bucket, key);
        }
        if (call.headers["x-amz-copy-source"] !== undefined) return objects.copyObject(ctx, call, bucket, key);
        return objects.putObject(ctx, call, bucket, key);
      case "GET":
        if (q.has("uploadId")) return multipart.listParts(ctx, call, bucket, key);
        return objects.getObject(ctx, call, bucket, key, false);
      case "HEAD":
        return objects.getObject(ctx, call, bucket, key, true);
      case "DELETE":
        if (q.has("uploadId")) return multipart.abortUpload(ctx, call, bucket, key);
        return objects.deleteObject(ctx, bucket, key);
      case "POST":
        if (q.has("uploads")) return multipart.createUpload(ctx, call, bucket, key);
        if (q.has("uploadId")) return multipart.completeUpload(ctx, call, bucket, key);
        throw notImplemented("POST on an object is only CreateMultipartUpload (?uploads) or CompleteMultipartUpload (?uploadId) in the local S3.");
      default:
        throw methodNotAllowed(call.method, "an object", ["GET", "PUT", "HEAD", "DELETE", "POST"]);
    }
  }
}

function rejectUnsupported(q: URLSearchParams, allowed: string[] = []): void {
  const name = UNSUPPORTED_SUBRESOURCES.find((s) => q.has(s) && !allowed.includes(s));
  if (name) throw notImplemented(`The "${name}" sub-resource is not implemented by the local S3.`);
}

function splitPath(rawPath: string): { bucket?: string; key?: string } {
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (path === "") return {};
  const slash = path.indexOf("/");
  const rawBucket = slash < 0 ? path : path.slice(0, slash);
  const rawKey = slash < 0 ? "" : path.slice(slash + 1);
  try {
    const bucket = decodeURIComponent(rawBucket);
    return { bucket, key: rawKey === "" ? undefined : decodeURIComponent(rawKey) };
  } catch {
    throw new AwsError("InvalidURI", "Couldn't parse the specified URI (invalid percent-encoding in the bucket or key).", 400, { URI: rawPath.slice(0, 200) });
  }
}
