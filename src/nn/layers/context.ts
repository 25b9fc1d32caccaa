/**
 * What every layer emitter works with: the graph, the layout, and activations
 * in the layout's channel view (see layout.ts).
 */
import type { Attr, Dim } from "../onnx/model";
import { GraphBuilder, NCHWC_DOMAIN, type Value } from "../graph/builder";
import { Ops } from "../graph/ops";
import type { Layout } from "../layout";

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
 * An activation: `v` is [N, C, H, W], in NCHW (portable path, and the plain
 * image) or holding the blocked NCHWc bytes [N, C/b, H, W, b] (fast path).
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
 * Per-channel sum over N, H, W (of x, or of x squared), as a [C] vector.
 * Reduced in two steps, first over H*W then over N: each step hits one of
 * ONNX Runtime's fast reduction patterns, while reducing the non-adjacent axes
 * N, H, W at once takes its generic path (about 5x slower). Squares are taken
 * by a Mul: ReduceSumSquare has no fast path (3x slower).
 */
export function channelSum(ctx: Ctx, x: Act, square = false): Value {
  const { o } = ctx;
  const v = square ? o.mul(x.v, x.v) : x.v;
  const view = ctx.fast ? o.reshape(v, [0, x.c / ctx.block, x.h * x.w, ctx.block]) : o.reshape(v, [0, x.c, x.h * x.w]);
  return o.reshape(o.reduceSum(o.reduceSum(view, [2]), [0]), [x.c]);
}

/** The activation a conv-like op produced ([N, C, H, W]). */
export function actOf(ctx: Ctx, v: Value, c: number): Act {
  if (ctx.fast && c % ctx.block !== 0) throw new Error(`fast path: ${c} channels is not a multiple of the NCHWc block ${ctx.block}`);
  return { v, c, h: v.shape[2] as number, w: v.shape[3] as number, plain: false };
}

export function withValue(a: Act, v: Value): Act {
  return { ...a, v };
}

/**
 * y = x * scale + shift (+ sum) (then ReLU), per channel, in one pass over x.
 * `scale`, `shift` are [C] vectors.
 *
 * portable: ONNX BatchNormalization in inference mode (mean 0, var 1, eps 0)
 * is exactly a per-channel affine map in one kernel.
 * fast: a 1x1 depthwise NCHWc conv (weights = scale, bias = shift) does the
 * same in the blocked layout, with the sum and the ReLU fused into the kernel.
 */
export function affine(ctx: Ctx, x: Act, scale: Value, shift: Value | null, opts: { relu?: boolean; sum?: Value } = {}): Act {
  const { g, o } = ctx;
  const c = x.c;
  if (!ctx.fast) {
    const zeros = g.cachedConstant(`zeros:${c}`, () => g.constant(new Float32Array(c), "float", [c], "zeros"));
    const ones = g.cachedConstant(`ones:${c}`, () => g.constant(new Float32Array(c).fill(1), "float", [c], "ones"));
    let y = g.node("BatchNormalization", [x.v, scale, shift ?? zeros, zeros, ones], [{ type: "float", shape: x.v.shape }], {
      epsilon: { f: 0 },
    })[0];
    if (opts.sum) y = o.add(y, opts.sum);
    if (opts.relu) y = o.relu(y);
    return withValue(x, y);
  }
  const inputs = [x.v, o.reshape(scale, [c, 1, 1, 1]), shift, ...(opts.sum ? [opts.sum] : [])];
  const attrs: Record<string, Attr> = { kernel_shape: { ints: [1, 1] }, group: { i: c } };
  if (opts.relu) attrs.activation = { s: "Relu" };
  return withValue(x, g.node("Conv", inputs, [{ type: "float", shape: x.v.shape }], attrs, NCHWC_DOMAIN)[0]);
}
