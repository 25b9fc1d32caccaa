/**
 * The hyperparameters of the built-in image-classification algorithm: one
 * table (names, types, defaults, allowed values, descriptions), a parser that
 * turns the strings SageMaker passes into typed values, and the inverse for
 * the notebook side.
 *
 * Imported by the tslab kernel (through src/tutorial/): keep it free of heavy
 * imports and within TypeScript 5.0 syntax.
 */
import { HyperparameterError } from "./errors";

export const IMAGENET_NUM_LAYERS = [18, 34, 50, 101, 152, 200] as const;
export const SMALL_IMAGE_NUM_LAYERS = [20, 32, 44, 56, 110] as const;
export const AUGMENTATION_TYPES = ["crop", "crop_color", "crop_color_transform"] as const;
export const OPTIMIZERS = ["sgd", "adam", "rmsprop", "nag"] as const;
export const PRECISION_DTYPES = ["float32", "float16"] as const;
/** `device`/`local` are what MXNet calls a single machine's store; the API documents only the dist_* ones. */
export const KV_STORES = ["dist_sync", "dist_async", "device", "local"] as const;
/** Channel content types that mean "a folder of images plus a .lst file" (resize becomes required). */
export const IMAGE_CONTENT_TYPES = ["application/x-image", "image/jpeg", "image/png"] as const;

export type AugmentationType = (typeof AUGMENTATION_TYPES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];
export type PrecisionDtype = (typeof PRECISION_DTYPES)[number];
export type KvStore = (typeof KV_STORES)[number];

/** Typed values, snake_case as in the API. `null` means "not set" where the algorithm has no default. */
export interface ImageClassificationHyperparameters {
  num_classes: number;
  num_training_samples: number;
  augmentation_type: AugmentationType | null;
  beta_1: number;
  beta_2: number;
  checkpoint_frequency: number | null;
  early_stopping: boolean;
  early_stopping_min_epochs: number;
  early_stopping_patience: number;
  early_stopping_tolerance: number;
  epochs: number;
  eps: number;
  gamma: number;
  /** [channels, height, width]. */
  image_shape: [number, number, number];
  kv_store: KvStore | null;
  learning_rate: number;
  lr_scheduler_factor: number;
  /** Epochs at which the learning rate is multiplied by lr_scheduler_factor, increasing. */
  lr_scheduler_step: number[] | null;
  mini_batch_size: number;
  momentum: number;
  multi_label: boolean;
  num_layers: number;
  optimizer: Optimizer;
  precision_dtype: PrecisionDtype;
  resize: number | null;
  top_k: number | null;
  use_pretrained_model: boolean;
  use_weighted_loss: boolean;
  weight_decay: number;
}

export type HyperparameterName = keyof ImageClassificationHyperparameters;

/** What a caller sets: the two required values, anything else optional. */
export type HyperparameterInput = Pick<ImageClassificationHyperparameters, "num_classes" | "num_training_samples"> &
  Partial<ImageClassificationHyperparameters>;

type Rule =
  | { kind: "int"; min: number }
  | { kind: "float"; min: number; max: number }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "numLayers" }
  | { kind: "zeroOne" }
  | { kind: "trueFalse" }
  | { kind: "imageShape" }
  | { kind: "epochList" };

export interface HyperparameterSpec {
  name: HyperparameterName;
  /** "image-content-types": required when a channel carries images rather than RecordIO. */
  required: "always" | "image-content-types" | "no";
  /** The type as the documentation states it. */
  type: string;
  /** The default in the API's string form; null: not set unless given. */
  default: string | null;
  /** Allowed values or range, for people. */
  allowed: string;
  description: string;
  rule: Rule;
}

const unit = (): Rule => ({ kind: "float", min: 0, max: 1 });
const positive = (): Rule => ({ kind: "int", min: 1 });

/** Every hyperparameter the algorithm accepts (AWS developer guide, IC-Hyperparameter). */
export const HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: "num_classes", required: "always", type: "integer", default: null, allowed: ">= 1", description: "Number of output classes (Caltech-256: 257).", rule: positive() },
  { name: "num_training_samples", required: "always", type: "integer", default: null, allowed: ">= 1", description: "Number of training images; sizes the epochs for lr_scheduler_step.", rule: positive() },
  { name: "augmentation_type", required: "no", type: "string", default: null, allowed: AUGMENTATION_TYPES.join(", "), description: "Training augmentation: random crop + flip, plus colour jitter, plus rotation/shear/aspect.", rule: { kind: "enum", values: AUGMENTATION_TYPES } },
  { name: "beta_1", required: "no", type: "float", default: "0.9", allowed: "0 <= x <= 1", description: "Adam: decay of the first moment estimate.", rule: unit() },
  { name: "beta_2", required: "no", type: "float", default: "0.999", allowed: "0 <= x <= 1", description: "Adam: decay of the second moment estimate.", rule: unit() },
  { name: "checkpoint_frequency", required: "no", type: "integer", default: null, allowed: "1 <= x <= epochs", description: "Save the model every this many epochs; unset keeps only the best validation epoch.", rule: positive() },
  { name: "early_stopping", required: "no", type: "string", default: "False", allowed: "True, False", description: "Stop when validation accuracy stops improving.", rule: { kind: "trueFalse" } },
  { name: "early_stopping_min_epochs", required: "no", type: "integer", default: "10", allowed: ">= 1", description: "Epochs to run before early stopping may stop.", rule: positive() },
  { name: "early_stopping_patience", required: "no", type: "integer", default: "5", allowed: ">= 1", description: "Epochs without improvement before stopping.", rule: positive() },
  { name: "early_stopping_tolerance", required: "no", type: "float", default: "0.0", allowed: "0 <= x <= 1", description: "Relative accuracy gain below which an epoch counts as no improvement.", rule: unit() },
  { name: "epochs", required: "no", type: "integer", default: "30", allowed: ">= 1", description: "Number of passes over the training data.", rule: positive() },
  { name: "eps", required: "no", type: "float", default: "1e-8", allowed: "0 <= x <= 1", description: "Adam, RMSProp: term added to the denominator for stability.", rule: unit() },
  { name: "gamma", required: "no", type: "float", default: "0.9", allowed: "0 <= x <= 1", description: "RMSProp: decay of the squared-gradient average.", rule: unit() },
  { name: "image_shape", required: "no", type: "string", default: "3,224,224", allowed: "\"C,H,W\" with C 1 or 3, H and W >= 8", description: "Input shape of the network; training images are cropped to it, inference images resized to it.", rule: { kind: "imageShape" } },
  { name: "kv_store", required: "no", type: "string", default: null, allowed: KV_STORES.join(", "), description: "Gradient synchronisation across machines; no effect on one machine.", rule: { kind: "enum", values: KV_STORES } },
  { name: "learning_rate", required: "no", type: "float", default: "0.1", allowed: "0 <= x <= 1", description: "Initial learning rate.", rule: unit() },
  { name: "lr_scheduler_factor", required: "no", type: "float", default: "0.1", allowed: "0 <= x <= 1", description: "Factor the learning rate is multiplied by at each lr_scheduler_step epoch.", rule: unit() },
  { name: "lr_scheduler_step", required: "no", type: "string", default: null, allowed: "increasing epochs separated by commas, e.g. \"10,20\"", description: "Epochs at which the learning rate drops.", rule: { kind: "epochList" } },
  { name: "mini_batch_size", required: "no", type: "integer", default: "32", allowed: ">= 1", description: "Images per training step.", rule: positive() },
  { name: "momentum", required: "no", type: "float", default: "0.9", allowed: "0 <= x <= 1", description: "SGD, NAG: momentum.", rule: unit() },
  { name: "multi_label", required: "no", type: "integer", default: "0", allowed: "0, 1", description: "1: each image may have several labels (sigmoid outputs).", rule: { kind: "zeroOne" } },
  { name: "num_layers", required: "no", type: "integer", default: "152", allowed: `${IMAGENET_NUM_LAYERS.join(", ")} (ImageNet style) or ${SMALL_IMAGE_NUM_LAYERS.join(", ")} (small images)`, description: "ResNet depth.", rule: { kind: "numLayers" } },
  { name: "optimizer", required: "no", type: "string", default: "sgd", allowed: OPTIMIZERS.join(", "), description: "Optimizer.", rule: { kind: "enum", values: OPTIMIZERS } },
  { name: "precision_dtype", required: "no", type: "string", default: "float32", allowed: PRECISION_DTYPES.join(", "), description: "Precision of weights and activations (float16: mixed precision on GPUs).", rule: { kind: "enum", values: PRECISION_DTYPES } },
  { name: "resize", required: "image-content-types", type: "integer", default: null, allowed: ">= image_shape height and width", description: "Length of the shorter side after resizing training images; required for image (not RecordIO) input.", rule: positive() },
  { name: "top_k", required: "no", type: "integer", default: null, allowed: "2 <= x <= num_classes", description: "Also report top-k accuracy during training.", rule: { kind: "int", min: 2 } },
  { name: "use_pretrained_model", required: "no", type: "integer", default: "0", allowed: "0, 1", description: "1: start from a model pretrained on ImageNet (transfer learning).", rule: { kind: "zeroOne" } },
  { name: "use_weighted_loss", required: "no", type: "integer", default: "0", allowed: "0, 1", description: "Multi-label only: weight the loss by inverse class frequency.", rule: { kind: "zeroOne" } },
  { name: "weight_decay", required: "no", type: "float", default: "0.0001", allowed: "0 <= x <= 1", description: "L2 weight decay (SGD, NAG).", rule: unit() },
];

const SPEC_BY_NAME = new Map<string, HyperparameterSpec>(HYPERPARAMETERS.map((s) => [s.name, s]));
export const HYPERPARAMETER_NAMES: readonly HyperparameterName[] = HYPERPARAMETERS.map((s) => s.name);

/** Added by SageMaker automatic model tuning to every training job it starts; not the user's. */
const TUNING_PREFIX = "_tuning_objective_metric";

export interface ParseContext {
  /** ContentType of each input channel; image types make `resize` required. */
  inputContentTypes?: string[];
}

/**
 * Validates the string hyperparameters of a training job and returns typed
 * values with defaults applied. Throws HyperparameterError (message
 * `ClientError: ...`, naming the field and what is allowed) on the first problem.
 */
export function parseHyperParameters(raw: Record<string, string>, context: ParseContext = {}): ImageClassificationHyperparameters {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new HyperparameterError("", "Hyperparameters must be a JSON object of string values.");
  }
  for (const key of Object.keys(raw)) {
    if (!SPEC_BY_NAME.has(key) && !key.startsWith(TUNING_PREFIX)) throw unknownName(key);
  }
  const values: Record<string, unknown> = {};
  for (const spec of HYPERPARAMETERS) {
    const given = raw[spec.name];
    if (given === undefined) {
      if (spec.required === "always") {
        throw new HyperparameterError(spec.name, `Missing required hyperparameter '${spec.name}': ${spec.description} Allowed: ${spec.allowed}.`);
      }
      values[spec.name] = spec.default === null ? null : convert(spec, spec.default);
      continue;
    }
    if (typeof given !== "string") {
      throw invalid(spec, JSON.stringify(given), "values must be strings");
    }
    values[spec.name] = convert(spec, given);
  }
  const hp = values as unknown as ImageClassificationHyperparameters;
  checkCrossFieldRules(hp, context);
  return hp;
}

/** The API's string form of typed values (only the ones given), validated by the same rules. */
export function formatHyperParameters(typed: HyperparameterInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of HYPERPARAMETERS) {
    const value = (typed as Partial<Record<HyperparameterName, unknown>>)[spec.name];
    if (value === undefined || value === null) continue;
    out[spec.name] = toApiString(spec, value);
  }
  for (const key of Object.keys(typed)) {
    if (!SPEC_BY_NAME.has(key)) throw unknownName(key);
  }
  parseHyperParameters(out);
  return out;
}

function toApiString(spec: HyperparameterSpec, value: unknown): string {
  switch (spec.rule.kind) {
    case "zeroOne":
      if (typeof value !== "boolean") throw invalid(spec, String(value), "expected a boolean");
      return value ? "1" : "0";
    case "trueFalse":
      if (typeof value !== "boolean") throw invalid(spec, String(value), "expected a boolean");
      return value ? "True" : "False";
    case "imageShape":
    case "epochList":
      if (!Array.isArray(value)) throw invalid(spec, String(value), "expected an array of integers");
      return value.join(",");
    default:
      if (typeof value !== "number" && typeof value !== "string") throw invalid(spec, String(value), "expected a number or string");
      return String(value);
  }
}

function convert(spec: HyperparameterSpec, text: string): unknown {
  const s = text.trim();
  const rule = spec.rule;
  switch (rule.kind) {
    case "int": {
      const n = parseInteger(s);
      if (n === null || n < rule.min) throw invalid(spec, text, `must be an integer >= ${rule.min}`);
      return n;
    }
    case "float": {
      const x = parseFloatStrict(s);
      if (x === null || x < rule.min || x > rule.max) throw invalid(spec, text, `must be a number between ${rule.min} and ${rule.max}`);
      return x;
    }
    case "enum":
      if (!rule.values.includes(s)) throw invalid(spec, text, `must be one of ${rule.values.join(", ")}`);
      return s;
    case "numLayers": {
      const n = parseInteger(s);
      const all: readonly number[] = [...IMAGENET_NUM_LAYERS, ...SMALL_IMAGE_NUM_LAYERS];
      if (n === null || !all.includes(n)) throw invalid(spec, text, `must be one of ${spec.allowed}`);
      return n;
    }
    case "zeroOne":
      if (s !== "0" && s !== "1") throw invalid(spec, text, "must be 0 or 1");
      return s === "1";
    case "trueFalse": {
      const lower = s.toLowerCase();
      if (lower !== "true" && lower !== "false") throw invalid(spec, text, "must be True or False");
      return lower === "true";
    }
    case "imageShape": {
      const parts = s.split(",").map((p) => parseInteger(p.trim()));
      if (parts.length !== 3 || parts.some((p) => p === null)) {
        throw invalid(spec, text, 'must be three integers "channels,height,width", e.g. "3,224,224"');
      }
      const [c, h, w] = parts as number[];
      if (c !== 1 && c !== 3) throw invalid(spec, text, "must have 1 or 3 channels");
      if (h < 8 || w < 8) throw invalid(spec, text, "must have height and width of at least 8");
      return [c, h, w];
    }
    case "epochList": {
      const parts = s.split(",").map((p) => parseInteger(p.trim()));
      if (parts.length === 0 || parts.some((p) => p === null || p < 1)) {
        throw invalid(spec, text, 'must be positive epoch numbers separated by commas, e.g. "10,20"');
      }
      const steps = parts as number[];
      for (let i = 1; i < steps.length; i++) {
        if (steps[i] <= steps[i - 1]) throw invalid(spec, text, "must list epochs in increasing order");
      }
      return steps;
    }
  }
}

function checkCrossFieldRules(hp: ImageClassificationHyperparameters, context: ParseContext): void {
  const [, height, width] = hp.image_shape;
  if (hp.checkpoint_frequency !== null && hp.checkpoint_frequency > hp.epochs) {
    throw new HyperparameterError("checkpoint_frequency", `Invalid value for hyperparameter 'checkpoint_frequency': ${hp.checkpoint_frequency} is larger than epochs (${hp.epochs}); it must be between 1 and epochs.`);
  }
  if (hp.top_k !== null && hp.top_k > hp.num_classes) {
    throw new HyperparameterError("top_k", `Invalid value for hyperparameter 'top_k': ${hp.top_k} is larger than num_classes (${hp.num_classes}); it must be between 2 and num_classes.`);
  }
  const imageTypes = (context.inputContentTypes ?? []).filter((t) => isImageContentType(t));
  if (hp.resize === null && imageTypes.length > 0) {
    throw new HyperparameterError("resize", `Missing required hyperparameter 'resize': it is required when the input content type is ${imageTypes[0]}. Set it to the length of the shorter image side after resizing, at least the image_shape height and width (${Math.max(height, width)}).`);
  }
  if (hp.resize !== null && hp.resize < Math.max(height, width)) {
    throw new HyperparameterError("resize", `Invalid value for hyperparameter 'resize': ${hp.resize} is smaller than the image_shape height or width (${height}x${width}); set it to at least ${Math.max(height, width)}.`);
  }
  if (hp.use_pretrained_model && !(IMAGENET_NUM_LAYERS as readonly number[]).includes(hp.num_layers)) {
    throw new HyperparameterError("num_layers", `Invalid value for hyperparameter 'num_layers': ${hp.num_layers} has no pretrained model; with use_pretrained_model=1 use one of ${IMAGENET_NUM_LAYERS.join(", ")}.`);
  }
}

/** Whether a channel ContentType denotes raw images (parameters such as `; charset` ignored). */
export function isImageContentType(contentType: string): boolean {
  const base = contentType.split(";")[0].trim().toLowerCase();
  return (IMAGE_CONTENT_TYPES as readonly string[]).includes(base);
}

function invalid(spec: HyperparameterSpec, text: string, why: string): HyperparameterError {
  return new HyperparameterError(spec.name, `Invalid value for hyperparameter '${spec.name}': '${text}' ${why}.`);
}

function unknownName(key: string): HyperparameterError {
  const near = closestName(key);
  const hint = near ? ` Did you mean '${near}'?` : "";
  return new HyperparameterError(key, `Additional properties are not allowed ('${key}' was unexpected).${hint} Valid hyperparameters: ${HYPERPARAMETER_NAMES.join(", ")}.`);
}

function parseInteger(s: string): number | null {
  if (!/^\+?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function parseFloatStrict(s: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

function closestName(key: string): string | null {
  let best: string | null = null;
  let bestDistance = 4;
  for (const name of HYPERPARAMETER_NAMES) {
    const d = editDistance(key.toLowerCase(), name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
