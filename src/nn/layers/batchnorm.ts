/**
 * Batch normalisation (optionally followed by ReLU), MXNet semantics:
 * training normalises with the batch statistics (biased variance) and moves
 * the running statistics with momentum 0.9; inference uses the running ones.
 * eps = 1e-5.
 *
 * Everything per element is expressed through one fused per-channel affine
 * pass (context.ts `affine`); the statistics are per-channel reductions of x
 * and x², so the normalised x is never materialised:
 *   forward   y = relu(x * (gamma*invstd) + (beta - mean*gamma*invstd))
 *   backward  dz = dy masked by y > 0
 *             dbeta = sum(dz), dgamma = invstd * (sum(dz*x) - mean*sum(dz))
 *             dx = dz*A + x*B + C with per-channel A, B, C.
 */
import type { Value } from "../graph/builder";
import { affine, channelSum, withValue, type Act, type Ctx } from "./context";

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.9;

export interface BnParams {
  gamma: Value;
  beta: Value;
  runningMean: Value;
  runningVar: Value;
}

export interface BnSaved {
  x: Act;
  y: Act;
  mean: Value;
  invstd: Value;
  scale: Value;
  relu: boolean;
}

export function bnTrainForward(ctx: Ctx, x: Act, p: BnParams, relu: boolean): { y: Act; saved: BnSaved; runningMean: Value; runningVar: Value } {
  const { o } = ctx;
  const count = ctx.n * x.h * x.w;
  const inv = ctx.g.scalar(1 / count);
  const mean = o.mul(channelSum(ctx, x), inv);
  const meanSq = o.mul(channelSum(ctx, x, true), inv);
  // E[x^2] - E[x]^2 can round slightly below zero when the variance is tiny.
  const variance = o.relu(o.sub(meanSq, o.mul(mean, mean)));
  const invstd = o.reciprocal(o.sqrt(o.add(variance, ctx.g.scalar(BN_EPS))));
  const scale = o.mul(p.gamma, invstd);
  const shift = o.sub(p.beta, o.mul(mean, scale));
  const y = affine(ctx, x, scale, shift, { relu });
  const momentum = ctx.g.scalar(BN_MOMENTUM);
  const rest = ctx.g.scalar(1 - BN_MOMENTUM);
  const runningMean = o.add(o.mul(p.runningMean, momentum), o.mul(mean, rest));
  const runningVar = o.add(o.mul(p.runningVar, momentum), o.mul(variance, rest));
  return { y, saved: { x, y, mean, invstd, scale, relu }, runningMean, runningVar };
}

export function bnInferForward(ctx: Ctx, x: Act, p: BnParams, relu: boolean): Act {
  const { o } = ctx;
  const scale = o.mul(p.gamma, o.reciprocal(o.sqrt(o.add(p.runningVar, ctx.g.scalar(BN_EPS)))));
  const shift = o.sub(p.beta, o.mul(p.runningMean, scale));
  return affine(ctx, x, scale, shift, { relu });
}

/** dL/dx before a ReLU whose output was y: dy * (y > 0), as a float mask (Where with a scalar is 3x slower). */
export function reluBackward(ctx: Ctx, y: Act, dy: Act): Act {
  const { o } = ctx;
  return withValue(dy, o.mul(dy.v, o.cast(o.greater(y.v, ctx.g.scalar(0)), "float")));
}

export function bnBackward(ctx: Ctx, s: BnSaved, dy: Act): { dx: Act; dgamma: Value; dbeta: Value } {
  const { o, g } = ctx;
  const count = ctx.n * s.x.h * s.x.w;
  const dz = s.relu ? reluBackward(ctx, s.y, dy) : dy;
  const sumDz = channelSum(ctx, dz);
  const sumDzX = channelSum(ctx, withValue(dz, o.mul(dz.v, s.x.v)));
  const sumDzXc = o.sub(sumDzX, o.mul(s.mean, sumDz));
  const dgamma = o.mul(sumDzXc, s.invstd);
  // dx = scale * (dz - sumDz/M - (x-mean) * invstd^2 * sumDzXc/M)
  const a = s.scale;
  const b = o.neg(o.mul(o.mul(a, s.invstd), o.mul(dgamma, g.scalar(1 / count))));
  const c = o.sub(o.neg(o.mul(a, o.mul(sumDz, g.scalar(1 / count)))), o.mul(s.mean, b));
  const dx = affine(ctx, s.x, b, c, { sum: affine(ctx, dz, a, null).v });
  return { dx, dgamma, dbeta: sumDz };
}
