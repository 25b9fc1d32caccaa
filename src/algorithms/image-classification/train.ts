/**
 * `train`: the algorithm's training run inside the container contract.
 * Reads the job's configuration and channels, trains a ResNet with the
 * engine, logs like the real algorithm, and leaves the model in `model/`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MlPaths } from "../../container/contract";
import { SeededRandom } from "../../formats/seeded-random";
import type { Architecture, EngineModule, ExecutionPath, ModelWeights, Trainer } from "../../nn/api";
import { paramsFileName } from "./artifacts";
import { CheckpointKeeper } from "./checkpoints";
import { ClientError } from "./errors";
import { ImageRecordSet, mix } from "./dataset";
import { HYPERPARAMETERS, parseHyperParameters, type ImageClassificationHyperparameters } from "./hyperparameters";
import { loadIncrementalWeights, loadPretrainedWeights, transferWeights } from "./initial-weights";
import { readTrainingInputs } from "./inputs";
import type { AlgorithmLog } from "./log";
import { packListChannel } from "./lst-input";
import { AccuracyMeter } from "./metrics";
import { EarlyStopping, learningRateAt } from "./schedule";

export interface TrainContext {
  paths: MlPaths;
  log: AlgorithmLog;
  engine: () => EngineModule;
  env: NodeJS.ProcessEnv;
  /** Set when SageMaker asks the job to stop (SIGTERM); checked between batches. */
  stop: { requested: boolean };
}

/** Environment variable: seed for initialisation, shuffling and augmentation (default 0: runs repeat exactly). */
export const SEED_ENV = "IMAGE_CLASSIFICATION_SEED";
/** Environment variable: the engine's execution path, "auto" (default: the fast path when its probe passes), "fast" or "portable". */
export const ENGINE_PATH_ENV = "IMAGE_CLASSIFICATION_ENGINE_PATH";
/** Progress lines come at most this often. */
const PROGRESS_MS = 2000;

export async function train(ctx: TrainContext): Promise<void> {
  const { paths, log } = ctx;
  const inputs = readTrainingInputs(paths);
  const defaults = Object.fromEntries(HYPERPARAMETERS.filter((s) => s.default !== null).map((s) => [s.name, s.default]));
  log.info(`Reading default configuration from the algorithm's hyperparameter table: ${JSON.stringify(defaults)}`);
  log.info(`Merging with provided configuration from ${paths.hyperparameters}: ${JSON.stringify(inputs.hyperparameters)}`);
  const hp = parseHyperParameters(inputs.hyperparameters, { inputContentTypes: Object.values(inputs.contentTypes) });
  log.info(`Final configuration: ${JSON.stringify({ ...defaults, ...inputs.hyperparameters })}`);
  const seed = readSeed(ctx.env);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ic-train-"));
  const sets: ImageRecordSet[] = [];
  let trainer: Trainer | null = null;
  try {
    let trainRecs: string[];
    let valRecs: string[];
    if (inputs.data.kind === "recordio") {
      log.info(`Searching for .rec files in ${paths.channel("train")}.`);
      log.info(`Searching for .rec files in ${paths.channel("validation")}.`);
      trainRecs = inputs.data.train;
      valRecs = inputs.data.validation;
    } else {
      const pack = { resize: hp.resize!, multiLabel: hp.multi_label };
      log.info(`Searching for .lst files in ${paths.channel("train_lst")}.`);
      trainRecs = [await packListChannel("train", inputs.data.train, tmp, pack, log)];
      log.info(`Searching for .lst files in ${paths.channel("validation_lst")}.`);
      valRecs = [await packListChannel("validation", inputs.data.validation, tmp, pack, log)];
    }
    logParameters(hp, log);

    const setOptions = { numClasses: hp.num_classes, multiLabel: hp.multi_label, imageShape: hp.image_shape };
    const trainSet = await ImageRecordSet.open(trainRecs, { ...setOptions, channel: "train" });
    sets.push(trainSet);
    const valSet = await ImageRecordSet.open(valRecs, { ...setOptions, channel: "validation" });
    sets.push(valSet);
    if (trainSet.count < hp.mini_batch_size) {
      throw new ClientError("The number of input images must be bigger or equal to the mini_batch_size.");
    }
    if (trainSet.count !== hp.num_training_samples) {
      log.warning(
        `num_training_samples is ${hp.num_training_samples} but the 'train' channel holds ${trainSet.count} images; ` +
          `epochs use the ${trainSet.count} images (set num_training_samples to ${trainSet.count} to silence this warning).`,
      );
    }
    log.info(`Loaded ${trainSet.count} training and ${valSet.count} validation images${trainSet.cached ? " (decoded into memory)" : ""}.`);

    const arch: Architecture = {
      numLayers: hp.num_layers,
      imageShape: hp.image_shape,
      numClasses: hp.num_classes,
      multiLabel: hp.multi_label,
      useWeightedLoss: hp.multi_label && hp.use_weighted_loss,
    };
    const engine = ctx.engine();
    const trainerOptions = {
      arch,
      optimizer: { kind: hp.optimizer, momentum: hp.momentum, weightDecay: hp.weight_decay, beta1: hp.beta_1, beta2: hp.beta_2, eps: hp.eps, gamma: hp.gamma },
      batchSize: hp.mini_batch_size,
      seed,
      path: readEnginePath(ctx.env),
      classWeights: arch.useWeightedLoss ? classWeights(trainSet, hp.num_classes) : undefined,
    };
    let initialWeights: ModelWeights | undefined;
    if (inputs.modelChannel) {
      const loaded = loadIncrementalWeights(inputs.modelChannel, arch);
      log.info(`Incremental training: starting from the model in channel 'model' (epoch ${loaded.epoch}, validation accuracy ${loaded.accuracy.toFixed(6)}).`);
      initialWeights = loaded.weights;
    } else if (hp.use_pretrained_model) {
      const pretrained = loadPretrainedWeights(ctx.env, arch);
      const fresh = await engine.createTrainer(trainerOptions);
      const merged = transferWeights(fresh.weights(), pretrained);
      await fresh.dispose();
      log.info(`Pretrained model: copied ${merged.copied} tensors; newly initialised: ${merged.kept.join(", ") || "none"}.`);
      initialWeights = merged.weights;
    }
    trainer = await engine.createTrainer({ ...trainerOptions, initialWeights });
    log.info(`Training on the CPU with ONNX Runtime (${trainer.path} execution path), seed ${seed}.`);

    await runEpochs(ctx, hp, trainer, trainSet, valSet, seed, engine);
  } finally {
    await trainer?.dispose();
    await Promise.all(sets.map((s) => s.close()));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function runEpochs(
  ctx: TrainContext,
  hp: ImageClassificationHyperparameters,
  trainer: Trainer,
  trainSet: ImageRecordSet,
  valSet: ImageRecordSet,
  seed: number,
  engine: EngineModule,
): Promise<void> {
  const { log } = ctx;
  const [c, h, w] = hp.image_shape;
  const B = hp.mini_batch_size;
  const labelWidth = hp.multi_label ? hp.num_classes : 1;
  const topK = hp.multi_label ? null : hp.top_k;
  const keeper = new CheckpointKeeper(ctx.paths.model, hp.checkpoint_frequency, engine, log);
  const early = new EarlyStopping({
    enabled: hp.early_stopping,
    minEpochs: hp.early_stopping_min_epochs,
    patience: hp.early_stopping_patience,
    tolerance: hp.early_stopping_tolerance,
  });
  const batchCount = Math.ceil(trainSet.count / B);
  const images = [new Float32Array(B * c * h * w), new Float32Array(B * c * h * w)];
  const labels = [new Float32Array(B * labelWidth), new Float32Array(B * labelWidth)];
  const stopNow = (): boolean => {
    if (!ctx.stop.requested) return false;
    const best = keeper.best;
    log.info(
      best
        ? `Stop requested: ending training. model/ keeps the best epoch so far (epoch ${best.epoch}, validation accuracy ${best.accuracy.toFixed(6)}).`
        : "Stop requested: ending training before the first epoch completed; no model was saved.",
    );
    return true;
  };

  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    const lr = learningRateAt(epoch, hp.learning_rate, hp.lr_scheduler_factor, hp.lr_scheduler_step);
    if (epoch > 0 && lr !== learningRateAt(epoch - 1, hp.learning_rate, hp.lr_scheduler_factor, hp.lr_scheduler_step)) {
      log.info(`Epoch[${epoch}] Learning rate changed to ${lr}`);
    }
    const order = new SeededRandom(mix(seed, epoch, -1)).shuffle([...Array(trainSet.count).keys()]);
    // Every batch is full: the last one wraps around to the start of the order (MXNet's round_batch).
    const batchIndices = (b: number): number[] => Array.from({ length: B }, (_, k) => order[(b * B + k) % order.length]);
    const meter = new AccuracyMeter(hp.num_classes, hp.multi_label, topK);
    let windowMeter = new AccuracyMeter(hp.num_classes, hp.multi_label, topK);
    const started = Date.now();
    let windowStart = started;
    let windowSamples = 0;
    const augmentation = { type: hp.augmentation_type, seed, epoch };
    let pending = trainSet.fillBatch(batchIndices(0), images[0], labels[0], augmentation);
    for (let b = 0; b < batchCount; b++) {
      await pending;
      const slot = b % 2;
      const step = trainer.step(images[slot], labels[slot], lr);
      // Prepare the next batch while the engine computes this one.
      if (b + 1 < batchCount) pending = trainSet.fillBatch(batchIndices(b + 1), images[1 - slot], labels[1 - slot], augmentation);
      const result = await step;
      if (!Number.isFinite(result.loss)) {
        throw new ClientError(`Training diverged: the loss became ${result.loss} in epoch ${epoch}, batch ${b}. Lower learning_rate (now ${lr}).`);
      }
      meter.add(result.probabilities, labels[slot], B);
      windowMeter.add(result.probabilities, labels[slot], B);
      windowSamples += B;
      const now = Date.now();
      if (now - windowStart >= PROGRESS_MS && b + 1 < batchCount) {
        const topKText = windowMeter.topKAccuracy === null ? "" : `\ttop_k_accuracy_${topK}=${windowMeter.topKAccuracy.toFixed(6)}`;
        log.info(
          `Epoch[${epoch}] Batch [${b + 1}]\tSpeed: ${((windowSamples * 1000) / (now - windowStart)).toFixed(2)} samples/sec\t` +
            `accuracy=${windowMeter.accuracy.toFixed(6)}${topKText}\tloss=${result.loss.toFixed(6)}`,
        );
        windowStart = now;
        windowSamples = 0;
        windowMeter = new AccuracyMeter(hp.num_classes, hp.multi_label, topK);
      }
      if (stopNow()) {
        await pending.catch(() => undefined);
        return;
      }
    }
    log.info(`Epoch[${epoch}] Train-accuracy=${meter.accuracy.toFixed(6)}`);
    if (meter.topKAccuracy !== null) log.info(`Epoch[${epoch}] Train-top_k_accuracy_${topK}=${meter.topKAccuracy.toFixed(6)}`);
    log.info(`Epoch[${epoch}] Time cost=${((Date.now() - started) / 1000).toFixed(3)}`);

    const val = await validate(trainer, valSet, hp, images[0], labels[0], ctx.stop);
    if (val === null) {
      stopNow();
      return;
    }
    log.info(`Epoch[${epoch}] Validation-accuracy=${val.accuracy.toFixed(6)}`);
    if (val.topKAccuracy !== null) log.info(`Epoch[${epoch}] Validation-top_k_accuracy_${topK}=${val.topKAccuracy.toFixed(6)}`);
    keeper.afterEpoch(epoch, val.accuracy, () => trainer.weights());
    const reason = early.update(epoch, val.accuracy);
    if (reason) {
      log.info(reason);
      break;
    }
    if (stopNow()) return;
  }
  const best = keeper.best!;
  log.info(`Training finished: the model is Epoch[${best.epoch}] (${paramsFileName(best.epoch)}) with validation accuracy ${best.accuracy.toFixed(6)}.`);
}

/** Validation accuracy in inference mode, or null when a stop was requested meanwhile. */
async function validate(
  trainer: Trainer,
  set: ImageRecordSet,
  hp: ImageClassificationHyperparameters,
  images: Float32Array,
  labels: Float32Array,
  stop: { requested: boolean },
): Promise<AccuracyMeter | null> {
  const meter = new AccuracyMeter(hp.num_classes, hp.multi_label, hp.multi_label ? null : hp.top_k);
  const B = hp.mini_batch_size;
  for (let start = 0; start < set.count; start += B) {
    const indices = Array.from({ length: Math.min(B, set.count - start) }, (_, k) => start + k);
    await set.fillBatch(indices, images, labels, null);
    const probabilities = await trainer.predict(images.subarray(0, (images.length / B) * indices.length), indices.length);
    meter.add(probabilities, labels, indices.length);
    if (stop.requested) return null;
  }
  return meter;
}

/** Multi-label use_weighted_loss: each class's positives weighted by negatives/positives in the training data. */
function classWeights(set: ImageRecordSet, numClasses: number): Float32Array {
  const positives = new Float64Array(numClasses);
  for (let i = 0; i < set.count; i++) for (let c = 0; c < numClasses; c++) positives[c] += set.labels[i * numClasses + c];
  return Float32Array.from(positives, (p) => (p > 0 ? (set.count - p) / p : 1));
}

function readSeed(env: NodeJS.ProcessEnv): number {
  const text = env[SEED_ENV];
  if (text === undefined || text === "") return 0;
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new ClientError(`Environment variable ${SEED_ENV} must be an integer from 0 to 4294967295, got '${text}'.`);
  }
  return Number(text);
}

function readEnginePath(env: NodeJS.ProcessEnv): ExecutionPath | "auto" {
  const text = env[ENGINE_PATH_ENV];
  if (text === undefined || text === "") return "auto";
  if (text === "auto" || text === "fast" || text === "portable") return text;
  throw new ClientError(`Environment variable ${ENGINE_PATH_ENV} must be one of auto, fast, portable; got '${text}'.`);
}

function logParameters(hp: ImageClassificationHyperparameters, log: AlgorithmLog): void {
  log.info(`use_pretrained_model: ${hp.use_pretrained_model ? 1 : 0}`);
  log.info(`multi_label: ${hp.multi_label ? 1 : 0}`);
  if (hp.use_pretrained_model) log.info("Using pretrained model for initializing weights and transfer learning.");
  log.info("---- Parameters ----");
  log.info(`num_layers: ${hp.num_layers}`);
  log.info(`data type: ${hp.precision_dtype}${hp.precision_dtype === "float16" ? " (computed in float32 on the CPU)" : ""}`);
  log.info(`epochs: ${hp.epochs}`);
  if (hp.resize !== null) log.info(`image resize size: ${hp.resize}`);
  log.info(`optimizer: ${hp.optimizer}`);
  if (hp.optimizer === "sgd" || hp.optimizer === "nag") log.info(`momentum: ${hp.momentum}`);
  if (hp.optimizer === "adam") log.info(`beta_1: ${hp.beta_1} | beta_2: ${hp.beta_2} | eps: ${hp.eps}`);
  if (hp.optimizer === "rmsprop") log.info(`gamma: ${hp.gamma} | eps: ${hp.eps}`);
  log.info(`weight_decay: ${hp.weight_decay}`);
  log.info(`learning_rate: ${hp.learning_rate}`);
  if (hp.lr_scheduler_step) log.info(`lr_scheduler_step: ${hp.lr_scheduler_step.join(",")} | lr_scheduler_factor: ${hp.lr_scheduler_factor}`);
  log.info(`num_training_samples: ${hp.num_training_samples}`);
  log.info(`mini_batch_size: ${hp.mini_batch_size}`);
  log.info(`image_shape: ${hp.image_shape.join(",")}`);
  log.info(`num_classes: ${hp.num_classes}`);
  log.info(`augmentation_type: ${hp.augmentation_type ?? "None"}`);
  log.info(`kv_store: ${hp.kv_store ?? "device"}`);
  if (hp.top_k !== null) log.info(`top_k: ${hp.top_k}${hp.multi_label ? " (not used with multi_label=1)" : ""}`);
  if (hp.multi_label) log.info(`use_weighted_loss: ${hp.use_weighted_loss ? 1 : 0}`);
  if (hp.early_stopping) {
    log.info(`early_stopping: True | min_epochs: ${hp.early_stopping_min_epochs} | patience: ${hp.early_stopping_patience} | tolerance: ${hp.early_stopping_tolerance}`);
  }
  log.info(hp.checkpoint_frequency === null ? "checkpoint_frequency not set, will store the best model" : `checkpoint_frequency: ${hp.checkpoint_frequency}`);
  log.info("--------------------");
}
