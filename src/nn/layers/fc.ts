/** Fully connected layer: logits = x W^T + b, W is [out, in] like torch/MXNet. */
import type { Value } from "../graph/builder";
import type { Ctx } from "./context";

export function fcForward(ctx: Ctx, x: Value, w: Value, b: Value): Value {
  return ctx.o.gemm(x, w, b, { transB: true });
}

export function fcBackward(ctx: Ctx, x: Value, w: Value, dy: Value): { dx: Value; dw: Value; db: Value } {
  const { o } = ctx;
  return {
    dx: o.matmul(dy, w),
    dw: o.gemm(dy, x, null, { transA: true }),
    db: o.reduceSum(dy, [0], false),
  };
}
