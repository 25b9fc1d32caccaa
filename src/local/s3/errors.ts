/** S3 errors as S3 answers them over HTTP: the store's and multipart errors converted, and the ones the wire layer raises itself. */
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

export function noSuchKey(key: string): AwsError {
  return new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
}

export function malformedXml(detail: string): AwsError {
  return new AwsError("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema (${detail}).`, 400);
}

export function notImplemented(message: string): AwsError {
  return new AwsError("NotImplemented", `A header or query you provided requested a function that is not implemented. ${message}`, 501);
}

export function methodNotAllowed(method: string, what: string, allowed: string[]): AwsError {
  return new AwsError("MethodNotAllowed", `The specified method is not allowed against this resource (${method} on ${what}).`, 405, { Method: method, ResourceType: what }, { allow: allowed.join(", ") });
}

export function invalidArgument(name: string, value: string, message: string): AwsError {
  return new AwsError("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value.slice(0, 200) });
}

export function preconditionFailed(condition: string): AwsError {
  return new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: condition });
}
