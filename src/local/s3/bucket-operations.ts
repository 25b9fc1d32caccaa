/**
 * The bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation and GetBucketVersioning. Listing a bucket's objects lives
 * in list-operations.ts, DeleteObjects with the other object writes.
 */
import { AwsError } from "../http/errors";
import { childText } from "../http/xml-parse";
import { S3_NAMESPACE, xmlDocument } from "../http/xml";
import { xmlResult, type OperationContext, type S3Call, type S3Result } from "./call";
import type { BucketInfo } from "./fs-store";
import { bucketNameProblem } from "./names";
import { parseXmlBody, readSmallBody } from "./request-body";
import * as xml from "./responses";

export async function listBuckets(ctx: OperationContext): Promise<S3Result> {
  return xmlResult(xml.listBucketsXml(await ctx.store.listBuckets(), ctx.owner));
}

export async function createBucket(ctx: OperationContext, call: S3Call, bucket: string): Promise<S3Result> {
  const problem = bucketNameProblem(bucket);
  if (problem) throw new AwsError("InvalidBucketName", `The specified bucket is not valid: ${problem}.`, 400, { BucketName: bucket });
  const body = await readSmallBody(call);
  let constraint: string | undefined;
  if (body.length > 0) {
    const root = parseXmlBody(body, "CreateBucketConfiguration");
    constraint = childText(root, "LocationConstraint")?.trim() || undefined;
  }
  const region = ctx.region;
  if (region === "us-east-1") {
    if (constraint === "us-east-1") {
      throw new AwsError("InvalidLocationConstraint", "The specified location-constraint is not valid (in us-east-1, omit LocationConstraint).", 400, { LocationConstraint: constraint });
    }
    if (constraint !== undefined) throw illegalLocation(constraint, region);
  } else if (constraint !== region) {
    throw illegalLocation(constraint, region);
  }
  const created = await ctx.store.createBucketIfAbsent(bucket, region);
  // us-east-1 keeps S3's legacy answer: re-creating your own bucket there succeeds.
  if (!created && region !== "us-east-1") {
    throw new AwsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409, { BucketName: bucket });
  }
  return { status: 200, headers: { location: `/${bucket}` } };
}

export async function headBucket(ctx: OperationContext, bucket: string): Promise<S3Result> {
  const info = existingBucket(ctx, bucket);
  return { status: 200, headers: { "x-amz-bucket-region": info.region, "x-amz-access-point-alias": "false" } };
}

export async function deleteBucket(ctx: OperationContext, bucket: string): Promise<S3Result> {
  await ctx.store.deleteBucket(bucket);
  await ctx.uploads.removeAllFor(bucket);
  return { status: 204, headers: {} };
}

export async function getBucketLocation(ctx: OperationContext, bucket: string): Promise<S3Result> {
  return xmlResult(xml.locationXml(existingBucket(ctx, bucket).region));
}

export async function getBucketVersioning(ctx: OperationContext, bucket: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  return xmlResult(xmlDocument("VersioningConfiguration", "", S3_NAMESPACE));
}

function existingBucket(ctx: OperationContext, bucket: string): BucketInfo {
  const info = ctx.store.bucketInfo(bucket);
  if (!info) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });
  return info;
}

function illegalLocation(constraint: string | undefined, region: string): AwsError {
  return new AwsError(
    "IllegalLocationConstraintException",
    `The ${constraint ?? "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to (the local S3 is in ${region}${region === "us-east-1" ? "; omit LocationConstraint" : `; use LocationConstraint ${region}`}).`,
    400,
  );
}
