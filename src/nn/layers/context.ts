/**
 * What every layer emitter works with: the graph, the layout, and activations
 * in the layout's channel view (see layout.ts).
 */
import type { Dim } from "../onnx/model";
import { GraphBuilder, NCHWC_DOMAIN, type Value } from "../graph/builder";
import { Ops } from "../graph/ops";
import { channelParamShape, type Layout } from "../layout";

export class Ctx {
  readonly o: Ops;
  constructor(
    readonly g: GraphBuilder,
    readonly layout: Layout,
    /** Batch dimension: a number in training graphs, a symbol ("N") in evaluation graphs. */
    readonly batch: Dim,
  ) {
    this.o = new Ops(g);
  }

  get block(): number {
    return this.layout.kind === "fast" ? this.layout.block : 1;
  }

  get fast(): boolean {
    return this.layout.kind === "fast";
  }

  /** Batch size as a number; only training graphs (fixed batch) may ask. */
  get n(): number {
    if (typeof this.batch !== "number") throw new Error("internal: fixed batch size required");
    return this.batch;
  }
}

/**
 * An activation: `v` is [N, C, H, W] (portable, or the plain image) or the
 * blocked channel view [N, C/b, H, W, b] (fast).
 */
export interface Act {
  v: Value;
  c: number;
  h: number;
  w: number;
  /** Plain NCHW even on the fast path (the normalised image). */
  plain: boolean;
}

/**
 * Per-channel sum over N, H, W (of x, or of x squared), in the layout's
 * per-channel shape. Reduced in two steps, first over H*W then over N: each
 * step hits one of ONNX Runtime's fast reduction patterns, while reducing the
 * non-adjacent axes N, H, W at once takes its generic path (about 5x slower).
 * Squares are taken by a Mul: ReduceSumSquare has no fast path (3x slower).
 */
export function channelSum(ctx: Ctx, x: Act, square = false): Value {
  const { o } = ctx;
  const v = square ? o.mul(x.v, x.v) : x.v;
  const view = ctx.fast ? o.reshape(v, [0, x.c / ctx.block, x.h * x.w, ctx.block]) : o.reshape(v, [0, x.c, x.h * x.w]);
  return o.reshape(o.reduceSum(o.reduceSum(view, [2]), [0]), channelParamShape(ctx.layout, x.c));
}

export function actShape(ctx: Ctx, c: number, h: number, w: number): Dim[] {
  if (!ctx.fast) return [ctx.batch, c, h, w];
  return [ctx.batch, c / ctx.block, h, w, ctx.block];
}

/** 4-D tensor for a conv-like op: NCHW, or blocked [N, C, H, W] (same bytes as the channel view). */
export function to4d(ctx: Ctx, a: Act): Value {
  if (!ctx.fast || a.plain) return a.v;
  return ctx.o.reshape(a.v, [0, a.c, a.h, a.w]);
}

export function from4d(ctx: Ctx, v4: Value, c: number): Act {
  const h = v4.shape[2] as number;
  const w = v4.shape[3] as number;
  if (!ctx.fast) return { v: v4, c, h, w, plain: false };
  if (c % ctx.block !== 0) throw new Error(`fast path: ${c} channels is not a multiple of the NCHWc block ${ctx.block}`);
  return { v: ctx.o.reshape(v4, [0, c / ctx.block, h, w, ctx.block]), c, h, w, plain: false };
}

export function withValue(a: Act, v: Value): Act {
  return { ...a, v };
}

/**
 * y = x * scale + shift (+ sum) (then ReLU), per channel, in one pass over x.
 * `scale`, `shift` have the layout's per-channel shape.
 *
 * portable: ONNX BatchNormalization in inference mode (mean 0, var 1, eps 0)
 * is exactly a per-channel affine map in one kernel.
 * fast: a 1x1 depthwise NCHWc conv (weights = scale, bias = shift) does the
 * same in the blocked layout, with the sum and the ReLU fused into the kernel.
 */
export function affine(ctx: Ctx, x: Act, scale: Value, shift: Value | null, opts: { relu?: boolean; sum?: Value } = {}): Act {
  const { g, o } = ctx;
  if (!ctx.fast) {
    const c = x.c;
    const vec = (v: Value) => o.reshape(v, [c]);
    const zeros = g.cachedConstant(`zeros:${c}`, () => g.constant(new Float32Array(c), "float", [c], "zeros"));
    const ones = g.cachedConstant(`ones:${c}`, () => g.constant(new Float32Array(c).fill(1), "float", [c], "ones"));
    let y = g.node("BatchNormalization", [x.v, vec(scale), shift ? vec(shift) : zeros, zeros, ones], [{ type: "float", shape: x.v.shape }], {
      epsilon: { f: 0 },
    })[0];
    if (opts.sum) y = o.add(y, opts.sum);
    if (opts.relu) y = o.relu(y);
    return withValue(x, y);
  }
  const c = x.c;
  const w = o.reshape(scale, [c, 1, 1, 1]);
  const b = shift ? o.reshape(shift, [c]) : null;
  const x4 = to4d(ctx, x);
  const inputs = opts.sum ? [x4, w, b, o.reshape(opts.sum, [0, c, x.h, x.w])] : [x4, w, b];
  const attrs: Record<string, import("../onnx/model").Attr> = {
    kernel_shape: { ints: [1, 1] },
    group: { i: c },
  };
  if (opts.relu) attrs.activation = { s: "Relu" };
  const y4 = g.node("Conv", inputs, [{ type: "float", shape: x4.shape }], attrs, NCHWC_DOMAIN)[0];
  return from4d(ctx, y4, c);
}

/** A per-channel parameter value fed in the layout's per-channel shape. */
export function channelParamInput(ctx: Ctx, name: string, c: number): Value {
  return ctx.g.input(name, "float", channelParamShape(ctx.layout, c));
}
