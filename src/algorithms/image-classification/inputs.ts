/**
 * What a training job was given, read from the container contract's files:
 * hyperparameters.json, inputdataconfig.json and the channel folders.
 * Every problem becomes a ClientError that names the channel or file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { InputDataConfigFile, MlPaths } from "../../container/contract";
import { ClientError } from "./errors";
import { isImageContentType } from "./hyperparameters";

export const CHANNELS = ["train", "validation", "train_lst", "validation_lst", "model"] as const;
export const RECORDIO_CONTENT_TYPE = "application/x-recordio";

/** Where the training and validation images come from. */
export type DataInput =
  | { kind: "recordio"; train: string[]; validation: string[] }
  | { kind: "lst"; train: { lst: string; root: string }; validation: { lst: string; root: string } };

export interface TrainingInputs {
  hyperparameters: Record<string, string>;
  /** Content type per channel given (defaults filled in). */
  contentTypes: Record<string, string>;
  data: DataInput;
  /** The `model` channel's folder (incremental training), if given. */
  modelChannel: string | null;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ClientError(`Cannot read the ${what} ${file}: ${(e as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ClientError(`The ${what} ${file} is not valid JSON: ${(e as Error).message}.`);
  }
}

/** Files under `dir` (recursively) whose names end with `ext`, sorted. */
export function findFiles(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.toLowerCase().endsWith(ext)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

const baseType = (t: string): string => t.split(";")[0].trim().toLowerCase();

export function readTrainingInputs(paths: MlPaths): TrainingInputs {
  const hyperparameters = fs.existsSync(paths.hyperparameters) ? readJson(paths.hyperparameters, "hyperparameter file") : {};
  if (hyperparameters === null || typeof hyperparameters !== "object" || Array.isArray(hyperparameters)) {
    throw new ClientError(`The hyperparameter file ${paths.hyperparameters} must hold a JSON object of strings.`);
  }
  const config = readJson(paths.inputDataConfig, "input data configuration") as InputDataConfigFile;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ClientError(`The input data configuration ${paths.inputDataConfig} must hold a JSON object of channels.`);
  }
  const contentTypes: Record<string, string> = {};
  for (const [name, channel] of Object.entries(config)) {
    if (!(CHANNELS as readonly string[]).includes(name)) {
      throw new ClientError(`Channel '${name}' is not supported. The algorithm takes the channels ${CHANNELS.join(", ")}.`);
    }
    if (channel.TrainingInputMode === "Pipe") {
      throw new ClientError(`Channel '${name}' uses Pipe input mode, which this local implementation does not support; use File mode.`);
    }
    if (channel.CompressionType === "Gzip") {
      throw new ClientError(`Channel '${name}' is Gzip-compressed; the algorithm reads uncompressed RecordIO or images (CompressionType None).`);
    }
    contentTypes[name] = channel.ContentType ?? (name === "model" ? "application/x-sagemaker-model" : name.endsWith("_lst") ? "application/x-image" : RECORDIO_CONTENT_TYPE);
  }
  for (const required of ["train", "validation"]) {
    if (!(required in config)) {
      throw new ClientError(`Channel '${required}' is required: provide training data in 'train' and validation data in 'validation' (RecordIO, or images with 'train_lst'/'validation_lst').`);
    }
  }
  const kind = (name: string): "recordio" | "image" => {
    const t = contentTypes[name];
    if (baseType(t) === RECORDIO_CONTENT_TYPE) return "recordio";
    if (isImageContentType(t)) return "image";
    throw new ClientError(`Channel '${name}' has content type '${t}'; use ${RECORDIO_CONTENT_TYPE} (RecordIO) or application/x-image, image/jpeg, image/png (images with a .lst channel).`);
  };
  if (kind("train") !== kind("validation")) {
    throw new ClientError(`Channels 'train' (${contentTypes.train}) and 'validation' (${contentTypes.validation}) must both be RecordIO or both be images.`);
  }

  let data: DataInput;
  if (kind("train") === "recordio") {
    const recs = (channel: string): string[] => {
      const dir = paths.channel(channel);
      const found = findFiles(dir, ".rec");
      if (found.length === 0) throw new ClientError(`No .rec file found in channel '${channel}' (${dir}). Upload a RecordIO file made with im2rec, or use content type application/x-image with a '${channel}_lst' channel.`);
      return found;
    };
    data = { kind: "recordio", train: recs("train"), validation: recs("validation") };
  } else {
    const lst = (channel: "train" | "validation"): { lst: string; root: string } => {
      const lstChannel = `${channel}_lst`;
      if (!(lstChannel in config)) {
        throw new ClientError(`Channel '${lstChannel}' is required with image content type ${contentTypes[channel]}: it holds the .lst file that lists the '${channel}' images and their labels.`);
      }
      const dir = paths.channel(lstChannel);
      const found = findFiles(dir, ".lst");
      if (found.length !== 1) {
        throw new ClientError(`Channel '${lstChannel}' must hold exactly one .lst file; found ${found.length}${found.length ? ` (${found.map((f) => path.basename(f)).join(", ")})` : ""}.`);
      }
      return { lst: found[0], root: paths.channel(channel) };
    };
    data = { kind: "lst", train: lst("train"), validation: lst("validation") };
  }
  return {
    hyperparameters: hyperparameters as Record<string, string>,
    contentTypes,
    data,
    modelChannel: "model" in config ? paths.channel("model") : null,
  };
}
