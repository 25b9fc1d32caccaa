/**
 * createTrainer: validates the options, picks the execution path, initialises
 * or loads the weights, and runs steps one at a time.
 */
import type { ExecutionPath, Trainer, TrainerOptions, StepResult, ModelWeights } from "../api";
import { fastLayout, PORTABLE, type Layout } from "../layout";
import { buildResNet, validateArchitecture } from "../net/resnet";
import type { NetSpec } from "../net/spec";
import { checkSameArchitecture, checkWeights, copyTensors, initWeights } from "../net/weights";
import { validateOptimizer } from "../train/optimizers";
import { probeFastPath } from "./probe";
import { defaultThreads, validateThreads } from "./session";
import { StepRunner } from "./step-runner";

export async function createTrainer(options: TrainerOptions): Promise<Trainer> {
  const opts = validateOptions(options);
  const spec = buildResNet(opts.arch);
  let weights = initWeights(spec, opts.seed);
  if (opts.initialWeights) {
    checkSameArchitecture(opts.arch, opts.initialWeights.arch, "initialWeights");
    checkWeights(spec, opts.initialWeights, "initialWeights");
    weights = copyTensors(opts.initialWeights.tensors);
  }
  const { layout, reason } = await choosePath(opts.path ?? "auto", spec);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(`[nn] execution path: ${layout.kind}${layout.kind === "fast" ? ` (NCHWc block ${layout.block})` : ""}: ${reason}`);
  const classWeights = opts.arch.multiLabel && opts.arch.useWeightedLoss ? (opts.classWeights as Float32Array) : null;
  const runner = await StepRunner.create({
    spec,
    layout,
    batch: opts.batchSize,
    optimizer: opts.optimizer,
    multiLabel: opts.arch.multiLabel,
    classWeights,
    threads: opts.threads ?? defaultThreads(),
    weights,
  });
  return new EngineTrainer(opts, spec, layout.kind, runner);
}

async function choosePath(path: ExecutionPath | "auto", spec: NetSpec): Promise<{ layout: Layout; reason: string }> {
  if (path === "portable") return { layout: PORTABLE, reason: "requested" };
  const probe = await probeFastPath();
  const why = probe.ok ? unsupported(spec, probe.blockSize as number) : probe.reason;
  if (probe.ok && !why) return { layout: fastLayout(probe.blockSize as number), reason: `probe matched the portable path with block ${probe.blockSize}` };
  if (path === "fast") throw new Error(`path: the fast path is not available: ${why}`);
  return { layout: PORTABLE, reason: `fast path unavailable, ${why}` };
}

/** Why this network cannot use the fast path with this block size, or null. */
function unsupported(spec: NetSpec, block: number): string | null {
  if (spec.imageShape[0] >= block) return `the image has ${spec.imageShape[0]} channels, the NCHWc kernels take fewer than ${block} unblocked`;
  for (const n of spec.nodes) {
    if ((n.op === "conv" && n.cout % block !== 0) || (n.op === "bn" && n.c % block !== 0)) {
      return `layer ${n.name} has ${n.op === "conv" ? n.cout : n.c} channels, not a multiple of the NCHWc block ${block}`;
    }
  }
  return null;
}

function validateOptions(o: TrainerOptions): TrainerOptions {
  if (!o || typeof o !== "object") throw new Error("createTrainer: options object required");
  validateArchitecture(o.arch);
  validateOptimizer(o.optimizer);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`batchSize: expected a positive integer, got ${o.batchSize}`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed: expected an integer, got ${o.seed}`);
  if (o.path !== undefined && !["auto", "fast", "portable"].includes(o.path)) {
    throw new Error(`path: "${o.path}" is not one of auto, fast, portable`);
  }
  validateThreads(o.threads, "threads");
  if (o.arch.multiLabel && o.arch.useWeightedLoss) {
    const w = o.classWeights;
    if (!(w instanceof Float32Array) || w.length !== o.arch.numClasses) {
      throw new Error(`classWeights: multi-label with useWeightedLoss needs a Float32Array of ${o.arch.numClasses} positive weights`);
    }
    const bad = w.findIndex((v) => !Number.isFinite(v) || v <= 0);
    if (bad >= 0) throw new Error(`classWeights[${bad}]: ${w[bad]} is not a positive finite weight`);
  }
  return o;
}

class EngineTrainer implements Trainer {
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly options: TrainerOptions,
    private readonly spec: NetSpec,
    readonly path: ExecutionPath,
    private readonly runner: StepRunner,
  ) {}

  step(images: Float32Array, labels: Float32Array, learningRate: number): Promise<StepResult> {
    this.checkImages(images, this.options.batchSize, "images");
    this.checkLabels(labels);
    if (typeof learningRate !== "number" || !Number.isFinite(learningRate) || learningRate < 0) {
      throw new Error(`learningRate: expected a finite number >= 0, got ${learningRate}`);
    }
    return this.serial(() => this.runner.step(images, labels, learningRate));
  }

  predict(images: Float32Array, n: number): Promise<Float32Array> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`predict: n must be a positive integer, got ${n}`);
    this.checkImages(images, n, "images");
    return this.serial(() => this.runner.predict(images, n));
  }

  weights(): ModelWeights {
    this.checkAlive();
    return { arch: { ...this.options.arch, imageShape: [...this.options.arch.imageShape] }, tensors: this.runner.weights() };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.runner.dispose();
  }

  /** Runs calls one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    this.checkAlive();
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("trainer: already disposed");
  }

  private checkImages(images: Float32Array, n: number, field: string): void {
    const [c, h, w] = this.spec.imageShape;
    const expected = n * c * h * w;
    if (!(images instanceof Float32Array)) throw new Error(`${field}: expected a Float32Array of ${n}x${c}x${h}x${w} pixels`);
    if (images.length !== expected) {
      throw new Error(`${field}: ${images.length} values, expected ${expected} (${n} images of ${c}x${h}x${w})`);
    }
    for (let i = 0; i < images.length; i++) {
      const v = images[i];
      if (!(v >= 0 && v <= 255)) throw new Error(`${field}[${i}]: pixel ${v} is outside [0, 255]`);
    }
  }

  private checkLabels(labels: Float32Array): void {
    const { batchSize, arch } = this.options;
    if (!(labels instanceof Float32Array)) throw new Error("labels: expected a Float32Array");
    if (arch.multiLabel) {
      if (labels.length !== batchSize * arch.numClasses) {
        throw new Error(`labels: ${labels.length} values, expected ${batchSize * arch.numClasses} (multi-hot ${batchSize}x${arch.numClasses})`);
      }
      const bad = labels.findIndex((v) => !(v >= 0 && v <= 1));
      if (bad >= 0) throw new Error(`labels[${bad}]: ${labels[bad]} is not a multi-hot value in [0, 1]`);
      return;
    }
    if (labels.length !== batchSize) throw new Error(`labels: ${labels.length} values, expected ${batchSize} class indices`);
    const bad = labels.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= arch.numClasses);
    if (bad >= 0) throw new Error(`labels[${bad}]: ${labels[bad]} is not a class index in [0, ${arch.numClasses - 1}]`);
  }
}
