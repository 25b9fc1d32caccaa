/**
 * The image-classification algorithm end to end on the synthetic dataset,
 * through the container contract: the tutorial's local default training run
 * (ResNet-18, 3x64x64, 10 classes x 60 images), its time to 90 % validation
 * accuracy, the data pipeline's cost, and the serving latency of one image.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ImageRecordSet } from "../src/algorithms/image-classification/dataset";
import { generateSyntheticDataset } from "../src/datasets/synthetic";
import { makeRoot, messages, runAlgorithm, startAlgorithm } from "../test/algorithm/container";
import type { BenchResult } from "./types";

export const title = "Image-classification algorithm on the synthetic dataset";

/** The local tutorial defaults measured here (see src/algorithms/image-classification/README.md). */
const HP = { num_layers: "18", image_shape: "3,64,64", num_classes: "10", num_training_samples: "600", mini_batch_size: "16", learning_rate: "0.01" };

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ic-bench-"));
  const results: BenchResult[] = [];
  try {
    const ds = await generateSyntheticDataset({ out: path.join(tmp, "data") });
    const rec = (f: string) => path.join(tmp, "data", f);

    // Data pipeline: decoding is done once up front; what remains per batch is crop + augmentation.
    const set = await ImageRecordSet.open([rec(ds.files.trainRec)], { channel: "train", numClasses: 10, multiLabel: false, imageShape: [3, 64, 64] });
    const images = new Float32Array(32 * 3 * 64 * 64);
    const labels = new Float32Array(32);
    const t0 = performance.now();
    const batches = 50;
    for (let b = 0; b < batches; b++) {
      await set.fillBatch(Array.from({ length: 32 }, (_, k) => (b * 32 + k) % set.count), images, labels, { type: "crop_color_transform", seed: 0, epoch: b });
    }
    await set.close();
    results.push({ name: "train data pipeline (crop_color_transform)", unit: "img/s", project: (batches * 32 * 1000) / (performance.now() - t0), reference: null, ratio: null });

    const epochs = opts.quick ? 2 : 7;
    const root = makeRoot(tmp, "train", { ...HP, epochs: String(epochs) }, {
      train: { contentType: "application/x-recordio", from: [rec(ds.files.trainRec)] },
      validation: { contentType: "application/x-recordio", from: [rec(ds.files.valRec)] },
    });
    const started = performance.now();
    const r = await runAlgorithm("train", root);
    const wall = (performance.now() - started) / 1000;
    if (r.code !== 0) throw new Error(`training failed:\n${r.output}`);
    const msgs = messages(r.output);
    const times = msgs.map((m) => /^Epoch\[\d+\] Time cost=([\d.]+)$/.exec(m)).filter((m) => m).map((m) => Number(m![1]));
    const accs = msgs.map((m) => /^Epoch\[\d+\] Validation-accuracy=([\d.]+)$/.exec(m)).filter((m) => m).map((m) => Number(m![1]));
    accs.forEach((a, e) => opts.log(`epoch ${e}: ${times[e].toFixed(1)} s, validation accuracy ${a.toFixed(3)}`));
    const trainSeconds = times.reduce((a, b) => a + b, 0);
    results.push({ name: "train ResNet-18 3x64x64 b16 (synthetic)", unit: "img/s", project: (600 * times.length) / trainSeconds, reference: null, ratio: null, note: "epoch time cost, validation excluded" });
    const reached = accs.findIndex((a) => a >= 0.9);
    results.push({
      name: "train to 90% validation accuracy",
      unit: "s",
      project: reached < 0 ? NaN : times.slice(0, reached + 1).reduce((a, b) => a + b, 0),
      reference: null,
      ratio: null,
      note: reached < 0 ? `not reached in ${epochs} epochs` : `epoch ${reached}`,
    });
    results.push({ name: `train best validation accuracy (${epochs} epochs)`, unit: "", project: Math.max(...accs), reference: null, ratio: null, note: `process wall ${wall.toFixed(1)} s` });

    // Serving: one image per request, as the tutorial's InvokeEndpoint.
    const serving = startAlgorithm("serve", root, { SAGEMAKER_BIND_TO_PORT: "0" });
    try {
      const line = await serving.waitForLine(/Serving on 127\.0\.0\.1:\d+/);
      const url = `http://127.0.0.1:${/127\.0\.0\.1:(\d+)/.exec(line)![1]}/invocations`;
      const body = fs.readFileSync(rec(ds.files.testImage));
      const latencies: number[] = [];
      for (let i = 0; i < (opts.quick ? 20 : 100); i++) {
        const s = performance.now();
        const res = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/x-image" } });
        await res.text();
        latencies.push(performance.now() - s);
      }
      latencies.sort((a, b) => a - b);
      results.push({ name: "infer one image over HTTP (p50)", unit: "ms", project: latencies[Math.floor(latencies.length / 2)], reference: null, ratio: null, note: "decode + resize + ResNet-18 3x64x64" });
    } finally {
      serving.child.kill("SIGTERM");
      await serving.exited;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
