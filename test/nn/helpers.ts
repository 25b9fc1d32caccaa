/** Shared helpers of the engine tests. */
import type { Architecture, OptimizerConfig } from "../../src/nn/api";
import { Prng } from "../../src/nn/prng";

export const SGD: OptimizerConfig = { kind: "sgd", momentum: 0.9, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 };

export function smallArch(overrides: Partial<Architecture> = {}): Architecture {
  return { numLayers: 20, imageShape: [3, 8, 8], numClasses: 4, multiLabel: false, ...overrides };
}

export function randomPixels(n: number, seed: number): Float32Array {
  const rng = new Prng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a-b| / max |b|. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let num = 0;
  let den = 1e-30;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
}

export const quiet = { log: () => undefined };
