/**
 * The tutorial's hyperparameters: strings, as the API takes them, checked
 * against the algorithm's own table (src/algorithms/image-classification)
 * before any request, so a typo fails here and names the field instead of
 * failing minutes later as the training job's FailureReason.
 */
import {
  HYPERPARAMETERS,
  parseHyperParameters,
  type HyperparameterName,
  type ImageClassificationHyperparameters,
} from "../algorithms/image-classification/hyperparameters";

/** What the notebook sets: the two required fields, any other field optional; strings or numbers. */
export type TutorialHyperParameters = { num_classes: string | number; num_training_samples: string | number } & Partial<
  Record<HyperparameterName, string | number>
>;

export interface CheckedHyperParameters {
  /** Exactly what CreateTrainingJob sends: the given fields, as strings. */
  api: Record<string, string>;
  /** Every hyperparameter with the algorithm's defaults applied. */
  typed: ImageClassificationHyperparameters;
}

/**
 * Validates `values` (names, types, ranges, required fields, cross-field
 * rules) with the algorithm's parser. `inputContentTypes` are the training
 * channels' ContentTypes (image input makes `resize` required).
 */
export function checkHyperParameters(
  values: TutorialHyperParameters,
  inputContentTypes: string[] = ["application/x-recordio"],
): CheckedHyperParameters {
  const api: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "") {
      throw new Error(`hyperparameters.${name}: empty value; leave the field out to use the algorithm's default.`);
    }
    if (typeof value !== "string" && typeof value !== "number") {
      throw new Error(`hyperparameters.${name}: ${JSON.stringify(value)} must be a string (or a number).`);
    }
    api[name] = String(value);
  }
  const typed = parseHyperParameters(api, { inputContentTypes });
  return { api, typed };
}

/** The facts about the training data the hyperparameters must agree with. */
export interface DataFacts {
  numClasses: number;
  numTrainingSamples: number;
  /** Smallest [height, width] of the training images, if known. */
  minImageSize?: readonly [number, number];
}

/**
 * Catches the mismatches the algorithm would only report after minutes:
 * class count, sample count and images smaller than image_shape.
 */
export function checkAgainstData(typed: ImageClassificationHyperparameters, data: DataFacts, datasetName: string): void {
  if (typed.num_classes !== data.numClasses) {
    throw new Error(
      `hyperparameters.num_classes: ${typed.num_classes}, but the ${datasetName} data has ${data.numClasses} classes; set num_classes = "${data.numClasses}".`,
    );
  }
  if (typed.num_training_samples !== data.numTrainingSamples) {
    throw new Error(
      `hyperparameters.num_training_samples: ${typed.num_training_samples}, but the ${datasetName} training data has ` +
        `${data.numTrainingSamples} images; set num_training_samples = "${data.numTrainingSamples}".`,
    );
  }
  if (typed.mini_batch_size > data.numTrainingSamples) {
    throw new Error(
      `hyperparameters.mini_batch_size: ${typed.mini_batch_size} is larger than the ${data.numTrainingSamples} training images; ` +
        `the algorithm needs at least one full batch.`,
    );
  }
  if (data.minImageSize) {
    const [, h, w] = typed.image_shape;
    const [minH, minW] = data.minImageSize;
    if (h > minH || w > minW) {
      throw new Error(
        `hyperparameters.image_shape: ${typed.image_shape.join(",")} is larger than the ${datasetName} images ` +
          `(${minH}x${minW}); training crops images to image_shape, so use at most "${typed.image_shape[0]},${minH},${minW}".`,
      );
    }
  }
}

/** The algorithm's table for people: name, required, default, allowed values, meaning. */
export function hyperParameterTable(): Array<Record<string, string>> {
  return HYPERPARAMETERS.map((spec) => ({
    name: spec.name,
    required: spec.required === "always" ? "yes" : spec.required === "no" ? "no" : "for image input",
    default: spec.default ?? "(not set)",
    allowed: spec.allowed,
    description: spec.description,
  }));
}
