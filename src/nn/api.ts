/**
 * The public face of the training and inference engine (`src/nn/`), the only
 * part of it the image-classification algorithm uses. The engine generates ONNX
 * graphs (forward, loss, backward, optimizer update) and runs them with
 * onnxruntime-node; everything below is independent of how it does that.
 *
 * Tensors are float32, NCHW, batch first. Images enter as raw pixel values in
 * [0, 255]: normalisation happens inside the graphs, so the exported inference
 * model takes exactly what a decoder produces.
 */

/** ResNet depths: ImageNet style (7x7 stem, 4 stages) and small-image style (3x3 stem, 3 stages of 16/32/64). */
export const IMAGENET_DEPTHS = [18, 34, 50, 101, 152, 200] as const;
export const SMALL_IMAGE_DEPTHS = [20, 32, 44, 56, 110] as const;

export interface Architecture {
  numLayers: number;
  /** [channels, height, width]. */
  imageShape: [number, number, number];
  numClasses: number;
  /** Sigmoid outputs and binary cross-entropy instead of softmax cross-entropy. */
  multiLabel: boolean;
  /** Multi-label only: weight positives by inverse class frequency (the algorithm's `use_weighted_loss`). */
  useWeightedLoss?: boolean;
}

export type OptimizerKind = "sgd" | "nag" | "adam" | "rmsprop";

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** sgd, nag. */
  momentum: number;
  /** L2 penalty added to the gradient (sgd, nag, adam, rmsprop). */
  weightDecay: number;
  /** adam. */
  beta1: number;
  beta2: number;
  /** adam, rmsprop. */
  eps: number;
  /** rmsprop decay. */
  gamma: number;
}

/** Named tensors in the engine's standard (framework-neutral, NCHW/OIHW) layout. */
export type NamedTensors = Record<string, { shape: number[]; data: Float32Array }>;

/** Everything that defines a trained model: parameters and batch-norm running statistics. */
export interface ModelWeights {
  arch: Architecture;
  tensors: NamedTensors;
}

export type ExecutionPath = "fast" | "portable";

export interface TrainerOptions {
  arch: Architecture;
  optimizer: OptimizerConfig;
  /** Every step gets exactly this many images. */
  batchSize: number;
  /** Seed for weight initialisation (deterministic for a given seed). */
  seed: number;
  /** Start from these weights instead of a fresh initialisation (incremental training). */
  initialWeights?: ModelWeights;
  /** "auto" probes the fast path on this machine and falls back to "portable" when the probe fails. */
  path?: ExecutionPath | "auto";
  /** Intra-op threads; default: the number of CPU cores. */
  threads?: number;
  /** Multi-label with useWeightedLoss: per-class positive weights (length numClasses). */
  classWeights?: Float32Array;
  /** Receives the engine's one-line notes (which execution path and why); default: stderr. */
  log?: (line: string) => void;
}

export interface StepResult {
  /** Mean loss over the batch, before the update. */
  loss: number;
  /** Class probabilities of the batch before the update (N x numClasses): softmax, or sigmoid when multi-label. */
  probabilities: Float32Array;
}

export interface Trainer {
  readonly path: ExecutionPath;
  readonly options: TrainerOptions;
  /**
   * One optimisation step. `images`: batchSize x C x H x W pixels in [0, 255].
   * `labels`: batchSize class indices, or batchSize x numClasses multi-hot when multi-label.
   */
  step(images: Float32Array, labels: Float32Array, learningRate: number): Promise<StepResult>;
  /** Class probabilities in inference mode (running statistics), for any number n of images. */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  /** A copy of the current weights. */
  weights(): ModelWeights;
  dispose(): Promise<void>;
}

export interface Predictor {
  readonly arch: Architecture;
  /** Class probabilities (n x numClasses) for n images of the model's shape, pixels in [0, 255]. */
  predict(images: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * What `src/nn/index.ts` exports:
 *   createTrainer(options: TrainerOptions): Promise<Trainer>
 *   exportInferenceModel(weights: ModelWeights): Uint8Array   // standard-op ONNX, input "data" [N,C,H,W] pixels, output "probabilities"
 *   loadPredictor(onnx: Uint8Array, arch: Architecture, opts?: { threads?: number }): Promise<Predictor>
 *   probeFastPath(): Promise<{ ok: boolean; blockSize?: number; reason?: string }>
 */
export interface EngineModule {
  createTrainer(options: TrainerOptions): Promise<Trainer>;
  exportInferenceModel(weights: ModelWeights): Uint8Array;
  loadPredictor(onnx: Uint8Array, arch: Architecture, opts?: { threads?: number }): Promise<Predictor>;
  probeFastPath(): Promise<{ ok: boolean; blockSize?: number; reason?: string }>;
}
