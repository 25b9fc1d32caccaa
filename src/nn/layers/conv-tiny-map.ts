/**
 * Convs on maps smaller than their kernel (input H*W < k*k: the 3x3 convs on
 * the 2x2 maps of ResNet-18's last stage at 64x64), on both paths. Both
 * runtimes' convs do badly there: ONNX Runtime's NCHWc conv runs such maps at
 * a quarter of its usual rate and its input gradient needs the weights
 * flipped (a 9 MB gather per step at 512 channels); the standard Conv and
 * ConvTranspose run one GEMM per image with 4 columns. Here forward, weight
 * gradient and input gradient are one GEMM each over the whole batch with the
 * im2col matrix col [N*P', K] (P' output positions; taps outside the map read
 * a zero row): Y = col W, dW = col^T dY, dcol = dY W^T, and dcol is folded
 * back onto the input positions by gathering, for each, the (output
 * position, tap) rows that read it, and summing them.
 *
 * Rows are the b channel lanes of a pixel on the fast path and single values
 * on the portable path (b = 1), so K = (c-block, kh, kw, lane) is (c, kh, kw)
 * there. The fast path keeps W as [K, O] (the "gemm" weight format); the
 * portable path keeps OIHW, which is W^T as [O, K], and transposes in the GEMMs.
 */

import type { Value } from "../graph/builder";
import { actOf, type Act, type Ctx } from "./context";
import type { ConvGrads, ConvSpec } from "./conv";
import { col2rowIndices, im2rowIndices } from "./im2col";

export function tinyMapForward(ctx: Ctx, x: Act, w: Value, s: ConvSpec): Act {
  const { o } = ctx;
  const b = ctx.block;
  const [ho, wo] = [outSize(x.h, s), outSize(x.w, s)];
  const kSize = s.cin * s.k * s.k;
  const col = tinyMapCol(ctx, x, s, ho, wo);
  let y: Value;
  if (ctx.fast) y = o.matmul(col, o.reshape(w, [kSize, s.cout]));
  else if (typeof ctx.batch === "number") {
    const flat = o.gemm(o.reshape(col, [ctx.batch * ho * wo, kSize]), o.reshape(w, [s.cout, kSize]), null, { transB: true });
    y = o.reshape(flat, [ctx.batch, ho * wo, s.cout]);
  }
  // Evaluation graphs (any batch size): MatMul takes the 3-D col, Gemm would need it flattened.
  else y = o.matmul(col, o.transpose(o.reshape(w, [s.cout, kSize]), [1, 0]));
  // [N, P', O] -> blocked [N, O/b, P', b] (NCHW when b = 1)
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
  const dw = o.reshape(ctx.fast ? o.gemm(col, dyM, null, { transA: true }) : o.gemm(dyM, col, null, { transA: true }), [s.cout, s.cin, s.k, s.k]);
  if (!opts.inputGrad) return { dw };
  const outer = kSize / b;
  const dcol = ctx.fast ? o.gemm(dyM, o.reshape(w, [kSize, s.cout]), null, { transB: true }) : o.gemm(dyM, o.reshape(w, [s.cout, kSize]), null);
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
