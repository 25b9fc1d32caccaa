import { describe, expect, it } from "vitest";
import { localPathFor } from "../../../src/local/containers/channels";
import { joinKey, parseS3Uri, relativeKey } from "../../../src/local/containers/s3-uri";

describe("S3 locations", () => {
  it("parses s3:// and the https forms the API accepts", () => {
    expect(parseS3Uri("s3://bucket/a/b")).toEqual({ bucket: "bucket", key: "a/b" });
    expect(parseS3Uri("s3://bucket")).toEqual({ bucket: "bucket", key: "" });
    expect(parseS3Uri("https://s3.amazonaws.com/bucket/a%20b")).toEqual({ bucket: "bucket", key: "a b" });
    expect(parseS3Uri("https://s3.us-west-2.amazonaws.com/bucket/k")).toEqual({ bucket: "bucket", key: "k" });
    expect(parseS3Uri("https://bucket.s3.eu-west-1.amazonaws.com/k/l")).toEqual({ bucket: "bucket", key: "k/l" });
    expect(parseS3Uri("ftp://bucket/k")).toBeUndefined();
  });

  it("keeps the path of an object below the prefix that selected it", () => {
    expect(relativeKey("data/train/", "data/train/a/b.rec")).toBe("a/b.rec");
    expect(relativeKey("data/train", "data/train/a/b.rec")).toBe("a/b.rec");
    expect(relativeKey("data/tr", "data/train/b.rec")).toBe("train/b.rec");
    expect(relativeKey("data/train/x.rec", "data/train/x.rec")).toBe("x.rec");
    expect(relativeKey("", "top.rec")).toBe("top.rec");
  });

  it("joins output prefixes with and without a trailing slash", () => {
    expect(joinKey("out", "a.out")).toBe("out/a.out");
    expect(joinKey("out/", "a.out")).toBe("out/a.out");
    expect(joinKey("", "a.out")).toBe("a.out");
  });

  it("refuses keys that would leave the channel directory", () => {
    expect(localPathFor("/data/ch", "a/b", "s3://b/a/b")).toBe("/data/ch/a/b");
    expect(() => localPathFor("/data/ch", "../evil", "s3://b/../evil")).toThrow(/cannot be stored below \/data\/ch/);
  });
});
