import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { checkImage, readImageFile } from "../../src/tutorial/inference";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-inference-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const pixels = () => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 10, b: 10 } } });

describe("checkImage", () => {
  it("accepts JPEG and PNG and reports their size", async () => {
    expect(await checkImage(await pixels().jpeg().toBuffer(), "a.jpg")).toEqual({ format: "jpeg", width: 40, height: 30 });
    expect(await checkImage(await pixels().png().toBuffer(), "a.png")).toEqual({ format: "png", width: 40, height: 30 });
  });

  it("refuses other image types, saying what they are and how to convert", async () => {
    await expect(checkImage(await pixels().webp().toBuffer(), "a.webp")).rejects.toThrow(/a\.webp is webp; .* takes JPEG or PNG .*sharp\(bytes\)\.jpeg\(\)/);
  });

  it("refuses bytes that are no image, and empty payloads", async () => {
    await expect(checkImage(Buffer.from("hello, world"), "text.txt")).rejects.toThrow(/text\.txt is not an image sharp can read/);
    await expect(checkImage(new Uint8Array(0), "empty.jpg")).rejects.toThrow(/empty\.jpg is empty/);
  });

  it("reads an image file, or says the file cannot be read", async () => {
    const dir = fs.mkdtempSync(path.join(TMP, "images-"));
    const file = path.join(dir, "t.jpg");
    await pixels().jpeg().toFile(file);
    const { bytes, image } = await readImageFile(file);
    expect(bytes.length).toBe(fs.statSync(file).size);
    expect(image.format).toBe("jpeg");
    await expect(readImageFile(path.join(dir, "missing.jpg"))).rejects.toThrow(/cannot read .*missing\.jpg \(ENOENT\)/);
  });
});
