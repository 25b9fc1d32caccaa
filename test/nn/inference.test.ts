import { describe, expect, it } from "vitest";
import { createTrainer, exportInferenceModel, loadPredictor } from "../../src/nn";
import { maxAbsDiff, quiet, randomPixels, SGD, smallArch } from "./helpers";

describe("inference model export", () => {
  it("gives the probabilities of Trainer.predict, and the weights round-trip through initialWeights", async () => {
    const arch = smallArch();
    const trainer = await createTrainer({ arch, optimizer: SGD, batchSize: 4, seed: 5, path: "portable", ...quiet });
    const images = randomPixels(4 * 3 * 8 * 8, 1);
    const labels = Float32Array.of(0, 1, 2, 3);
    for (let i = 0; i < 3; i++) await trainer.step(images, labels, 0.1);
    const probe = randomPixels(5 * 3 * 8 * 8, 2);
    const expected = await trainer.predict(probe, 5);
    expect(expected.length).toBe(5 * 4);
    for (let i = 0; i < 5; i++) expect(expected.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const weights = trainer.weights();
    const predictor = await loadPredictor(exportInferenceModel(weights), arch);
    const got = await predictor.predict(probe, 5);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    // Batch 1 through the symbolic batch dimension.
    const single = await predictor.predict(probe.slice(0, 3 * 8 * 8), 1);
    expect(maxAbsDiff(single, expected.slice(0, 4))).toBeLessThan(1e-5);

    const reloaded = await createTrainer({ arch, optimizer: SGD, batchSize: 4, seed: 99, path: "portable", initialWeights: weights, ...quiet });
    expect(maxAbsDiff(await reloaded.predict(probe, 5), expected)).toBe(0);
    for (const [name, t] of Object.entries(reloaded.weights().tensors)) expect(t.data).toEqual(weights.tensors[name].data);
    await Promise.all([trainer.dispose(), reloaded.dispose(), predictor.dispose()]);
  });
});
