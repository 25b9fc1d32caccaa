/**
 * Cropping and augmentation of training images, written straight into an
 * NCHW float batch. Follows the algorithm's documented augmentation_type:
 *   none                  centre crop
 *   crop                  random crop + random horizontal flip
 *   crop_color            + random hue/saturation/lightness shifts in
 *                           [-36, 36] (OpenCV hue units, half degrees), [-50, 50], [-50, 50] (0-255 scale)
 *   crop_color_transform  + rotation up to 10 degrees, shear up to 0.1, aspect-ratio change up to 0.25
 * All randomness comes from the SeededRandom given, so a seed fixes the result.
 */
import type { SeededRandom } from "../../formats/seeded-random";
import type { AugmentationType } from "./hyperparameters";
import type { RawImage } from "./images";

export const AUGMENTATION_LIMITS = { hue: 36, saturation: 50, lightness: 50, rotateDegrees: 10, shear: 0.1, aspect: 0.25 } as const;
/** Where an affine transform maps outside the image (MXNet's fill_value). */
const FILL = 255;

export interface AugmentParams {
  top: number;
  left: number;
  flip: boolean;
  /** Added to hue (half degrees), saturation and lightness (0-255), or null. */
  hsl: [number, number, number] | null;
  /** Inverse affine map from output offsets to source offsets around the crop centre, or null. */
  inverse: [number, number, number, number] | null;
}

/** Draws the random parameters for one image (centre crop when `type` is null). */
export function drawAugmentation(img: RawImage, height: number, width: number, type: AugmentationType | null, rng: SeededRandom | null): AugmentParams {
  const centre: AugmentParams = { top: (img.height - height) >> 1, left: (img.width - width) >> 1, flip: false, hsl: null, inverse: null };
  if (type === null || rng === null) return centre;
  const L = AUGMENTATION_LIMITS;
  const params: AugmentParams = {
    top: rng.int(0, img.height - height),
    left: rng.int(0, img.width - width),
    flip: rng.next() < 0.5,
    hsl: null,
    inverse: null,
  };
  if (type === "crop_color" || type === "crop_color_transform") {
    params.hsl = [rng.uniform(-L.hue, L.hue), rng.uniform(-L.saturation, L.saturation), rng.uniform(-L.lightness, L.lightness)];
  }
  if (type === "crop_color_transform") {
    const angle = (rng.uniform(-L.rotateDegrees, L.rotateDegrees) * Math.PI) / 180;
    const shear = rng.uniform(-L.shear, L.shear);
    const ratio = 1 + rng.uniform(-L.aspect, L.aspect);
    // Forward map A = R(angle) * [[1, shear], [0, 1]] * diag(ws, hs) with hs * ws keeping the area.
    const hs = 2 / (1 + ratio);
    const ws = ratio * hs;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const a = [cos * ws, (cos * shear - sin) * hs, sin * ws, (sin * shear + cos) * hs];
    const det = a[0] * a[3] - a[1] * a[2];
    params.inverse = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
  }
  return params;
}

/** OpenCV-style HLS shift of one RGB pixel (values 0-255), in place in `px`. */
export function shiftHls(px: number[] | Float64Array, dh: number, ds: number, dl: number): void {
  const r = px[0] / 255;
  const g = px[1] / 255;
  const b = px[2] / 255;
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  let l = (max + min) / 2;
  let s = 0;
  let h = 0;
  const d = max - min;
  if (d > 0) {
    s = l < 0.5 ? d / (max + min) : d / (2 - max - min);
    h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h *= 60;
  }
  h = (((h + 2 * dh) % 360) + 360) % 360;
  s = s + ds / 255;
  s = s < 0 ? 0 : s > 1 ? 1 : s;
  l = l + dl / 255;
  l = l < 0 ? 0 : l > 1 ? 1 : l;
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const hh = h / 360;
  px[0] = Math.round(hueToRgb(p, q, hh + 1 / 3) * 255);
  px[1] = Math.round(hueToRgb(p, q, hh) * 255);
  px[2] = Math.round(hueToRgb(p, q, hh - 1 / 3) * 255);
}

function hueToRgb(p: number, q: number, t: number): number {
  if (t < 0) t += 1;
  else if (t >= 1) t -= 1;
  if (t < 1 / 6) return p + (q - p) * 6 * t;
  if (t < 1 / 2) return q;
  if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
  return p;
}

/** Writes the height x width crop of `img` described by `p` into slot `slot` of an NCHW batch. */
export function writeAugmented(img: RawImage, height: number, width: number, p: AugmentParams, batch: Float32Array, slot: number): void {
  const { data, channels } = img;
  const W = img.width;
  const H = img.height;
  const plane = width * height;
  const base = slot * channels * plane;
  const halfW = (width - 1) / 2;
  const halfH = (height - 1) / 2;
  const cx = p.left + halfW;
  const cy = p.top + halfH;
  const px = new Float64Array(3);
  const inv = p.inverse;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ox = p.flip ? width - 1 - x : x;
      if (inv) {
        // Bilinear sample at the source position of this output pixel; outside the image reads FILL.
        const u = ox - halfW;
        const v = y - halfH;
        const sx = cx + inv[0] * u + inv[1] * v;
        const sy = cy + inv[2] * u + inv[3] * v;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const inX0 = x0 >= 0 && x0 < W;
        const inX1 = x0 + 1 >= 0 && x0 + 1 < W;
        const inY0 = y0 >= 0 && y0 < H;
        const inY1 = y0 + 1 >= 0 && y0 + 1 < H;
        const i00 = (y0 * W + x0) * channels;
        const i10 = i00 + channels;
        const i01 = i00 + W * channels;
        const i11 = i01 + channels;
        for (let c = 0; c < channels; c++) {
          const v00 = inX0 && inY0 ? data[i00 + c] : FILL;
          const v10 = inX1 && inY0 ? data[i10 + c] : FILL;
          const v01 = inX0 && inY1 ? data[i01 + c] : FILL;
          const v11 = inX1 && inY1 ? data[i11 + c] : FILL;
          px[c] = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
        }
      } else {
        const src = ((p.top + y) * W + p.left + ox) * channels;
        for (let c = 0; c < channels; c++) px[c] = data[src + c];
      }
      if (p.hsl && channels === 3) shiftHls(px, p.hsl[0], p.hsl[1], p.hsl[2]);
      else if (p.hsl) px[0] = Math.min(255, Math.max(0, px[0] + p.hsl[2]));
      const o = base + y * width + x;
      for (let c = 0; c < channels; c++) batch[o + c * plane] = px[c];
    }
  }
}
