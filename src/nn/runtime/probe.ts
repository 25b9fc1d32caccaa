/**
 * Decides whether the fast path works on this machine with this ONNX Runtime.
 *
 * The com.microsoft.nchwc ops are internal to ONNX Runtime and their block
 * size depends on the CPU (16 with AVX-512, 8 with AVX2); a graph built for
 * the wrong size runs but computes garbage. So the probe builds a small
 * network that uses every fast-path construct (image conv, 3x3 and strided
 * convs, 1x1 projection, BN+ReLU, max-pool, residual add) for block sizes 16
 * and 8, runs two training steps and an evaluation on both paths from the same
 * weights, and accepts the block size whose results match the portable path.
 */
import type { OptimizerConfig } from "../api";
import { fastLayout, PORTABLE, type Layout } from "../layout";
import { IMAGE, type NetSpec } from "../net/spec";
import { initWeights } from "../net/weights";
import { Prng } from "../prng";
import { StepRunner } from "./step-runner";

export interface ProbeResult {
  ok: boolean;
  blockSize?: number;
  reason?: string;
}

/** Largest relative difference the fast path may show against the portable path. */
const TOLERANCE = 1e-3;

let probed: Promise<ProbeResult> | null = null;

/** Probes once per process; later calls get the same answer. */
export function probeFastPath(): Promise<ProbeResult> {
  probed ??= runProbe();
  return probed;
}

export function probeNet(block: number): NetSpec {
  const c = 2 * block;
  return {
    imageShape: [3, 9, 9],
    numClasses: 5,
    output: "logits",
    nodes: [
      { op: "conv", name: "c0", input: IMAGE, output: "c0", cin: 3, cout: c, k: 3, stride: 1, pad: 1 },
      { op: "bn", name: "b0", input: "c0", output: "b0", c, relu: true },
      { op: "maxpool", input: "b0", output: "p0", k: 3, stride: 1, pad: 1 },
      { op: "conv", name: "c1", input: "p0", output: "c1", cin: c, cout: c, k: 3, stride: 2, pad: 1 },
      { op: "bn", name: "b1", input: "c1", output: "b1", c, relu: true },
      { op: "conv", name: "c2", input: "b1", output: "c2", cin: c, cout: c, k: 3, stride: 1, pad: 1 },
      { op: "bn", name: "b2", input: "c2", output: "b2", c, relu: false },
      { op: "conv", name: "sc", input: "p0", output: "sc", cin: c, cout: c, k: 1, stride: 2, pad: 0 },
      { op: "bn", name: "bsc", input: "sc", output: "bsc", c, relu: false },
      { op: "add", a: "b2", b: "bsc", output: "u", relu: true },
      { op: "gap", input: "u", output: "g" },
      { op: "fc", name: "fc", input: "g", output: "logits", cin: c, cout: 5 },
    ],
  };
}

const PROBE_OPTIMIZER: OptimizerConfig = { kind: "sgd", momentum: 0.9, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 };

async function runProbe(): Promise<ProbeResult> {
  const failures: string[] = [];
  for (const block of [16, 8]) {
    try {
      const diff = await compareWithPortable(block);
      if (diff <= TOLERANCE) return { ok: true, blockSize: block };
      failures.push(`block ${block}: results differ from the portable path (relative difference ${diff.toExponential(2)})`);
    } catch (err) {
      failures.push(`block ${block}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return { ok: false, reason: `ONNX Runtime's NCHWc kernels did not reproduce the portable path: ${failures.join("; ")}` };
}

/** Largest relative difference between the fast (block b) and portable results of two steps and an evaluation. */
export async function compareWithPortable(block: number): Promise<number> {
  const spec = probeNet(block);
  const batch = 4;
  const rng = new Prng(7);
  const images = Float32Array.from({ length: batch * 3 * 9 * 9 }, () => Math.floor(rng.uniform() * 256));
  const labels = Float32Array.from({ length: batch }, (_, i) => i % spec.numClasses);
  const weights = initWeights(spec, 11);
  const run = async (layout: Layout) => {
    const runner = await StepRunner.create({
      spec,
      layout,
      batch,
      optimizer: PROBE_OPTIMIZER,
      multiLabel: false,
      classWeights: null,
      threads: 1,
      weights,
    });
    try {
      const first = await runner.step(images, labels, 0.1);
      const second = await runner.step(images, labels, 0.1);
      const evaluated = await runner.predict(images, batch);
      return { losses: Float32Array.of(first.loss, second.loss), probs: second.probabilities, evaluated, weights: runner.weights() };
    } finally {
      await runner.dispose();
    }
  };
  const ref = await run(PORTABLE);
  const fast = await run(fastLayout(block));
  let worst = Math.max(relDiff(fast.losses, ref.losses), relDiff(fast.probs, ref.probs), relDiff(fast.evaluated, ref.evaluated));
  for (const name of Object.keys(ref.weights)) worst = Math.max(worst, relDiff(fast.weights[name].data, ref.weights[name].data));
  return worst;
}

/** max |a - b| / max |b|; NaN anywhere counts as infinitely different. */
export function relDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    num = Math.max(num, d);
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
