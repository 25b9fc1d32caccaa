/**
 * The small XML bodies of bucket and multipart requests (CreateBucket,
 * DeleteObjects, CompleteMultipartUpload): read whole, bounded, and verified
 * like any streamed payload before a byte of them is believed.
 */
import { AwsError } from "../http/errors";
import { XmlSyntaxError, parseXml, type XmlNode } from "../http/xml-parse";
import type { S3Call } from "./call";
import { createHasher, type ChecksumAlgorithm } from "./checksums";
import { malformedXml } from "./errors";
import { payloadHashOf, preparePayload } from "./payload";

const MAX_XML_BODY = 4 * 1024 * 1024;

export async function readSmallBody(call: S3Call): Promise<Buffer> {
  const payload = preparePayload(call.body, call.headers, payloadHashOf(call.headers, call.query, call.auth), call.chunkSigner);
  // MD5 always: a Content-MD5 header is checked by `verify` from this digest.
  const algs = [...new Set<ChecksumAlgorithm | "MD5">(["MD5", ...payload.algorithms, ...payload.verifyDigests])];
  const hashers = new Map(algs.map((a) => [a, createHasher(a)] as const));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_XML_BODY) throw new AwsError("MaxMessageLengthExceeded", `Your request was too big (XML bodies are limited to ${MAX_XML_BODY} bytes).`, 400);
    for (const h of hashers.values()) h.update(chunk);
    chunks.push(chunk);
  }
  payload.verify({ size, digests: new Map([...hashers].map(([a, h]) => [a, h.digest()] as const)) });
  return Buffer.concat(chunks);
}

/** The body's root element, which must be `rootName`; anything unparsable is S3's MalformedXML. */
export function parseXmlBody(body: Buffer, rootName: string): XmlNode {
  let root: XmlNode;
  try {
    root = parseXml(body.toString("utf8"));
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw malformedXml(err.message);
    throw err;
  }
  if (root.name !== rootName) throw malformedXml(`the root element must be ${rootName}, not ${root.name}`);
  return root;
}
