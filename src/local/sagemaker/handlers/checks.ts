/** Checks the Create operations share, beyond what the shape tables express. */
import { ImageNotRegisteredError, ImageRegistryFileError } from "../../containers/registry";
import { objectsUnder } from "../../containers/channels";
import { parseS3Uri, type S3Location } from "../../containers/s3-uri";
import type { LocalSageMaker } from "../backend";
import { validationException } from "../json/errors";

/** A feature the local SageMaker cannot honour: refused rather than silently ignored. */
export function unsupported(member: string, why: string): never {
  throw validationException(`The local SageMaker does not support ${member}: ${why}`);
}

/** The image must have a local program (see src/local/containers/registry.ts). */
export function checkImage(b: LocalSageMaker, uri: string): void {
  try {
    b.runner.registry.resolve(uri);
  } catch (e) {
    if (e instanceof ImageNotRegisteredError || e instanceof ImageRegistryFileError) throw validationException(e.message);
    throw e;
  }
}

export function s3Location(uri: string, member: string): S3Location {
  const loc = parseS3Uri(uri);
  if (!loc) throw validationException(`${member} "${uri}" is not an S3 location; use s3://bucket/prefix.`);
  return loc;
}

/** SageMaker's own words when an input prefix selects nothing. */
export async function checkInputPrefix(b: LocalSageMaker, uri: string, member: string, roleArn?: string): Promise<void> {
  const loc = s3Location(uri, member);
  for await (const _ of objectsUnder(b.ctx.store, loc)) return;
  throw validationException(
    `No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region (${b.ctx.region}), ` +
      `that objects exist under that S3 prefix${roleArn ? `, and that the role "${roleArn}" has "s3:ListBucket" permissions on bucket "${loc.bucket}"` : ""}.`,
  );
}

export async function checkOutputBucket(b: LocalSageMaker, uri: string, member: string): Promise<void> {
  const loc = s3Location(uri, member);
  if (!(await b.ctx.store.bucketExists(loc.bucket))) {
    throw validationException(`The S3 bucket "${loc.bucket}" of ${member} "${uri}" does not exist in ${b.ctx.region}. Create the bucket first (S3 CreateBucket), then retry.`);
  }
}

/** The members of `source` that the Describe response declares, so that Describe echoes what Create stored. */
export function echo(source: object, members: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) {
    const v = (source as Record<string, unknown>)[m];
    if (v !== undefined) out[m] = v;
  }
  return out;
}
