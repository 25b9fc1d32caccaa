/**
 * Where training starts from: fresh weights, the `model` channel
 * (incremental training: the same network continues), or a pretrained model
 * (transfer learning: every layer but those whose shape changed, i.e. the classifier).
 *
 * AWS downloads ImageNet weights for use_pretrained_model=1; offline there
 * are none, so a pretrained model must be given as a model.tar.gz (or its
 * folder) made by this algorithm, named by the environment variable below.
 */
import type { Architecture, ModelWeights, NamedTensors } from "../../nn/api";
import { openModelFolder, readDescription, readWeights } from "./artifacts";
import { ClientError } from "./errors";

export const PRETRAINED_MODEL_ENV = "IMAGE_CLASSIFICATION_PRETRAINED_MODEL";

/** The weights of an earlier model of this algorithm; its network must equal `arch` (incremental training). */
export function loadIncrementalWeights(channelDir: string, arch: Architecture): { weights: ModelWeights; epoch: number; accuracy: number } {
  const what = "The model in channel 'model'";
  const folder = openModelFolder(channelDir, what);
  try {
    const d = readDescription(folder.dir, what);
    const mismatches: string[] = [];
    if (d.num_layers !== arch.numLayers) mismatches.push(`num_layers ${d.num_layers} (hyperparameter: ${arch.numLayers})`);
    if (d.image_shape.join(",") !== arch.imageShape.join(",")) mismatches.push(`image_shape ${d.image_shape.join(",")} (hyperparameter: ${arch.imageShape.join(",")})`);
    if (d.num_classes !== arch.numClasses) mismatches.push(`num_classes ${d.num_classes} (hyperparameter: ${arch.numClasses})`);
    if (mismatches.length) {
      throw new ClientError(
        `${what} does not match the hyperparameters: it has ${mismatches.join(", ")}. For incremental training num_layers, image_shape and num_classes must equal the earlier model's.`,
      );
    }
    const weights = readWeights(folder.dir, d, what);
    return { weights: { arch, tensors: weights.tensors }, epoch: d.epoch, accuracy: d.validation_accuracy };
  } finally {
    folder.cleanup();
  }
}

/** Reads the pretrained model named by the environment; ClientError when there is none. */
export function loadPretrainedWeights(env: NodeJS.ProcessEnv, arch: Architecture): ModelWeights {
  const location = env[PRETRAINED_MODEL_ENV];
  if (!location) {
    throw new ClientError(
      `use_pretrained_model=1 needs ImageNet-pretrained weights, which the local implementation cannot download. ` +
        `Set use_pretrained_model=0 to train from scratch, or give the training job the environment variable ${PRETRAINED_MODEL_ENV} ` +
        `with the path of a folder holding a model.tar.gz (or its extracted files) made by this algorithm with num_layers=${arch.numLayers}.`,
    );
  }
  const what = `The pretrained model in ${location} (${PRETRAINED_MODEL_ENV})`;
  const folder = openModelFolder(location, what);
  try {
    const d = readDescription(folder.dir, what);
    if (d.num_layers !== arch.numLayers || d.image_shape[0] !== arch.imageShape[0]) {
      throw new ClientError(`${what} has num_layers ${d.num_layers} and ${d.image_shape[0]} channels; the hyperparameters ask for num_layers ${arch.numLayers} and ${arch.imageShape[0]} channels.`);
    }
    return readWeights(folder.dir, d, what);
  } finally {
    folder.cleanup();
  }
}

/** Fresh weights with every tensor of `pretrained` that has the same name and shape copied in. */
export function transferWeights(fresh: ModelWeights, pretrained: ModelWeights): { weights: ModelWeights; copied: number; kept: string[] } {
  const tensors: NamedTensors = {};
  let copied = 0;
  const kept: string[] = [];
  for (const [name, t] of Object.entries(fresh.tensors)) {
    const p = pretrained.tensors[name];
    if (p && p.shape.length === t.shape.length && p.shape.every((d, i) => d === t.shape[i])) {
      tensors[name] = { shape: [...t.shape], data: Float32Array.from(p.data) };
      copied++;
    } else {
      tensors[name] = t;
      kept.push(name);
    }
  }
  if (copied === 0) throw new ClientError("The pretrained model shares no layer with the network to train; it was made for another network.");
  return { weights: { arch: fresh.arch, tensors }, copied, kept };
}
