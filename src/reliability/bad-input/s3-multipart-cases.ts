/** Bad input to S3's multipart uploads: unknown uploads, part numbers, ETags, order, sizes, XML. */
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { awsMessage, rawOutcome, sdkOutcome } from "../outcome";
import { sendSigned } from "../raw-http";
import type { BadInputCase, CaseContext } from "./case";
import { absent } from "./s3-helpers";

async function upload(ctx: CaseContext, key: string, parts: Buffer[]): Promise<{ uploadId: string; etags: string[] }> {
  const created = await ctx.clients.s3.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: key }));
  const etags: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = await ctx.clients.s3.send(new UploadPartCommand({ Bucket: ctx.bucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: parts[i] }));
    etags.push(part.ETag!);
  }
  return { uploadId: created.UploadId!, etags };
}

export const s3MultipartCases: BadInputCase[] = [
  {
    id: "s3.multipart.no-such-upload",
    area: "s3",
    sends: "UploadPart to an upload id that does not exist",
    via: "sdk",
    expect: { status: 404, type: "NoSuchUpload", message: /^The specified upload does not exist/ },
    run: (ctx) => sdkOutcome(ctx.clients.s3.send(new UploadPartCommand({ Bucket: ctx.bucket, Key: "mp/none", UploadId: "no-such-upload", PartNumber: 1, Body: "x" }))),
  },
  {
    id: "s3.multipart.part-number-zero",
    area: "s3",
    sends: "UploadPart with part number 0",
    via: "sdk",
    expect: { status: 400, type: "InvalidArgument", message: /Part number must be an integer between 1 and 10000/ },
    run: async (ctx) => {
      const created = await ctx.clients.s3.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: "mp/zero" }));
      return sdkOutcome(ctx.clients.s3.send(new UploadPartCommand({ Bucket: ctx.bucket, Key: "mp/zero", UploadId: created.UploadId, PartNumber: 0, Body: "x" })));
    },
  },
  {
    id: "s3.multipart.wrong-etag",
    area: "s3",
    sends: "CompleteMultipartUpload naming a part with an ETag it does not have",
    via: "sdk",
    expect: { status: 400, type: "InvalidPart", message: /^One or more of the specified parts could not be found/ },
    run: async (ctx) => {
      const { uploadId } = await upload(ctx, "mp/wrong-etag", [Buffer.from("part one")]);
      return sdkOutcome(
        ctx.clients.s3.send(
          new CompleteMultipartUploadCommand({ Bucket: ctx.bucket, Key: "mp/wrong-etag", UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }] } }),
        ),
      );
    },
    leftovers: (ctx) => absent(ctx, "mp/wrong-etag"),
  },
  {
    id: "s3.multipart.parts-out-of-order",
    area: "s3",
    sends: "CompleteMultipartUpload listing part 2 before part 1",
    via: "sdk",
    expect: { status: 400, type: "InvalidPartOrder", message: /^The list of parts was not in ascending order/ },
    run: async (ctx) => {
      const big = Buffer.alloc(5 * 1024 * 1024, 1);
      const { uploadId, etags } = await upload(ctx, "mp/order", [big, Buffer.from("tail")]);
      return sdkOutcome(
        ctx.clients.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: ctx.bucket,
            Key: "mp/order",
            UploadId: uploadId,
            MultipartUpload: { Parts: [{ PartNumber: 2, ETag: etags[1] }, { PartNumber: 1, ETag: etags[0] }] },
          }),
        ),
      );
    },
    leftovers: (ctx) => absent(ctx, "mp/order"),
  },
  {
    id: "s3.multipart.part-too-small",
    area: "s3",
    sends: "CompleteMultipartUpload of two 10-byte parts (every part but the last must be >= 5 MiB)",
    via: "sdk",
    expect: { status: 400, type: "EntityTooSmall", message: awsMessage("Your proposed upload is smaller than the minimum allowed object size.") },
    run: async (ctx) => {
      const { uploadId, etags } = await upload(ctx, "mp/small", [Buffer.from("0123456789"), Buffer.from("0123456789")]);
      return sdkOutcome(
        ctx.clients.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: ctx.bucket,
            Key: "mp/small",
            UploadId: uploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
          }),
        ),
      );
    },
    leftovers: (ctx) => absent(ctx, "mp/small"),
  },
  {
    id: "s3.multipart.malformed-xml",
    area: "s3",
    sends: "CompleteMultipartUpload with a body that is not XML (raw HTTP)",
    via: "raw-http",
    expect: { status: 400, type: "MalformedXML", message: awsMessage("The XML you provided was not well-formed or did not validate against our published schema") },
    run: async (ctx) => {
      const { uploadId } = await upload(ctx, "mp/xml", [Buffer.from("x")]);
      return rawOutcome(await sendSigned(ctx.server, { method: "POST", path: `/${ctx.bucket}/mp/xml`, query: { uploadId }, body: "<CompleteMultipartUpload><Part>" }, { service: "s3" }));
    },
    leftovers: (ctx) => absent(ctx, "mp/xml"),
  },
  {
    id: "s3.multipart.missing-member",
    area: "s3",
    sends: "CompleteMultipartUpload whose Part has no ETag member (raw HTTP)",
    via: "raw-http",
    expect: { status: 400, type: "MalformedXML" },
    run: async (ctx) => {
      const { uploadId } = await upload(ctx, "mp/no-etag", [Buffer.from("x")]);
      const body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>";
      return rawOutcome(await sendSigned(ctx.server, { method: "POST", path: `/${ctx.bucket}/mp/no-etag`, query: { uploadId }, body }, { service: "s3" }));
    },
    leftovers: (ctx) => absent(ctx, "mp/no-etag"),
  },
];
