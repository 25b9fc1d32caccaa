/** What several S3 bad-input cases share. */
import * as crypto from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { sdkOutcome } from "../outcome";
import type { CaseContext } from "./case";

/** Problems when `key` exists in `bucket` (a refused write must leave nothing). */
export async function absent(ctx: CaseContext, key: string, bucket = ctx.bucket): Promise<string[]> {
  const head = await sdkOutcome(ctx.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return head.status === 404 ? [] : [`s3://${bucket}/${key} exists after the refused write (${head.status} ${head.type})`];
}

export const md5 = (data: string | Buffer): string => crypto.createHash("md5").update(data).digest("base64");
