/**
 * "The server still serves": the unauthenticated health probe, a signed
 * S3 listing, a known object read back byte for byte and, when one is given,
 * an endpoint still InService.
 */
import * as crypto from "node:crypto";
import { GetObjectCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import type { Clients, ServerAddress } from "./clients";
import { sendRaw } from "./raw-http";

export interface Sentinel {
  bucket: string;
  key: string;
  md5: string;
}

export const md5Hex = (data: Uint8Array | string): string => crypto.createHash("md5").update(data).digest("hex");

/** What is wrong with the server, one line per problem; empty when it serves. */
export async function serverProblems(server: ServerAddress, clients: Clients, sentinel: Sentinel, endpoint?: string): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, check: () => Promise<string | undefined>) => {
    try {
      const problem = await check();
      if (problem) problems.push(`${what}: ${problem}`);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  };
  await attempt("health", async () => {
    const res = await sendRaw(server, { method: "GET", path: "/_local/health" }, 5000);
    return res.status === 200 && (JSON.parse(res.text) as { status?: string }).status === "ok" ? undefined : `${res.status} ${res.text}`;
  });
  await attempt("ListBuckets", async () => {
    const list = await clients.s3.send(new ListBucketsCommand({}));
    return list.Buckets?.some((b) => b.Name === sentinel.bucket) ? undefined : `bucket ${sentinel.bucket} is not listed`;
  });
  await attempt("sentinel object", async () => {
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: sentinel.bucket, Key: sentinel.key }));
    const md5 = md5Hex(await got.Body!.transformToByteArray());
    return md5 === sentinel.md5 ? undefined : `MD5 ${md5}, expected ${sentinel.md5}`;
  });
  if (endpoint) {
    await attempt("DescribeEndpoint", async () => {
      const ep = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
      return ep.EndpointStatus === "InService" ? undefined : `endpoint ${endpoint} is ${ep.EndpointStatus}`;
    });
  }
  return problems;
}
