/**
 * Tensor layouts of the two execution paths.
 *
 * portable: activations NCHW, conv weights OIHW.
 * fast:     ONNX Runtime's blocked NCHWc layout with block b: a 4-D tensor
 *           [N, C, H, W] holds its data as [N, C/b, H, W, b]. Conv weights are
 *           stored permanently in the kernels' filter formats:
 *           OIHWBiBo = [O/b][I/b][kh][kw][bi][bo], or OIHWBo = [O/b][I][kh][kw][bo]
 *           for a conv whose input is plain NCHW with fewer than b channels
 *           (the image).
 *           A conv on a map smaller than its kernel (H*W < k*k) runs as
 *           GEMMs instead (see layers/conv.ts) and holds its weights as the
 *           GEMM's [K, O] matrix, K = (I/b, kh, kw, bi): the im2col order.
 * Per-channel vectors (BN parameters and statistics) are [C] in both.
 */

export type Layout = { readonly kind: "portable" } | { readonly kind: "fast"; readonly block: number };

export const PORTABLE: Layout = { kind: "portable" };

export function fastLayout(block: number): Layout {
  if (block !== 8 && block !== 16) throw new Error(`NCHWc block size must be 8 or 16, not ${block}`);
  return { kind: "fast", block };
}

/**
 * How the fast path holds a conv's weights: "image" (OIHWBo, the conv reads
 * the plain image), "gemm" ([K, O], the conv's input map is smaller than its
 * kernel) or "blocked" (OIHWBiBo). The portable path ignores it (OIHW).
 */
export type ConvWeightFormat = "blocked" | "image" | "gemm";

/** The format of a conv's weights from what it reads: the image, or a map of H x W. */
export function convWeightFormat(input: { h: number; w: number; plain: boolean }, k: number): ConvWeightFormat {
  if (input.plain) return "image";
  return input.h * input.w < k * k ? "gemm" : "blocked";
}

/** OIHW -> the layout's filter format (the shape stays [O, I, k, k]; only the order of the data differs). */
export function convWeightToLayout(layout: Layout, w: Float32Array, o: number, i: number, k: number, format: ConvWeightFormat): Float32Array {
  if (layout.kind === "portable") return w.slice();
  return permuteConvWeight(w, o, i, k, layout.block, format, true);
}

/** The layout's filter format -> OIHW. */
export function convWeightFromLayout(layout: Layout, w: Float32Array, o: number, i: number, k: number, format: ConvWeightFormat): Float32Array {
  if (layout.kind === "portable") return w.slice();
  return permuteConvWeight(w, o, i, k, layout.block, format, false);
}

/** Flat offset of OIHW element (oc, ic, kh, kw) inside the [K, O] GEMM format. */
export function gemmWeightOffset(oc: number, ic: number, kh: number, kw: number, o: number, k: number, b: number): number {
  return ((((Math.floor(ic / b) * k + kh) * k + kw) * b + (ic % b)) * o) + oc;
}

/** Flat offset of OIHW element (oc, ic, kh, kw) inside the blocked filter format. */
export function blockedWeightOffset(oc: number, ic: number, kh: number, kw: number, i: number, k: number, b: number, plainInput: boolean): number {
  const ob = Math.floor(oc / b);
  const bo = oc % b;
  if (plainInput) return (((ob * i + ic) * k + kh) * k + kw) * b + bo;
  const ib = Math.floor(ic / b);
  const bi = ic % b;
  const iBlocks = i / b;
  return (((((ob * iBlocks + ib) * k + kh) * k + kw) * b + bi) * b) + bo;
}

function permuteConvWeight(w: Float32Array, o: number, i: number, k: number, b: number, format: ConvWeightFormat, toBlocked: boolean): Float32Array {
  const plainInput = format === "image";
  if (o % b !== 0 || (!plainInput && i % b !== 0)) {
    throw new Error(`conv weight ${o}x${i}x${k}x${k}: channels must be multiples of the NCHWc block ${b}`);
  }
  const out = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let kh = 0; kh < k; kh++) {
        for (let kw = 0; kw < k; kw++) {
          const std = ((oc * i + ic) * k + kh) * k + kw;
          const blk = format === "gemm" ? gemmWeightOffset(oc, ic, kh, kw, o, k, b) : blockedWeightOffset(oc, ic, kh, kw, i, k, b, plainInput);
          if (toBlocked) out[blk] = w[std];
          else out[std] = w[blk];
        }
      }
    }
  }
  return out;
}
