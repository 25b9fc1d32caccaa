/**
 * Convs on maps smaller than their kernel (input H*W < k*k: the 3x3 convs on
 * the 2x2 maps of ResNet-18's last stage at 64x64), fast path, weights in the
 * "gemm" format [K, O] with K = (c-block, kh, kw, lane). ONNX Runtime's NCHWc
 * conv runs such maps at a quarter of its usual rate, and its input gradient
 * would need the weights flipped (a 9 MB gather per step at 512 channels).
 * Here forward, weight gradient and input gradient are one GEMM each with the
 * im2col matrix col [N*P', K] (P' output positions; taps outside the map read
 * a zero row): Y = col W, dW = col^T dY, dcol = dY W^T, and dcol is folded
 * back onto the input positions by gathering, for each, the (output
 * position, tap) rows that read it, and summing them.
 */

import type { Value } from "../graph/builder";
import { actOf, type Act, type Ctx } from "./context";
import type { ConvGrads, ConvSpec } from "./conv";
import { col2rowIndices, im2rowIndices } from "./im2col";

export function tinyMapForward(ctx: Ctx, x: Act, w: Value, s: ConvSpec): Act {
  const { o } = ctx;
  const b = ctx.block;
  const [ho, wo] = [outSize(x.h, s), outSize(x.w, s)];
  const y = o.matmul(tinyMapCol(ctx, x, s, ho, wo), o.reshape(w, [s.cin * s.k * s.k, s.cout]));
  // [N, P', O] -> blocked [N, O/b, P', b]
  const blocked = o.transpose(o.reshape(y, [0, ho * wo, s.cout / b, b]), [0, 2, 1, 3]);
  return actOf(ctx, o.reshape(blocked, [0, s.cout, ho, wo]), s.cout);
}

export function tinyMapBackward(ctx: Ctx, x: Act, w: Value, dy: Act, s: ConvSpec, opts: { inputGrad: boolean; accumulate?: Act }): ConvGrads {
  const { g, o } = ctx;
  const n = ctx.n;
  const b = ctx.block;
  const q = dy.h * dy.w;
  const kSize = s.cin * s.k * s.k;
  const col = o.reshape(tinyMapCol(ctx, x, s, dy.h, dy.w), [n * q, kSize]);
  const dyM = o.reshape(o.transpose(o.reshape(dy.v, [n, s.cout / b, q, b]), [0, 2, 1, 3]), [n * q, s.cout]);
  const dw = o.reshape(o.gemm(col, dyM, null, { transA: true }), [s.cout, s.cin, s.k, s.k]);
  if (!opts.inputGrad) return { dw };
  const outer = kSize / b;
  const dcol = o.gemm(dyM, o.reshape(w, [kSize, s.cout]), null, { transB: true });
  // Rows of b lanes, one zero row after each sample's: the target of the padding slots.
  const rows = o.pad(o.reshape(dcol, [n, q * outer, b]), [0, 0, 0, 0, 1, 0]);
  const geo = { c: x.c / b, h: x.h, w: x.w, ho: dy.h, wo: dy.w, k: s.k, stride: s.stride, pad: s.pad };
  const fold = col2rowIndices(geo);
  const idx = g.cachedConstant(`col2row:${JSON.stringify(geo)}`, () => g.constant(fold.index, "int32", [geo.c, x.h * x.w, fold.readers], "col2row_idx"));
  const summed = o.reduceSum(o.gather(rows, idx, 1), [3], false);
  const dx = o.reshape(summed, [n, s.cin, x.h, x.w]);
  return { dx: actOf(ctx, opts.accumulate ? o.add(dx, opts.accumulate.v) : dx, s.cin), dw };
}

/** im2col of a blocked activation, per sample: [N, P', K], K = (c-block, kh, kw, lane). */
function tinyMapCol(ctx: Ctx, x: Act, s: ConvSpec, ho: number, wo: number): Value {
  const { g, o } = ctx;
  const b = ctx.block;
  const geo = { c: x.c / b, h: x.h, w: x.w, ho, wo, k: s.k, stride: s.stride, pad: s.pad };
  const outer = geo.c * s.k * s.k;
  // One zero row after each sample's rows: the target of every out-of-map tap.
  const rows = o.pad(o.reshape(x.v, [0, geo.c * x.h * x.w, b]), [0, 0, 0, 0, 1, 0]);
  const idx = g.cachedConstant(`im2row:${JSON.stringify(geo)}:1`, () => g.constant(im2rowIndices(geo, 1), "int32", [ho * wo, outer], "im2row_idx"));
  return o.reshape(o.gather(rows, idx, 1), [0, ho * wo, outer * b]);
}

function outSize(size: number, s: ConvSpec): number {
  return Math.floor((size + 2 * s.pad - s.k) / s.stride) + 1;
}
