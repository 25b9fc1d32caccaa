/** S3's XML response documents, element for element as S3 writes them. */
import { S3_NAMESPACE, escapeXml, xmlDocument, xmlElement, xmlElements } from "../http/xml";
import type { BucketInfo } from "./fs-store";
import type { ListPage } from "./listing";
import type { PartRecord, UploadInfo } from "./multipart";
import { primaryChecksum, type ObjectRecord } from "./object-file";
import type { ChecksumAlgorithm } from "./checksums";

export interface Owner {
  id: string;
  displayName: string;
}

/** S3 ISO timestamps carry milliseconds. */
export function isoMillis(iso: string): string {
  return new Date(iso).toISOString();
}

function ownerXml(owner: Owner): string {
  return xmlElement("Owner", xmlElements([["ID", owner.id], ["DisplayName", owner.displayName]]), true);
}

export function listBucketsXml(buckets: BucketInfo[], owner: Owner): string {
  const items = buckets
    .map((b) => xmlElement("Bucket", xmlElements([["Name", b.name], ["CreationDate", isoMillis(b.createdAt)], ["BucketRegion", b.region]]), true))
    .join("");
  return xmlDocument("ListAllMyBucketsResult", ownerXml(owner) + xmlElement("Buckets", items, true), S3_NAMESPACE);
}

/** `encoding-type=url`: keys percent-encoded as S3 does (space as "+", "/" kept). */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+").replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function contentsXml(r: ObjectRecord, encode: (s: string) => string, owner?: Owner): string {
  const primary = primaryChecksum(r);
  return xmlElement(
    "Contents",
    xmlElements([
      ["Key", encode(r.key)],
      ["LastModified", isoMillis(r.lastModified)],
      ["ETag", r.etag],
      ["ChecksumAlgorithm", primary],
      ["ChecksumType", primary ? (r.checksumType ?? "FULL_OBJECT") : undefined],
      ["Size", r.size],
    ]) +
      (owner ? ownerXml(owner) : "") +
      xmlElement("StorageClass", "STANDARD"),
    true,
  );
}

export interface ListV2Args {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  encodingUrl: boolean;
  owner?: Owner;
}

export function listObjectsV2Xml(page: ListPage, a: ListV2Args): string {
  const enc = a.encodingUrl ? urlEncodeKey : (s: string) => s;
  const inner =
    xmlElements([
      ["Name", a.bucket],
      ["Prefix", enc(a.prefix)],
      ["Delimiter", a.delimiter === undefined ? undefined : enc(a.delimiter)],
      ["MaxKeys", a.maxKeys],
      ["EncodingType", a.encodingUrl ? "url" : undefined],
      ["KeyCount", page.contents.length + page.commonPrefixes.length],
      ["IsTruncated", page.isTruncated],
      ["ContinuationToken", a.continuationToken],
      ["NextContinuationToken", a.nextContinuationToken],
      ["StartAfter", a.startAfter === undefined ? undefined : enc(a.startAfter)],
    ]) +
    page.contents.map((r) => contentsXml(r, enc, a.owner)).join("") +
    page.commonPrefixes.map((p) => xmlElement("CommonPrefixes", xmlElement("Prefix", enc(p)), true)).join("");
  return xmlDocument("ListBucketResult", inner, S3_NAMESPACE);
}

export interface ListV1Args {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  marker: string;
  encodingUrl: boolean;
  owner: Owner;
}

export function listObjectsV1Xml(page: ListPage, a: ListV1Args): string {
  const enc = a.encodingUrl ? urlEncodeKey : (s: string) => s;
  const inner =
    xmlElements([
      ["Name", a.bucket],
      ["Prefix", enc(a.prefix)],
      ["Marker", enc(a.marker)],
      // S3 returns NextMarker only when a delimiter was given; otherwise clients use the last key.
      ["NextMarker", a.delimiter !== undefined && page.isTruncated && page.last !== undefined ? enc(page.last) : undefined],
      ["Delimiter", a.delimiter === undefined ? undefined : enc(a.delimiter)],
      ["MaxKeys", a.maxKeys],
      ["EncodingType", a.encodingUrl ? "url" : undefined],
      ["IsTruncated", page.isTruncated],
    ]) +
    page.contents.map((r) => contentsXml(r, enc, a.owner)).join("") +
    page.commonPrefixes.map((p) => xmlElement("CommonPrefixes", xmlElement("Prefix", enc(p)), true)).join("");
  return xmlDocument("ListBucketResult", inner, S3_NAMESPACE);
}

function checksumElements(checksums: Partial<Record<ChecksumAlgorithm, string>>, type?: string): Array<[string, string | undefined]> {
  const entries = Object.entries(checksums) as Array<[ChecksumAlgorithm, string]>;
  if (entries.length === 0) return [];
  const [alg, value] = entries[0];
  return [[`Checksum${alg}`, value], ["ChecksumType", type]];
}

export function initiateMultipartXml(u: UploadInfo): string {
  return xmlDocument(
    "InitiateMultipartUploadResult",
    xmlElements([["Bucket", u.bucket], ["Key", u.key], ["UploadId", u.uploadId]]),
    S3_NAMESPACE,
  );
}

export function completeMultipartXml(location: string, bucket: string, r: ObjectRecord): string {
  return xmlDocument(
    "CompleteMultipartUploadResult",
    xmlElements([["Location", location], ["Bucket", bucket], ["Key", r.key], ["ETag", r.etag], ...checksumElements(r.checksums, r.checksumType)]),
    S3_NAMESPACE,
  );
}

export interface ListPartsArgs {
  upload: UploadInfo;
  parts: PartRecord[];
  marker: number;
  maxParts: number;
  isTruncated: boolean;
  owner: Owner;
}

export function listPartsXml(a: ListPartsArgs): string {
  const u = a.upload;
  const last = a.parts[a.parts.length - 1];
  const inner =
    xmlElements([
      ["Bucket", u.bucket],
      ["Key", u.key],
      ["UploadId", u.uploadId],
      ["PartNumberMarker", a.marker],
      ["NextPartNumberMarker", last ? last.partNumber : undefined],
      ["MaxParts", a.maxParts],
      ["IsTruncated", a.isTruncated],
      ["StorageClass", "STANDARD"],
      ["ChecksumAlgorithm", u.checksumAlgorithm],
      ["ChecksumType", u.checksumAlgorithm ? u.checksumType : undefined],
    ]) +
    xmlElement("Initiator", xmlElements([["ID", a.owner.id], ["DisplayName", a.owner.displayName]]), true) +
    ownerXml(a.owner) +
    a.parts
      .map((p) =>
        xmlElement(
          "Part",
          xmlElements([
            ["PartNumber", p.partNumber],
            ["LastModified", isoMillis(p.lastModified)],
            ["ETag", p.etag],
            ["Size", p.size],
            ...checksumElements(p.checksums).slice(0, 1),
          ]),
          true,
        ),
      )
      .join("");
  return xmlDocument("ListPartsResult", inner, S3_NAMESPACE);
}

export function listUploadsXml(bucket: string, uploads: UploadInfo[], prefix: string, maxUploads: number, isTruncated: boolean, owner: Owner): string {
  const last = uploads[uploads.length - 1];
  const inner =
    xmlElements([
      ["Bucket", bucket],
      ["KeyMarker", ""],
      ["UploadIdMarker", ""],
      ["NextKeyMarker", isTruncated && last ? last.key : undefined],
      ["NextUploadIdMarker", isTruncated && last ? last.uploadId : undefined],
      ["Prefix", prefix],
      ["MaxUploads", maxUploads],
      ["IsTruncated", isTruncated],
    ]) +
    uploads
      .map((u) =>
        xmlElement(
          "Upload",
          xmlElements([["Key", u.key], ["UploadId", u.uploadId]]) +
            xmlElement("Initiator", xmlElements([["ID", owner.id], ["DisplayName", owner.displayName]]), true) +
            ownerXml(owner) +
            xmlElements([
              ["StorageClass", "STANDARD"],
              ["Initiated", isoMillis(u.initiated)],
              ["ChecksumAlgorithm", u.checksumAlgorithm],
              ["ChecksumType", u.checksumAlgorithm ? u.checksumType : undefined],
            ]),
          true,
        ),
      )
      .join("");
  return xmlDocument("ListMultipartUploadsResult", inner, S3_NAMESPACE);
}

export interface DeleteResultEntry {
  key: string;
  error?: { code: string; message: string };
}

export function deleteResultXml(entries: DeleteResultEntry[], quiet: boolean): string {
  const inner = entries
    .filter((e) => !quiet || e.error)
    .map((e) =>
      e.error
        ? xmlElement("Error", xmlElements([["Key", e.key], ["Code", e.error.code], ["Message", e.error.message]]), true)
        : xmlElement("Deleted", xmlElement("Key", e.key), true),
    )
    .join("");
  return xmlDocument("DeleteResult", inner, S3_NAMESPACE);
}

export function copyObjectXml(r: ObjectRecord): string {
  return xmlDocument(
    "CopyObjectResult",
    xmlElements([["LastModified", isoMillis(r.lastModified)], ["ETag", r.etag], ...checksumElements(r.checksums, r.checksumType)]),
    S3_NAMESPACE,
  );
}

export function locationXml(region: string): string {
  // us-east-1 buckets report an empty LocationConstraint, as on S3.
  return xmlDocument("LocationConstraint", region === "us-east-1" ? "" : escapeXml(region), S3_NAMESPACE);
}
