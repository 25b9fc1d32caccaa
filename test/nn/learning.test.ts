/** A tiny synthetic task: the engine must actually learn. */
import { describe, expect, it } from "vitest";
import { createTrainer } from "../../src/nn";
import { Prng } from "../../src/nn/prng";
import { SGD } from "./helpers";

const SIZE = 12;
const CLASSES = 4;

/** Class k: a bright square in quadrant k on a noisy background, in a class-specific colour. */
function sample(rng: Prng, label: number): Float32Array {
  const img = new Float32Array(3 * SIZE * SIZE);
  const half = SIZE / 2;
  const [oy, ox] = [Math.floor(label / 2) * half, (label % 2) * half];
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inside = y >= oy + 1 && y < oy + half - 1 && x >= ox + 1 && x < ox + half - 1;
        const colour = inside ? (c === label % 3 ? 230 : 120) : 40;
        img[(c * SIZE + y) * SIZE + x] = Math.min(255, Math.max(0, colour + (rng.uniform() - 0.5) * 60));
      }
    }
  }
  return img;
}

function batch(rng: Prng, n: number): { images: Float32Array; labels: Float32Array } {
  const images = new Float32Array(n * 3 * SIZE * SIZE);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rng.uniform() * CLASSES);
    images.set(sample(rng, labels[i]), i * 3 * SIZE * SIZE);
  }
  return { images, labels };
}

function accuracy(probs: Float32Array, labels: Float32Array): number {
  let right = 0;
  labels.forEach((l, i) => {
    const row = Array.from(probs.subarray(i * CLASSES, (i + 1) * CLASSES));
    if (row.indexOf(Math.max(...row)) === l) right++;
  });
  return right / labels.length;
}

describe("learning", () => {
  it("ResNet-20 on a synthetic 4-class task: the loss falls and held-out accuracy rises", async () => {
    const arch = { numLayers: 20, imageShape: [3, SIZE, SIZE] as [number, number, number], numClasses: CLASSES, multiLabel: false };
    const trainer = await createTrainer({ arch, optimizer: SGD, batchSize: 16, seed: 3, log: () => undefined });
    const rng = new Prng(11);
    const heldOut = batch(new Prng(99), 64);
    const before = accuracy(await trainer.predict(heldOut.images, 64), heldOut.labels);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const b = batch(rng, 16);
      losses.push((await trainer.step(b.images, b.labels, 0.02)).loss);
    }
    const after = accuracy(await trainer.predict(heldOut.images, 64), heldOut.labels);
    await trainer.dispose();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-8))).toBeLessThan(mean(losses.slice(0, 8)) * 0.5);
    expect(after).toBeGreaterThan(0.9);
    expect(after).toBeGreaterThan(before + 0.3);
  });
});
