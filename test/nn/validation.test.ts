/** Bad inputs get clear errors naming the field; nothing half-made is left behind. */
import { describe, expect, it } from "vitest";
import { createTrainer, exportInferenceModel, loadPredictor } from "../../src/nn";
import type { TrainerOptions } from "../../src/nn/api";
import { buildResNet } from "../../src/nn/net/resnet";
import { paramsOf } from "../../src/nn/net/spec";
import { initWeights } from "../../src/nn/net/weights";
import { randomPixels, SGD, smallArch } from "./helpers";

const base = (): TrainerOptions => ({ arch: smallArch(), optimizer: SGD, batchSize: 2, seed: 1, path: "portable", log: () => undefined });

describe("validation", () => {
  it.each([
    [{ arch: { ...smallArch(), numLayers: 19 } }, /arch.numLayers: 19 is not a supported ResNet depth/],
    [{ arch: { ...smallArch(), imageShape: [3, 8] as unknown as [number, number, number] } }, /arch.imageShape/],
    [{ arch: smallArch({ imageShape: [3, 0, 8] }) }, /arch.imageShape: expected \[channels, height, width\] of positive integers/],
    [{ arch: { ...smallArch(), numClasses: 0 } }, /arch.numClasses/],
    [{ optimizer: { ...SGD, kind: "lamb" as "sgd" } }, /optimizer.kind: "lamb"/],
    [{ optimizer: { ...SGD, momentum: 1 } }, /optimizer.momentum: 1 is outside \[0, 1\)/],
    [{ optimizer: { ...SGD, kind: "adam" as const, eps: 0 } }, /optimizer.eps/],
    [{ optimizer: { ...SGD, weightDecay: -1 } }, /optimizer.weightDecay/],
    [{ batchSize: 0 }, /batchSize/],
    [{ seed: 1.5 }, /seed/],
    [{ path: "gpu" as "fast" }, /path: "gpu"/],
    [{ threads: 0 }, /threads/],
    [{ arch: smallArch({ multiLabel: true, useWeightedLoss: true }) }, /classWeights: .*4 positive weights/],
    [{ arch: smallArch({ multiLabel: true, useWeightedLoss: true }), classWeights: Float32Array.of(1, 1, -1, 1) }, /classWeights\[2\]/],
  ])("createTrainer rejects %#", async (override, message) => {
    await expect(createTrainer({ ...base(), ...override })).rejects.toThrow(message);
  });

  it("initialWeights of another architecture or with a broken tensor name what differs", async () => {
    const other = { arch: smallArch({ numClasses: 7 }), tensors: initWeights(buildResNet(smallArch({ numClasses: 7 })), 1) };
    await expect(createTrainer({ ...base(), initialWeights: other })).rejects.toThrow(/initialWeights: architecture mismatch: numClasses 7 \(expected 4\)/);
    const tensors = initWeights(buildResNet(smallArch()), 1);
    const name = paramsOf(buildResNet(smallArch()))[0].name;
    const bad = { arch: smallArch(), tensors: { ...tensors, [name]: { shape: [1], data: new Float32Array(1) } } };
    await expect(createTrainer({ ...base(), initialWeights: bad })).rejects.toThrow(new RegExp(`tensor ${name.replace(".", "\\.")} has shape \\[1\\]`));
    const { [name]: _dropped, ...missing } = tensors;
    await expect(createTrainer({ ...base(), initialWeights: { arch: smallArch(), tensors: missing } })).rejects.toThrow(/is missing/);
    const nan = { arch: smallArch(), tensors: { ...tensors, [name]: { ...tensors[name], data: tensors[name].data.map((v, i) => (i === 3 ? NaN : v)) } } };
    await expect(createTrainer({ ...base(), initialWeights: nan })).rejects.toThrow(/non-finite value at index 3/);
  });

  it("step and predict check their inputs and keep the trainer usable", async () => {
    const t = await createTrainer(base());
    const images = randomPixels(2 * 3 * 8 * 8, 1);
    expect(() => t.step(images.subarray(1), Float32Array.of(0, 1), 0.1)).toThrow(/images: 383 values, expected 384/);
    expect(() => t.step(images.map((v, i) => (i === 5 ? 300 : v)), Float32Array.of(0, 1), 0.1)).toThrow(/images\[5\]: pixel 300/);
    expect(() => t.step(images, Float32Array.of(0, 4), 0.1)).toThrow(/labels\[1\]: 4 is not a class index in \[0, 3\]/);
    expect(() => t.step(images, Float32Array.of(0, 1.5), 0.1)).toThrow(/labels\[1\]/);
    expect(() => t.step(images, Float32Array.of(0), 0.1)).toThrow(/labels: 1 values, expected 2/);
    expect(() => t.step(images, Float32Array.of(0, 1), NaN)).toThrow(/learningRate/);
    expect(() => t.predict(images, 3)).toThrow(/images: 384 values, expected 576/);
    const r = await t.step(images, Float32Array.of(0, 1), 0.1);
    expect(Number.isFinite(r.loss)).toBe(true);
    await t.dispose();
    expect(() => t.weights()).toThrow(/disposed/);
  });

  it("multi-label labels must be multi-hot", async () => {
    const t = await createTrainer({ ...base(), arch: smallArch({ multiLabel: true }) });
    const images = randomPixels(2 * 3 * 8 * 8, 1);
    expect(() => t.step(images, new Float32Array(8).fill(2), 0.1)).toThrow(/labels\[0\]: 2 is not a multi-hot value/);
    const r = await t.step(images, Float32Array.of(1, 0, 0, 1, 0, 1, 1, 0), 0.1);
    expect(r.probabilities.length).toBe(8);
    await t.dispose();
  });

  it("export and predictor reject what they cannot use", async () => {
    expect(() => exportInferenceModel({ arch: smallArch(), tensors: {} })).toThrow(/exportInferenceModel: tensor .* is missing/);
    await expect(loadPredictor(new Uint8Array([1, 2, 3]), smallArch())).rejects.toThrow(/loadPredictor: ONNX Runtime could not load the model/);
    const model = exportInferenceModel({ arch: smallArch(), tensors: initWeights(buildResNet(smallArch()), 1) });
    await expect(loadPredictor(model, smallArch(), { threads: 0 })).rejects.toThrow(/threads/);
    const p = await loadPredictor(model, smallArch());
    expect(() => p.predict(new Float32Array(10), 1)).toThrow(/predict: images must be a Float32Array of 192 values/);
    expect(() => p.predict(new Float32Array(192), 0)).toThrow(/n must be a positive integer/);
    await p.dispose();
  });
});
