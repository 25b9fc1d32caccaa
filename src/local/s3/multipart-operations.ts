/**
 * The multipart upload operations over the MultipartStore (multipart.ts):
 * Create, UploadPart, Complete, Abort, ListParts and ListMultipartUploads.
 */
import { AwsError } from "../http/errors";
import { childText, childrenNamed } from "../http/xml-parse";
import { xmlResult, type OperationContext, type S3Call, type S3Result } from "./call";
import { CHECKSUM_ALGORITHMS, checksumHeader, compositeChecksum, parseChecksumAlgorithm, type ChecksumAlgorithm } from "./checksums";
import { invalidArgument, malformedXml, toS3Error } from "./errors";
import { intParam } from "./list-operations";
import { MAX_PART_NUMBER, noSuchUpload, type CompletedPart, type UploadInfo } from "./multipart";
import { echoChecksum, systemHeaders, userMetadata } from "./object-headers";
import { payloadHashOf, preparePayload } from "./payload";
import { parseXmlBody, readSmallBody } from "./request-body";
import * as xml from "./responses";

export async function createUpload(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  const algHeader = call.headers["x-amz-checksum-algorithm"];
  const alg = algHeader === undefined ? undefined : parseChecksumAlgorithm(algHeader);
  if (algHeader !== undefined && !alg) {
    throw new AwsError("InvalidRequest", `x-amz-checksum-algorithm "${algHeader.slice(0, 40)}" is not one of ${CHECKSUM_ALGORITHMS.join(", ")}.`, 400);
  }
  const typeHeader = call.headers["x-amz-checksum-type"]?.toUpperCase();
  if (typeHeader !== undefined && typeHeader !== "COMPOSITE" && typeHeader !== "FULL_OBJECT") {
    throw new AwsError("InvalidRequest", `x-amz-checksum-type must be COMPOSITE or FULL_OBJECT (got "${typeHeader.slice(0, 40)}").`, 400);
  }
  const type = (typeHeader ?? (alg === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE")) as UploadInfo["checksumType"];
  if (alg && type === "FULL_OBJECT" && (alg === "SHA1" || alg === "SHA256")) {
    throw new AwsError("InvalidRequest", `The FULL_OBJECT checksum type cannot be used with the ${alg} checksum algorithm.`, 400);
  }
  if (alg === "CRC64NVME" && type === "COMPOSITE") {
    throw new AwsError("InvalidRequest", "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.", 400);
  }
  const upload = await ctx.uploads.create({
    bucket,
    key,
    contentType: call.headers["content-type"],
    metadata: userMetadata(call.headers),
    headers: systemHeaders(call.headers),
    checksumAlgorithm: alg,
    checksumType: type,
  });
  const headers: Record<string, string> = {};
  if (alg) {
    headers["x-amz-checksum-algorithm"] = alg;
    headers["x-amz-checksum-type"] = type;
  }
  return xmlResult(xml.initiateMultipartXml(upload), headers);
}

export async function uploadPart(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  const raw = call.query.get("partNumber") ?? "";
  const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(partNumber >= 1 && partNumber <= MAX_PART_NUMBER)) {
    throw invalidArgument("partNumber", raw, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
  }
  const upload = await requireUpload(ctx, call, bucket, key);
  const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
  const part = await ctx.uploads.uploadPart(upload, partNumber, {
    body: payload.body,
    algorithms: payload.algorithms,
    verifyDigests: payload.verifyDigests,
    verify: payload.verify,
  });
  const headers: Record<string, string> = { etag: part.etag };
  const echo = payload.clientAlgorithm ?? upload.checksumAlgorithm;
  if (echo && part.checksums[echo]) headers[checksumHeader(echo)] = part.checksums[echo]!;
  return { status: 200, headers };
}

export async function completeUpload(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  const upload = await requireUpload(ctx, call, bucket, key);
  const root = parseXmlBody(await readSmallBody(call), "CompleteMultipartUpload");
  const parts: CompletedPart[] = childrenNamed(root, "Part").map((p) => {
    const num = childText(p, "PartNumber")?.trim() ?? "";
    const etag = childText(p, "ETag")?.trim();
    if (!/^\d{1,5}$/.test(num) || !etag) throw malformedXml("every Part needs a PartNumber (1-10000) and an ETag");
    const checksums: CompletedPart["checksums"] = {};
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = childText(p, `Checksum${a}`)?.trim();
      if (v) checksums[a] = v;
    }
    return { partNumber: Number(num), etag, checksums };
  });
  const expected = expectedWholeChecksum(call.headers, upload, parts);
  const record = await ctx.uploads.complete(upload, parts, expected);
  const location = `${ctx.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  return xmlResult(xml.completeMultipartXml(location, bucket, record), echoChecksum(record, upload.checksumAlgorithm));
}

export async function abortUpload(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  await ctx.uploads.abort(await requireUpload(ctx, call, bucket, key));
  return { status: 204, headers: {} };
}

export async function listParts(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<S3Result> {
  const upload = await requireUpload(ctx, call, bucket, key);
  const maxParts = intParam(call.query, "max-parts", 1000, 0, 1000);
  const marker = intParam(call.query, "part-number-marker", 0, 0, MAX_PART_NUMBER);
  const all = (await ctx.uploads.listParts(upload)).filter((p) => p.partNumber > marker);
  const parts = all.slice(0, maxParts);
  return xmlResult(xml.listPartsXml({ upload, parts, marker, maxParts, isTruncated: all.length > parts.length, owner: ctx.owner }));
}

export async function listUploads(ctx: OperationContext, call: S3Call, bucket: string): Promise<S3Result> {
  ctx.store.requireBucket(bucket);
  const prefix = call.query.get("prefix") ?? "";
  const maxUploads = intParam(call.query, "max-uploads", 1000, 0, 1000);
  const keyMarker = call.query.get("key-marker") ?? "";
  const idMarker = call.query.get("upload-id-marker") ?? "";
  const all = (await ctx.uploads.listUploads(bucket))
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1))
    .filter((u) => !keyMarker || u.key > keyMarker || (u.key === keyMarker && idMarker !== "" && u.uploadId > idMarker));
  const page = all.slice(0, maxUploads);
  return xmlResult(xml.listUploadsXml(bucket, page, prefix, maxUploads, all.length > page.length, ctx.owner));
}

/** A whole-object checksum sent with Complete: a FULL_OBJECT CRC, or a COMPOSITE value checked against the parts. */
function expectedWholeChecksum(headers: Record<string, string>, upload: UploadInfo, parts: CompletedPart[]): { alg: ChecksumAlgorithm; value: string } | undefined {
  for (const a of CHECKSUM_ALGORITHMS) {
    const v = headers[checksumHeader(a)];
    if (v === undefined) continue;
    if (!v.includes("-")) return { alg: a, value: v };
    const given = parts.map((p) => p.checksums[a]);
    if (upload.checksumAlgorithm === a && given.every((g): g is string => g !== undefined) && compositeChecksum(a, given) !== v) {
      throw new AwsError("BadDigest", `The ${a} you specified for the multipart object did not match the checksum of its parts.`, 400);
    }
  }
  return undefined;
}

/** The upload named by ?uploadId, which must belong to this bucket and key. */
async function requireUpload(ctx: OperationContext, call: S3Call, bucket: string, key: string): Promise<UploadInfo> {
  ctx.store.requireBucket(bucket);
  const id = call.query.get("uploadId") ?? "";
  const upload = await ctx.uploads.get(id, bucket, key);
  if (!upload) throw toS3Error(noSuchUpload(id));
  return upload;
}
