/**
 * Two full training steps of a small residual network (stem conv, max-pool,
 * an identity unit and a strided projection unit with a bottleneck-style 1x1
 * conv, pooling, FC) against the
 * float64 reference, for every optimizer, both losses and both paths.
 */
import { describe, expect, it } from "vitest";
import type { OptimizerConfig } from "../../src/nn/api";
import { fastLayout, PORTABLE, type Layout } from "../../src/nn/layout";
import { IMAGE, type NetSpec } from "../../src/nn/net/spec";
import { initWeights } from "../../src/nn/net/weights";
import { probeFastPath } from "../../src/nn/runtime/probe";
import { StepRunner } from "../../src/nn/runtime/step-runner";
import { randomPixels, relError } from "./helpers";
import { referenceStep, toFloat64 } from "./reference64";

function tinyNet(width: number, classes: number): NetSpec {
  const w2 = 2 * width;
  return {
    imageShape: [3, 8, 8],
    numClasses: classes,
    output: "logits",
    nodes: [
      { op: "conv", name: "stem.conv", input: IMAGE, output: "s", cin: 3, cout: width, k: 3, stride: 1, pad: 1 },
      { op: "bn", name: "stem.bn", input: "s", output: "sb", c: width, relu: true },
      { op: "maxpool", input: "sb", output: "p", k: 3, stride: 2, pad: 1 },
      { op: "conv", name: "u1.conv1", input: "p", output: "a1", cin: width, cout: width, k: 3, stride: 1, pad: 1 },
      { op: "bn", name: "u1.bn1", input: "a1", output: "a1b", c: width, relu: true },
      { op: "conv", name: "u1.conv2", input: "a1b", output: "a2", cin: width, cout: width, k: 3, stride: 1, pad: 1 },
      { op: "bn", name: "u1.bn2", input: "a2", output: "a2b", c: width, relu: false },
      { op: "add", a: "a2b", b: "p", output: "u1", relu: true },
      { op: "conv", name: "u2.conv1", input: "u1", output: "b1", cin: width, cout: w2, k: 3, stride: 2, pad: 1 },
      { op: "bn", name: "u2.bn1", input: "b1", output: "b1b", c: w2, relu: true },
      { op: "conv", name: "u2.conv2", input: "b1b", output: "b2", cin: w2, cout: w2, k: 1, stride: 1, pad: 0 },
      { op: "bn", name: "u2.bn2", input: "b2", output: "b2b", c: w2, relu: false },
      { op: "conv", name: "u2.sc.conv", input: "u1", output: "sc", cin: width, cout: w2, k: 1, stride: 2, pad: 0 },
      { op: "bn", name: "u2.sc.bn", input: "sc", output: "scb", c: w2, relu: false },
      { op: "add", a: "b2b", b: "scb", output: "u2", relu: true },
      { op: "gap", input: "u2", output: "g" },
      { op: "fc", name: "fc", input: "g", output: "logits", cin: w2, cout: classes },
    ],
  };
}

const BASE: OptimizerConfig = { kind: "sgd", momentum: 0.9, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 };
const OPTIMIZERS: OptimizerConfig[] = [
  BASE,
  { ...BASE, momentum: 0 },
  { ...BASE, kind: "nag" },
  // Adam's first steps are lr*sign(g) wherever |g| >> eps, which float32 noise flips for gradients near zero;
  // an eps comparable to the gradients keeps the comparison well conditioned.
  { ...BASE, kind: "adam", eps: 1e-3 },
  { ...BASE, kind: "rmsprop", eps: 1e-6 },
];

async function layouts(): Promise<{ name: string; layout: Layout }[]> {
  const probe = await probeFastPath();
  const out = [{ name: "portable", layout: PORTABLE }];
  if (probe.ok) out.push({ name: `fast(b${probe.blockSize})`, layout: fastLayout(probe.blockSize as number) });
  return out;
}

async function compare(layout: Layout, optimizer: OptimizerConfig, multiLabel: boolean): Promise<void> {
  const classes = 5;
  const batch = 4;
  const spec = tinyNet(16, classes);
  const weights = initWeights(spec, 3);
  const images = randomPixels(batch * 3 * 8 * 8, 4);
  const labels = multiLabel
    ? Float32Array.from({ length: batch * classes }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0))
    : Float32Array.of(0, 3, 1, 4);
  const classWeights = multiLabel ? Float32Array.of(1, 2, 0.5, 3, 1.5) : null;
  const lr = optimizer.kind === "adam" || optimizer.kind === "rmsprop" ? 0.01 : 0.1;
  const runner = await StepRunner.create({ spec, layout, batch, optimizer, multiLabel, classWeights, threads: 1, weights });
  try {
    let refWeights = toFloat64(weights);
    let refState: Record<string, Float64Array> = {};
    for (let step = 1; step <= 2; step++) {
      const got = await runner.step(images, labels, lr);
      const ref = referenceStep({
        spec,
        weights: refWeights,
        state: refState,
        images,
        labels,
        batch,
        lr,
        step,
        optimizer,
        multiLabel,
        classWeights: classWeights ?? undefined,
      });
      expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expect(relError(got.probabilities, ref.probabilities)).toBeLessThan(1e-5);
      const engineWeights = runner.weights();
      for (const [name, data] of Object.entries(ref.next)) {
        // Compare what the step changed, so float32 rounding of the weights themselves does not hide errors.
        const before = refWeights[name];
        const refDelta = data.map((v, i) => v - before[i]);
        const gotDelta = Array.from(engineWeights[name].data, (v, i) => v - before[i]);
        const err = relError(gotDelta, refDelta);
        expect(err, `${name} step ${step}`).toBeLessThan(2e-3);
      }
      refWeights = { ...refWeights, ...ref.next };
      refState = { ...refState, ...ref.nextState };
    }
  } finally {
    await runner.dispose();
  }
}

describe("training step against a float64 reference", async () => {
  for (const { name, layout } of await layouts()) {
    for (const optimizer of OPTIMIZERS) {
      it(`${name}: ${optimizer.kind}${optimizer.kind === "sgd" ? ` momentum ${optimizer.momentum}` : ""}, softmax cross-entropy`, async () => {
        await compare(layout, optimizer, false);
      });
    }
    it(`${name}: sgd, weighted sigmoid binary cross-entropy (multi-label)`, async () => {
      await compare(layout, BASE, true);
    });
  }
});
