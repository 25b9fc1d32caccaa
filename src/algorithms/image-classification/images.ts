/**
 * Image decoding with sharp into raw interleaved pixels (HWC, uint8), the
 * form the crop/augmentation code and the NCHW batch writer work on.
 */
import sharp from "sharp";

type Pipeline = ReturnType<typeof sharp>;

export interface RawImage {
  /** Interleaved rows: height x width x channels bytes. */
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

function pipeline(bytes: Uint8Array, channels: 1 | 3): Pipeline {
  // EXIF orientation applied, alpha dropped, grey or RGB as the model wants.
  const img = sharp(bytes).rotate().removeAlpha();
  return channels === 1 ? img.toColourspace("b-w") : img.toColourspace("srgb");
}

async function raw(img: Pipeline, channels: 1 | 3): Promise<RawImage> {
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`decoded ${info.channels} channels where ${channels} were expected`);
  return { data, width: info.width, height: info.height, channels };
}

/** Decodes an image at its own size. */
export function decodeImage(bytes: Uint8Array, channels: 1 | 3): Promise<RawImage> {
  return raw(pipeline(bytes, channels), channels);
}

/** Decodes and resizes to exactly width x height, ignoring the aspect ratio (the algorithm's inference preprocessing). */
export function decodeResized(bytes: Uint8Array, channels: 1 | 3, width: number, height: number): Promise<RawImage> {
  return raw(pipeline(bytes, channels).resize(width, height, { fit: "fill" }), channels);
}

/** Writes an image of exactly the batch's size into slot `slot` of an NCHW float batch. */
export function writeCHW(img: RawImage, batch: Float32Array, slot: number): void {
  const { data, width, height, channels } = img;
  const plane = width * height;
  const base = slot * channels * plane;
  for (let c = 0; c < channels; c++) {
    const out = base + c * plane;
    for (let i = 0; i < plane; i++) batch[out + i] = data[i * channels + c];
  }
}
