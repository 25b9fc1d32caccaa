/** The store's and multipart errors as S3 answers them over HTTP. */
import { AwsError } from "../http/errors";
import { MultipartError } from "./multipart";
import { StoreError } from "./store-api";

const STORE_STATUS: Record<StoreError["code"], number> = {
  NoSuchBucket: 404,
  NoSuchKey: 404,
  InvalidBucketName: 400,
  KeyTooLongError: 400,
  InvalidArgument: 400,
  NoSpace: 507,
  BucketNotEmpty: 409,
  PreconditionFailed: 412,
  EntityTooLarge: 400,
};

const MULTIPART_STATUS: Record<MultipartError["code"], number> = {
  NoSuchUpload: 404,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  MalformedXML: 400,
  BadDigest: 400,
};

/** Converts store errors; anything else is returned unchanged. */
export function toS3Error(err: unknown, where: { bucket?: string; key?: string } = {}): unknown {
  if (err instanceof StoreError) {
    const fields: Record<string, string> = {};
    if ((err.code === "NoSuchBucket" || err.code === "InvalidBucketName" || err.code === "BucketNotEmpty") && where.bucket !== undefined) fields.BucketName = where.bucket;
    if ((err.code === "NoSuchKey" || err.code === "KeyTooLongError") && where.key !== undefined) fields.Key = where.key;
    // NoSpace is not an S3 code: the nearest HTTP meaning is 507, and its name says what happened.
    const code = err.code === "NoSpace" ? "InsufficientStorage" : err.code;
    const message =
      err.code === "NoSuchBucket" ? "The specified bucket does not exist" : err.code === "NoSuchKey" ? "The specified key does not exist." : err.message;
    return new AwsError(code, message, STORE_STATUS[err.code], fields);
  }
  if (err instanceof MultipartError) return new AwsError(err.code, err.message, MULTIPART_STATUS[err.code], err.fields);
  return err;
}
