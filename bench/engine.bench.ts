/**
 * Engine speed against PyTorch on the same machine, models, shapes and batch:
 * training img/s (forward + backward + SGD momentum 0.9, batch 32) on the fast
 * and the portable path, inference img/s at batch 32 and batch-1 latency of
 * the exported model. PyTorch runs bench/reference/pytorch_resnet.py with
 * Debian's python3-torch at its best: OpenBLAS with OPENBLAS_CORETYPE set to
 * this CPU's real core type, the same thread count, and for inference the best
 * of plain, channels_last and mkldnn tensors. Both sides report the same
 * statistic: the first quartile of per-iteration times (the machine is shared).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTrainer, exportInferenceModel, loadPredictor, probeFastPath } from "../src/nn";
import type { Architecture, ExecutionPath, ModelWeights, OptimizerConfig } from "../src/nn/api";
import { buildResNet } from "../src/nn/net/resnet";
import { initWeights } from "../src/nn/net/weights";
import { Prng } from "../src/nn/prng";
import { ratio, type BenchResult } from "./types";

export const title = "Training and inference engine vs PyTorch";

const PYTHON = "/usr/bin/python3";
const SCRIPT = path.join(__dirname, "reference", "pytorch_resnet.py");
const BATCH = 32;
const SGD: OptimizerConfig = { kind: "sgd", momentum: 0.9, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 };

interface Workload {
  /** For ENGINE_BENCH_WORKLOADS (comma-separated) to pick some, e.g. "r20,r18-64". */
  key: string;
  label: string;
  model: "r20" | "r18";
  size: number;
  classes: number;
  train: boolean;
}

const WORKLOADS: Workload[] = [
  { key: "r20", label: "ResNet-20 3x32x32", model: "r20", size: 32, classes: 10, train: true },
  { key: "r18-64", label: "ResNet-18 3x64x64", model: "r18", size: 64, classes: 257, train: true },
  { key: "r18-224", label: "ResNet-18 3x224x224", model: "r18", size: 224, classes: 257, train: false },
];

/** OpenBLAS 0.3.21 mistakes recent CPUs for old ones; name the real core type from the CPU flags. */
export function openblasCoreType(): string | null {
  let flags: string[] = [];
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    flags = line ? line.split(":")[1].trim().split(/\s+/) : [];
  } catch {
    return null;
  }
  if (["avx512f", "avx512bw", "avx512vl", "avx512dq"].every((f) => flags.includes(f))) return "SkylakeX";
  if (flags.includes("avx2") && flags.includes("fma")) return "Haswell";
  return null;
}

/** First quartile of per-iteration times: robust to other processes on a shared machine. */
async function timeIt(fn: () => Promise<unknown>, iters: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 4)] / 1000;
}

function pixels(n: number, seed: number): Float32Array {
  const rng = new Prng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
}

interface Reference {
  value: number;
  config: string;
}

function pytorch(w: Workload, mode: "train" | "infer" | "latency", threads: number, iters: number, log: (l: string) => void): Reference | null {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const core = openblasCoreType();
  if (core) env.OPENBLAS_CORETYPE = core;
  const args = [SCRIPT, "--model", w.model, "--size", String(w.size), "--classes", String(w.classes), "--threads", String(threads), "--mode", mode, "--iters", String(iters)];
  const r = spawnSync(PYTHON, args, { env, encoding: "utf8", timeout: 20 * 60_000 });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    const parsed = JSON.parse(last) as { value: number; config: string };
    return { value: parsed.value, config: `${parsed.config}${core ? `, OPENBLAS_CORETYPE=${core}` : ""}` };
  } catch {
    log(`PyTorch reference failed for ${w.label} ${mode}: ${(r.stderr || r.error?.message || "no output").trim().split("\n").pop()}`);
    return null;
  }
}

/**
 * Runs our measurement and PyTorch's alternately, `rounds` times, and keeps the
 * best of each: on a shared machine a burst of other work then penalises
 * neither side for good.
 */
async function interleaved(
  rounds: number,
  ours: () => Promise<number>,
  theirs: (() => Reference | null) | null,
  better: (a: number, b: number) => boolean,
): Promise<{ project: number; reference: Reference | null }> {
  let project = NaN;
  let reference: Reference | null = null;
  for (let r = 0; r < rounds; r++) {
    const p = await ours();
    if (Number.isNaN(project) || better(p, project)) project = p;
    const t = theirs ? theirs() : null;
    if (t && (!reference || better(t.value, reference.value))) reference = t;
  }
  return { project, reference };
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const { quick, log } = opts;
  const threads = os.availableParallelism();
  const rounds = quick ? 1 : 3;
  const probe = await probeFastPath();
  log(`${threads} threads; fast path: ${probe.ok ? `NCHWc block ${probe.blockSize}` : `unavailable (${probe.reason})`}; best of ${rounds} alternating rounds`);
  const haveTorch = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
  if (!haveTorch) log(`no PyTorch at ${PYTHON} (run scripts/bench-setup.sh); references left empty`);
  const ref = (w: Workload, mode: "train" | "infer" | "latency", iters: number) => (haveTorch ? () => pytorch(w, mode, threads, iters, log) : null);
  const higher = (a: number, b: number) => a > b;
  const lower = (a: number, b: number) => a < b;
  const results: BenchResult[] = [];
  const add = (name: string, unit: string, m: { project: number; reference: Reference | null }, note: string) => {
    const lowerIsBetter = unit === "ms";
    const value = m.reference?.value ?? null;
    results.push({ name, unit, project: m.project, reference: value, ratio: ratio(m.project, value, lowerIsBetter), note: m.reference ? `${note}; PyTorch: ${m.reference.config}` : note });
  };

  const picked = process.env.ENGINE_BENCH_WORKLOADS?.split(",").map((k) => k.trim());
  for (const w of WORKLOADS) {
    if (picked ? !picked.includes(w.key) : quick && w.size === 224) continue;
    const arch: Architecture = { numLayers: w.model === "r20" ? 20 : 18, imageShape: [3, w.size, w.size], numClasses: w.classes, multiLabel: false };
    const images = pixels(BATCH * 3 * w.size * w.size, 1);
    const labels = Float32Array.from({ length: BATCH }, (_, i) => i % w.classes);
    let weights: ModelWeights | null = null;
    if (w.train) {
      const trainIters = quick ? 5 : 20;
      const paths: ExecutionPath[] = probe.ok ? ["fast", "portable"] : ["portable"];
      for (const p of paths) {
        const trainer = await createTrainer({ arch, optimizer: SGD, batchSize: BATCH, seed: 1, path: p, log: () => undefined });
        const m = await interleaved(rounds, async () => BATCH / (await timeIt(() => trainer.step(images, labels, 0.01), trainIters, 3)), ref(w, "train", trainIters), higher);
        weights = trainer.weights();
        await trainer.dispose();
        add(`${w.label} train ${p}`, "img/s", m, `batch ${BATCH}, ${p} path`);
      }
    }
    const model = exportInferenceModel(weights ?? freshWeights(arch));
    const predictor = await loadPredictor(model, arch);
    const inferIters = quick ? 5 : w.size === 224 ? 10 : 30;
    const mb = await interleaved(rounds, async () => BATCH / (await timeIt(() => predictor.predict(images, BATCH), inferIters, 3)), ref(w, "infer", inferIters), higher);
    add(`${w.label} infer batch ${BATCH}`, "img/s", mb, "exported model, ONNX Runtime optimisation level all");
    const one = images.subarray(0, 3 * w.size * w.size);
    const m1 = await interleaved(rounds, async () => 1000 * (await timeIt(() => predictor.predict(one, 1), inferIters * 3, 5)), ref(w, "latency", inferIters * 3), lower);
    add(`${w.label} infer batch 1 latency`, "ms", m1, "exported model");
    await predictor.dispose();
  }
  return results;
}

/** Weights for the inference-only workloads: a fresh initialisation. */
function freshWeights(arch: Architecture): ModelWeights {
  return { arch, tensors: initWeights(buildResNet(arch), 1) };
}
