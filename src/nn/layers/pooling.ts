/**
 * Max pooling (the ImageNet stem's 3x3/2) and global average pooling.
 *
 * Max-pool backward scatters the output gradient to the argmax positions:
 * ONNX MaxPool's indices are flat over N*C*H*W, so one ScatterElements with
 * reduction "add" over the flattened input does it (overlapping windows may
 * pick the same input twice). The indices exist only in NCHW, so on the fast
 * path the training graph reorders around this one layer.
 */
import type { Value } from "../graph/builder";
import type { ConvGeometry } from "../graph/ops";
import { actOf, type Act, type Ctx } from "./context";

export interface PoolSpec {
  k: number;
  stride: number;
  pad: number;
}

function geometry(s: PoolSpec): ConvGeometry {
  return { kernel: [s.k, s.k], strides: [s.stride, s.stride], pads: [s.pad, s.pad, s.pad, s.pad] };
}

export interface MaxPoolSaved {
  x: Act;
  indices: Value;
  y: Act;
}

export function maxPoolTrainForward(ctx: Ctx, x: Act, s: PoolSpec): { y: Act; saved: MaxPoolSaved } {
  const { o } = ctx;
  const nchw = ctx.fast ? o.reorderOutput(x.v, x.c) : x.v;
  const [y4, indices] = o.maxPoolWithIndices(nchw, geometry(s));
  const y = actOf(ctx, ctx.fast ? o.reorderInput(y4, ctx.block) : y4, x.c);
  return { y, saved: { x, indices, y } };
}

export function maxPoolInferForward(ctx: Ctx, x: Act, s: PoolSpec): Act {
  const { o } = ctx;
  return actOf(ctx, ctx.fast ? o.nchwcMaxPool(x.v, geometry(s)) : o.maxPool(x.v, geometry(s)), x.c);
}

export function maxPoolBackward(ctx: Ctx, s: MaxPoolSaved, dy: Act): Act {
  const { o, g } = ctx;
  const dyNchw = ctx.fast ? o.reorderOutput(dy.v, dy.c) : dy.v;
  const size = ctx.n * s.x.c * s.x.h * s.x.w;
  const zeros = g.node("ConstantOfShape", [g.ints([size])], [{ type: "float", shape: [size] }])[0];
  const flat = o.scatterElementsAdd(zeros, o.reshape(s.indices, [-1]), o.reshape(dyNchw, [-1]), 0);
  const dx4 = o.reshape(flat, [ctx.n, s.x.c, s.x.h, s.x.w]);
  return actOf(ctx, ctx.fast ? o.reorderInput(dx4, ctx.block) : dx4, s.x.c);
}

/** [N, C] means over H, W; in the blocked layout [N, C/b, 1, 1, b] is already [N, C] in channel order. */
export function globalAvgPoolForward(ctx: Ctx, x: Act): Value {
  const { o } = ctx;
  const pooled = ctx.fast ? o.nchwcGlobalAveragePool(x.v) : o.globalAveragePool(x.v);
  return o.reshape(pooled, [0, x.c]);
}

export function globalAvgPoolBackward(ctx: Ctx, x: Act, dpooled: Value): Act {
  const { o, g } = ctx;
  const b = ctx.block;
  const perChannel = ctx.fast ? o.reshape(dpooled, [0, x.c / b, 1, 1, b]) : o.reshape(dpooled, [0, x.c, 1, 1]);
  const scaled = o.mul(perChannel, g.scalar(1 / (x.h * x.w)));
  if (!ctx.fast) return { ...x, v: o.expand(scaled, [ctx.n, x.c, x.h, x.w]) };
  return { ...x, v: o.reshape(o.expand(scaled, [ctx.n, x.c / b, x.h, x.w, b]), [ctx.n, x.c, x.h, x.w]) };
}
