/**
 * The fast (NCHWc) path against the portable path, and the probe that decides
 * between them.
 */
import { describe, expect, it } from "vitest";
import { createTrainer, probeFastPath } from "../../src/nn";
import { compareWithPortable } from "../../src/nn/runtime/probe";
import { maxAbsDiff, randomPixels, SGD, smallArch } from "./helpers";

describe("execution paths", () => {
  it("probes once per process and says which block size works, or why none does", async () => {
    const probe = await probeFastPath();
    expect(await probeFastPath()).toBe(probe);
    if (probe.ok) {
      expect([8, 16]).toContain(probe.blockSize);
      // The other block size must NOT pass: the probe can tell a wrong layout from a right one.
      const other = probe.blockSize === 16 ? 8 : 16;
      const diff = await compareWithPortable(other).catch(() => Infinity);
      expect(diff).toBeGreaterThan(1e-3);
    } else {
      expect(probe.reason).toMatch(/NCHWc/);
    }
  });

  it("auto picks the path the probe allows and logs why", async () => {
    const probe = await probeFastPath();
    const lines: string[] = [];
    const trainer = await createTrainer({ arch: smallArch(), optimizer: SGD, batchSize: 2, seed: 1, log: (l) => lines.push(l) });
    expect(trainer.path).toBe(probe.ok ? "fast" : "portable");
    expect(lines.join("\n")).toMatch(probe.ok ? /fast .*block \d+.*probe/ : /portable.*fast path unavailable/);
    await trainer.dispose();
  });

  it.for([
    ["a ResNet-20 at 12x12 (no map smaller than its kernel)", smallArch({ imageShape: [3, 12, 12], numClasses: 6 }), 2],
    ["a ResNet-20 at 8x8 (stage 3 on 2x2 maps: GEMM convs)", smallArch({ imageShape: [3, 8, 8], numClasses: 6 }), 2],
    // One step: from the second on, the stem's 7x7 conv and max-pool amplify float32 noise past 1e-4 (with the
    // GEMM convs or without).
    ["a ResNet-18 at 32x32 (stage 3 on 2x2, stage 4 on 1x1 maps: GEMM convs)", smallArch({ numLayers: 18, imageShape: [3, 32, 32], numClasses: 6 }), 1],
  ] as const)("%s trains to the same numbers on both paths", async ([, arch, steps], ctx) => {
    const probe = await probeFastPath();
    if (!probe.ok) {
      await expect(createTrainer({ arch, optimizer: SGD, batchSize: 4, seed: 1, path: "fast", log: () => undefined })).rejects.toThrow(
        /fast path is not available/,
      );
      ctx.skip();
    }
    const [c, h, w] = arch.imageShape;
    const images = randomPixels(4 * c * h * w, 8);
    const labels = Float32Array.of(0, 5, 2, 3);
    const run = async (path: "fast" | "portable") => {
      const t = await createTrainer({ arch, optimizer: SGD, batchSize: 4, seed: 2, path, log: () => undefined });
      const losses: number[] = [];
      // Two steps: later ones eventually flip a ReLU whose input is float32 noise away from zero, after which
      // the paths legitimately drift apart.
      for (let i = 0; i < steps; i++) losses.push((await t.step(images, labels, 0.05)).loss);
      const probs = await t.predict(images, 4);
      const weights = t.weights();
      await t.dispose();
      return { losses, probs, weights };
    };
    const fast = await run("fast");
    const portable = await run("portable");
    expect(maxAbsDiff(fast.losses, portable.losses)).toBeLessThan(1e-4);
    expect(maxAbsDiff(fast.probs, portable.probs)).toBeLessThan(1e-4);
    for (const [name, t] of Object.entries(portable.weights.tensors)) {
      const scale = t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-3);
      expect(maxAbsDiff(fast.weights.tensors[name].data, t.data) / scale, name).toBeLessThan(1e-4);
    }
  });
});
