/**
 * The dense form of tiny-map convolutions in the exported model (see
 * src/nn/infer/export.ts): the same probabilities as the plain conv form at
 * map sizes where the last stage is 2x2 and 1x1, on both sides of the batch
 * size at which the model switches forms, and the switch itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { createTrainer, exportInferenceModel, loadPredictor } from "../../src/nn";
import type { Architecture, ModelWeights } from "../../src/nn/api";
import { tapIndex } from "../../src/nn/infer/emitter";
import { DENSE_MIN_BATCH } from "../../src/nn/infer/export";
import { buildResNet } from "../../src/nn/net/resnet";
import { initWeights } from "../../src/nn/net/weights";
import { Prng } from "../../src/nn/prng";
import { maxAbsDiff, quiet, randomPixels, relError, SGD, smallArch } from "./helpers";

/**
 * He-initialised weights with BN statistics and affine parameters away from
 * the identity (so folding them into the dense matrices is exercised) and a
 * small FC (so probabilities are not saturated and small errors show).
 */
function testWeights(arch: Architecture, seed: number): ModelWeights {
  const tensors = initWeights(buildResNet(arch), seed);
  const rng = new Prng(seed + 1000);
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    if (name.endsWith(".gamma") || name.endsWith(".running_var")) for (let i = 0; i < d.length; i++) d[i] = 0.5 + rng.uniform();
    else if (name.endsWith(".beta") || name.endsWith(".running_mean")) for (let i = 0; i < d.length; i++) d[i] = 0.4 * (rng.uniform() - 0.5);
    else if (name === "fc.weight") for (let i = 0; i < d.length; i++) d[i] *= 0.02;
  }
  return { arch, tensors };
}

/** Runs `onnx` on `images` at each batch size through loadPredictor; the results concatenated per batch size. */
async function predictAt(onnx: Uint8Array, arch: Architecture, images: Float32Array, batches: number[]): Promise<Float32Array[]> {
  const per = arch.imageShape.reduce((a, b) => a * b, 1);
  const predictor = await loadPredictor(onnx, arch);
  try {
    const out: Float32Array[] = [];
    for (const n of batches) out.push(await predictor.predict(images.subarray(0, n * per), n));
    return out;
  } finally {
    await predictor.dispose();
  }
}

describe("dense form of tiny-map convolutions", () => {
  it("maps every (input, output) position pair to the tap that connects them", () => {
    // 3x3 stride 1 pad 1 on 2x2: every pair is connected, through tap (qy-py+1, qx-px+1).
    const same = tapIndex({ k: 3, stride: 1, pad: 1 }, [1, 2, 2], [1, 2, 2]);
    const expected: number[] = [];
    for (let q = 0; q < 4; q++) for (let p = 0; p < 4; p++) expected.push(((q >> 1) - (p >> 1) + 1) * 3 + ((q & 1) - (p & 1) + 1));
    expect(Array.from(same)).toEqual(expected);
    // 3x3 stride 2 pad 1 from 2x2 to 1x1: the four taps of the lower right quadrant.
    expect(Array.from(tapIndex({ k: 3, stride: 2, pad: 1 }, [1, 2, 2], [1, 1, 1]))).toEqual([4, 5, 7, 8]);
    // 3x3 pad 1 on 1x1: the centre tap only. 1x1 stride 2 from 2x2: the top left input only, the others
    // unconnected (k*k, here 1).
    expect(Array.from(tapIndex({ k: 3, stride: 1, pad: 1 }, [1, 1, 1], [1, 1, 1]))).toEqual([4]);
    expect(Array.from(tapIndex({ k: 1, stride: 2, pad: 0 }, [1, 2, 2], [1, 1, 1]))).toEqual([0, 1, 1, 1]);
  });

  const cases: { what: string; arch: Architecture }[] = [
    { what: "ResNet-18 at 64x64 (stage 4 on 2x2 maps)", arch: { numLayers: 18, imageShape: [3, 64, 64], numClasses: 257, multiLabel: false } },
    { what: "ResNet-18 at 32x32 (stage 3 on 2x2, stage 4 on 1x1 maps)", arch: { numLayers: 18, imageShape: [3, 32, 32], numClasses: 257, multiLabel: false } },
    { what: "small-image ResNet-20 at 8x8 (stage 3 on 2x2 maps)", arch: smallArch({ numClasses: 7 }) },
    { what: "small-image ResNet-20 at 4x4 (stage 2 on 2x2, stage 3 on 1x1 maps), multi-label", arch: smallArch({ imageShape: [3, 4, 4], numClasses: 5, multiLabel: true }) },
    { what: "small-image ResNet-20 at 2x2 (from the first conv on, 1 channel)", arch: smallArch({ imageShape: [1, 2, 2], numClasses: 3 }) },
  ];
  const batches = [1, DENSE_MIN_BATCH, 5];

  for (const { what, arch } of cases) {
    it(`${what}: the default and the all-dense model give the conv model's probabilities at batch sizes ${batches.join(", ")}`, async () => {
      const weights = testWeights(arch, 3);
      const images = randomPixels(5 * arch.imageShape.reduce((a, b) => a * b, 1), 4);
      const conv = await predictAt(exportInferenceModel(weights, { smallMaps: "conv" }), arch, images, batches);
      const auto = await predictAt(exportInferenceModel(weights), arch, images, batches);
      const dense = await predictAt(exportInferenceModel(weights, { smallMaps: "dense" }), arch, images, batches);
      // Guards against a vacuous comparison: probabilities not saturated, and the images told apart.
      expect(conv[2].filter((p) => p > 1e-3 && p < 0.999).length).toBeGreaterThanOrEqual(arch.numClasses);
      expect(maxAbsDiff(conv[2].subarray(0, arch.numClasses), conv[2].subarray(arch.numClasses, 2 * arch.numClasses))).toBeGreaterThan(1e-4);
      for (let b = 0; b < batches.length; b++) {
        // Each image's result does not depend on the batch it came in.
        expect(maxAbsDiff(conv[b], conv[2].subarray(0, conv[b].length))).toBeLessThan(1e-6);
        for (const got of [auto[b], dense[b]]) {
          expect(relError(got, conv[b])).toBeLessThan(2e-5);
          expect(maxAbsDiff(got, conv[b])).toBeLessThan(1e-5);
        }
      }
    });
  }

  it("the default model gives Trainer.predict's probabilities on both sides of the switch", async () => {
    for (const imageShape of [[3, 8, 8], [3, 4, 4]] as [number, number, number][]) {
      const arch = smallArch({ imageShape });
      const per = imageShape[0] * imageShape[1] * imageShape[2];
      const trainer = await createTrainer({ arch, optimizer: SGD, batchSize: 8, seed: 8, path: "portable", ...quiet });
      const images = randomPixels(8 * per, 9);
      const labels = Float32Array.of(0, 1, 2, 3, 0, 1, 2, 3);
      // Learning rate 0 first: the running statistics settle while the weights stay, so inference-mode
      // probabilities are not saturated (with the initial statistics they are all 0 or 1, and any
      // model would match them); then a few real steps.
      for (let i = 0; i < 30; i++) await trainer.step(images, labels, i < 25 ? 0 : 0.01);
      const probe = randomPixels(6 * per, 10);
      const predictor = await loadPredictor(exportInferenceModel(trainer.weights()), arch);
      expect((await trainer.predict(probe, 6)).filter((p) => p > 0.02 && p < 0.98).length).toBeGreaterThanOrEqual(6);
      for (const n of [1, DENSE_MIN_BATCH, 6]) {
        const expected = await trainer.predict(probe.subarray(0, n * per), n);
        expect(maxAbsDiff(await predictor.predict(probe.subarray(0, n * per), n), expected)).toBeLessThan(1e-5);
      }
      await Promise.all([trainer.dispose(), predictor.dispose()]);
    }
  });

  it(`runs the dense layers only from batch ${DENSE_MIN_BATCH} on, and the conv layers of the same stage only below`, async () => {
    const arch: Architecture = { numLayers: 18, imageShape: [3, 64, 64], numClasses: 10, multiLabel: false };
    const onnx = exportInferenceModel(testWeights(arch, 1));
    const rows = async (n: number) => {
      const shapes = await nodeInputShapes(onnx, [n, 3, 64, 64]);
      // Stage 4's convs on 2x2 maps: convs of [rows, 512, 2, 2] inputs; in dense form Gemms of
      // [rows, 512*2*2] inputs (the FC's input is [rows, 512]).
      return {
        conv: shapes.filter((s) => s.op === "Conv" && s.input.slice(1).join() === "512,2,2").map((s) => s.input[0]),
        dense: shapes.filter((s) => (s.op === "Gemm" || s.op === "FusedGemm") && s.input[1] === 2048).map((s) => s.input[0]),
      };
    };
    const below = await rows(DENSE_MIN_BATCH - 1);
    const at = await rows(DENSE_MIN_BATCH);
    for (const r of [below, at]) expect(r.conv.length > 0 && r.dense.length > 0).toBe(true);
    expect(below.conv.every((n) => n === DENSE_MIN_BATCH - 1) && below.dense.every((n) => n === 0)).toBe(true);
    expect(at.conv.every((n) => n === 0) && at.dense.every((n) => n === DENSE_MIN_BATCH)).toBe(true);
  });

  it("leaves models without tiny maps as they were (the plain conv form, byte for byte)", () => {
    for (const arch of [smallArch({ imageShape: [3, 32, 32] }), { numLayers: 18, imageShape: [3, 224, 224], numClasses: 3, multiLabel: false } as Architecture]) {
      const weights = testWeights(arch, 2);
      expect(Buffer.from(exportInferenceModel(weights)).equals(Buffer.from(exportInferenceModel(weights, { smallMaps: "conv" })))).toBe(true);
    }
    const tiny = testWeights(smallArch(), 2);
    expect(Buffer.from(exportInferenceModel(tiny)).equals(Buffer.from(exportInferenceModel(tiny, { smallMaps: "conv" })))).toBe(false);
  });

  it("rejects an unknown smallMaps option, naming it", () => {
    expect(() => exportInferenceModel(testWeights(smallArch(), 1), { smallMaps: "fast" as never })).toThrow(/options\.smallMaps.*fast/);
  });
});

/** Input shapes of every node ONNX Runtime ran (from its profile), for one run on zero pixels of `dims`. */
async function nodeInputShapes(onnx: Uint8Array, dims: number[]): Promise<{ op: string; input: number[] }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-profile-"));
  try {
    const session = await ort.InferenceSession.create(onnx, {
      executionMode: "sequential",
      intraOpNumThreads: 1,
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      enableProfiling: true,
      profileFilePrefix: path.join(dir, "p"),
    });
    await session.run({ data: new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)), dims) });
    session.endProfiling();
    await session.release();
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".json"));
    if (!file) throw new Error("no profile written");
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { cat: string; name: string; args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] } }[];
    return events
      .filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time") && e.args?.input_type_shape?.length)
      .map((e) => ({ op: e.args?.op_name ?? "", input: Object.values(e.args?.input_type_shape?.[0] ?? {})[0] ?? [] }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
