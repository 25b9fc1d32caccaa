/**
 * The files the algorithm leaves in `model/` (packed by SageMaker into
 * model.tar.gz) and reads back for serving and incremental training:
 *
 *   image-classification-<EEEE>.params  weights of epoch EEEE (1-based), safetensors
 *   image-classification-symbol.json    the network: architecture, input, output, which params
 *   model-shapes.json                   [{"name": "data", "shape": [1, C, H, W]}]
 *   model.onnx                          the inference model (pixels in, probabilities out)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tar from "tar";
import type { Architecture, ModelWeights } from "../../nn/api";
import { FormatError } from "../../formats/errors";
import { decodeSafetensors, encodeSafetensors } from "../../formats/safetensors";
import { ClientError } from "./errors";

export const SYMBOL_FILE = "image-classification-symbol.json";
export const SHAPES_FILE = "model-shapes.json";
export const ONNX_FILE = "model.onnx";
const FORMAT = "sagemaker-image-classification-ts";

/** `image-classification-0003.params` for the third epoch (epoch index 2). */
export function paramsFileName(epochIndex: number): string {
  return `image-classification-${String(epochIndex + 1).padStart(4, "0")}.params`;
}

/** image-classification-symbol.json. */
export interface ModelDescription {
  format: typeof FORMAT;
  version: 1;
  architecture: "resnet";
  num_layers: number;
  /** [C, H, W]. */
  image_shape: [number, number, number];
  num_classes: number;
  multi_label: boolean;
  input: { name: "data"; layout: "NCHW"; dtype: "float32"; description: string };
  output: { name: "probabilities"; activation: "softmax" | "sigmoid" };
  /** The params file model.onnx was exported from. */
  params: string;
  /** 1-based epoch of those params. */
  epoch: number;
  validation_accuracy: number;
}

export function describeModel(arch: Architecture, epochIndex: number, validationAccuracy: number): ModelDescription {
  return {
    format: FORMAT,
    version: 1,
    architecture: "resnet",
    num_layers: arch.numLayers,
    image_shape: arch.imageShape,
    num_classes: arch.numClasses,
    multi_label: arch.multiLabel,
    input: {
      name: "data",
      layout: "NCHW",
      dtype: "float32",
      description: "RGB pixel values 0-255 (not normalised: model.onnx normalises), images resized to image_shape without keeping the aspect ratio",
    },
    output: { name: "probabilities", activation: arch.multiLabel ? "sigmoid" : "softmax" },
    params: paramsFileName(epochIndex),
    epoch: epochIndex + 1,
    validation_accuracy: validationAccuracy,
  };
}

export function architectureOf(d: ModelDescription): Architecture {
  return { numLayers: d.num_layers, imageShape: d.image_shape, numClasses: d.num_classes, multiLabel: d.multi_label };
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.partial-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Writes one epoch's weights; returns the file's path. */
export function writeParams(modelDir: string, weights: ModelWeights, epochIndex: number): string {
  const file = path.join(modelDir, paramsFileName(epochIndex));
  writeAtomic(file, encodeSafetensors(weights.tensors, { format: FORMAT, epoch: String(epochIndex + 1), architecture: JSON.stringify(weights.arch) }));
  return file;
}

/**
 * Makes `modelDir` describe the given epoch as the served model: its params
 * (already written), model.onnx, model-shapes.json and, last, the symbol file
 * that points at them, so that an interruption leaves the previous model whole.
 */
export function writeServedModel(modelDir: string, weights: ModelWeights, onnx: Uint8Array, description: ModelDescription): void {
  const [c, h, w] = weights.arch.imageShape;
  writeAtomic(path.join(modelDir, ONNX_FILE), onnx);
  writeAtomic(path.join(modelDir, SHAPES_FILE), JSON.stringify([{ name: "data", shape: [1, c, h, w] }]));
  writeAtomic(path.join(modelDir, SYMBOL_FILE), `${JSON.stringify(description, null, 2)}\n`);
}

function isDescription(x: unknown): x is ModelDescription {
  const d = x as ModelDescription;
  return (
    !!d &&
    d.format === FORMAT &&
    Number.isInteger(d.num_layers) &&
    Array.isArray(d.image_shape) &&
    d.image_shape.length === 3 &&
    Number.isInteger(d.num_classes) &&
    typeof d.multi_label === "boolean" &&
    typeof d.params === "string"
  );
}

/** Reads the symbol file of an extracted model; `what` names the model in errors. */
export function readDescription(dir: string, what: string): ModelDescription {
  const file = path.join(dir, SYMBOL_FILE);
  if (!fs.existsSync(file)) {
    throw new ClientError(`${what} has no ${SYMBOL_FILE}: it is not a model.tar.gz made by this image-classification algorithm.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ClientError(`${what}: ${SYMBOL_FILE} is not valid JSON (${(e as Error).message}).`);
  }
  if (!isDescription(parsed)) {
    throw new ClientError(`${what}: ${SYMBOL_FILE} is not a model description of this image-classification algorithm (an MXNet model from AWS cannot be loaded locally).`);
  }
  return parsed;
}

/** The weights the model's symbol file points at. */
export function readWeights(dir: string, description: ModelDescription, what: string): ModelWeights {
  const file = path.join(dir, description.params);
  if (!fs.existsSync(file)) throw new ClientError(`${what} lacks ${description.params}, the weights its ${SYMBOL_FILE} names.`);
  try {
    const { tensors } = decodeSafetensors(fs.readFileSync(file), `${what}: ${description.params}`);
    return { arch: architectureOf(description), tensors };
  } catch (e) {
    if (e instanceof FormatError) throw new ClientError(e.message);
    throw e;
  }
}

/**
 * A model given as a folder that holds either the extracted files or one
 * model.tar.gz (how SageMaker downloads the `model` channel); returns the
 * folder with the files and a clean-up function.
 */
export function openModelFolder(dir: string, what: string): { dir: string; cleanup(): void } {
  if (fs.existsSync(path.join(dir, SYMBOL_FILE))) return { dir, cleanup: () => undefined };
  const archives = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(tar\.gz|tgz|tar)$/.test(f)) : [];
  if (archives.length !== 1) {
    throw new ClientError(`${what} must hold one model.tar.gz made by this algorithm (or its extracted files); found ${archives.length ? archives.join(", ") : "none"}.`);
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "ic-model-"));
  try {
    tar.x({ file: path.join(dir, archives[0]), cwd: out, sync: true, strict: true });
  } catch (e) {
    fs.rmSync(out, { recursive: true, force: true });
    throw new ClientError(`${what}: cannot extract ${archives[0]}: ${(e as Error).message}.`);
  }
  return { dir: out, cleanup: () => fs.rmSync(out, { recursive: true, force: true }) };
}
