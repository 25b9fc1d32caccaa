/**
 * Pixel normalisation inside the graphs: images arrive as pixels in [0, 255];
 * x = (pixel/255 - mean) / std per channel, ImageNet mean/std for 3 channels,
 * 0.5/0.5 otherwise.
 */
import type { Value } from "../graph/builder";
import type { Ctx } from "./context";

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

export function normalisation(channels: number): { mean: number[]; std: number[] } {
  if (channels === 3) return { mean: IMAGENET_MEAN, std: IMAGENET_STD };
  return { mean: new Array(channels).fill(0.5), std: new Array(channels).fill(0.5) };
}

export function normalizePixels(ctx: Ctx, pixels: Value, channels: number): Value {
  const { o, g } = ctx;
  const { mean, std } = normalisation(channels);
  const scale = g.constant(Float32Array.from(std.map((s) => 1 / (255 * s))), "float", [1, channels, 1, 1], "pixel_scale");
  const shift = g.constant(Float32Array.from(mean.map((m, i) => -m / std[i])), "float", [1, channels, 1, 1], "pixel_shift");
  return o.add(o.mul(pixels, scale), shift);
}
