/**
 * The verifier against AWS's own published SigV4 streaming example (S3
 * documentation, "Signature Calculations for the Authorization Header:
 * Transferring Payload in Multiple Chunks"): the seed signature and every
 * chunk signature must come out exactly as AWS computed them.
 */
import { describe, expect, it } from "vitest";
import { AuthFailure } from "../../../src/local/auth/failures";
import { SigV4Verifier } from "../../../src/local/auth/verify";
import type { SigV4Params } from "../../../src/local/auth/sigv4-params";

const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const params: SigV4Params = {
  presigned: false,
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  scopeDate: "20130524",
  region: "us-east-1",
  service: "s3",
  signedHeaders: ["content-encoding", "content-length", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length", "x-amz-storage-class"],
  signature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
  amzDate: "20130524T000000Z",
};
const request = {
  method: "PUT",
  rawPath: "/examplebucket/chunkObject.txt",
  query: [] as Array<[string, string]>,
  headers: {
    host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "content-length": "66824",
  },
};
const verifier = new SigV4Verifier(credentials, "us-east-1", () => Date.UTC(2013, 4, 24, 0, 5));

describe("AWS's published STREAMING-AWS4-HMAC-SHA256-PAYLOAD example", () => {
  it("accepts the example's seed signature", async () => {
    await expect(verifier.verify(request, params, undefined)).resolves.toBeUndefined();
    expect(verifier.checkScope(params).toISOString()).toBe("2013-05-24T00:00:00.000Z");
  });

  it("refuses the seed signature when one signed header changes", async () => {
    const changed = { ...request, headers: { ...request.headers, "x-amz-storage-class": "STANDARD" } };
    await expect(verifier.verify(changed, params, undefined)).rejects.toBeInstanceOf(AuthFailure);
  });

  it("chains the chunk signatures exactly as AWS does", async () => {
    const chunks = verifier.chunkSigner(params);
    expect(await chunks.chunk(Buffer.alloc(65536, "a"))).toBe("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
    expect(await chunks.chunk(Buffer.alloc(1024, "a"))).toBe("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
    expect(await chunks.chunk(Buffer.alloc(0))).toBe("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
  });

  it("refuses the example when the server clock is more than 15 minutes away", () => {
    const late = new SigV4Verifier(credentials, "us-east-1", () => Date.UTC(2013, 4, 24, 0, 16));
    expect(() => late.checkScope(params)).toThrow(/Signature expired: 20130524T000000Z is now earlier than 20130524T000100Z/);
  });
});
