/**
 * What the executed tutorial notebook showed, read back from its outputs:
 * the accuracies the training log printed, the batch transform's count line,
 * the endpoint's answer; and the checks the main job holds them to.
 *
 * The lines come from tested helpers (the algorithm's log format,
 * src/tutorial/report.ts, src/tutorial/predictions.ts, and the notebook's
 * own test-image count), so the summary states what a reader of the notebook sees.
 */
import { parseEpochMetrics, type EpochMetrics } from "../tutorial/metrics";
import type { Notebook } from "../runner/notebook";
import { cellStages, type StageId } from "./stages";

export interface TrainingResult {
  /** Per epoch, from the training job's log. */
  epochs: EpochMetrics[];
  finalTrainAccuracy: number | null;
  finalValidationAccuracy: number | null;
  /** The algorithm keeps the epoch with the best validation accuracy as the model. */
  keptEpoch: number;
  keptValidationAccuracy: number;
}

export interface BatchTransformResult {
  /** The class all test images belong to. */
  testClass: string;
  /** Images uploaded as the transform's input (null when the notebook did not say). */
  testImages: number | null;
  /** `.out` files the transform wrote. */
  outFiles: number;
  /** Of those, how many name the test class. */
  predictedTestClass: number;
}

export interface EndpointResult {
  label: string;
  probability: number;
}

export interface NotebookResults {
  training: TrainingResult | null;
  batchTransform: BatchTransformResult | null;
  endpoint: EndpointResult | null;
}

export interface ResultCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The text a stage's cells showed: streams and plain-text displays. */
export function stageText(nb: Notebook, stage: StageId): string {
  const stages = cellStages(nb);
  const parts: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code" || stages[i] !== stage) return;
    for (const out of cell.outputs) {
      if (out.output_type === "stream") parts.push(out.text);
      else if (out.output_type === "display_data" || out.output_type === "execute_result") {
        const plain = out.data["text/plain"];
        if (typeof plain === "string") parts.push(plain + "\n");
      }
    }
  });
  return parts.join("");
}

export function readResults(nb: Notebook): NotebookResults {
  return { training: readTraining(stageText(nb, "training")), batchTransform: readBatch(stageText(nb, "batch-transform")), endpoint: readEndpoint(stageText(nb, "inference")) };
}

function readTraining(text: string): TrainingResult | null {
  const epochs = parseEpochMetrics(text.split("\n"));
  const validated = epochs.filter((e) => e.validationAccuracy !== undefined);
  if (validated.length === 0) return null;
  // The first best epoch, as the algorithm stores a model only when validation accuracy improves.
  const kept = validated.reduce((best, e) => ((e.validationAccuracy as number) > (best.validationAccuracy as number) ? e : best));
  const last = epochs[epochs.length - 1];
  return {
    epochs,
    finalTrainAccuracy: last.trainAccuracy ?? null,
    finalValidationAccuracy: last.validationAccuracy ?? null,
    keptEpoch: kept.epoch,
    keptValidationAccuracy: kept.validationAccuracy as number,
  };
}

const CLASSIFIED = /^(\d+) of (\d+) images classified as (.+)\.$/m;
const TEST_IMAGES = /^(\d+) test images in /m;
const RESULT = /^Result: label - (.+), probability - ([0-9.eE+-]+)$/m;

function readBatch(text: string): BatchTransformResult | null {
  const m = CLASSIFIED.exec(text);
  if (!m) return null;
  const images = TEST_IMAGES.exec(text);
  return { testClass: m[3], testImages: images ? Number(images[1]) : null, outFiles: Number(m[2]), predictedTestClass: Number(m[1]) };
}

function readEndpoint(text: string): EndpointResult | null {
  const m = RESULT.exec(text);
  return m ? { label: m[1], probability: Number(m[2]) } : null;
}

export interface Bar {
  /** The kept model's validation accuracy must reach this. */
  minValidationAccuracy: number;
}

/** The bar: a model that learned, one `.out` per test image, the endpoint naming the test image's class. */
export function checkResults(r: NotebookResults, bar: Bar): ResultCheck[] {
  const checks: ResultCheck[] = [];
  const t = r.training;
  checks.push(
    t
      ? {
          name: "model learned",
          ok: t.keptValidationAccuracy >= bar.minValidationAccuracy,
          detail: `kept model (Epoch[${t.keptEpoch}]) validation accuracy ${t.keptValidationAccuracy.toFixed(3)}, required >= ${bar.minValidationAccuracy}`,
        }
      : { name: "model learned", ok: false, detail: "the training cells showed no Validation-accuracy line" },
  );
  const b = r.batchTransform;
  checks.push(
    b
      ? {
          name: "batch transform",
          ok: b.outFiles > 0 && b.testImages === b.outFiles,
          detail: `${b.outFiles} .out file(s) for ${b.testImages ?? "an unknown number of"} test image(s)`,
        }
      : { name: "batch transform", ok: false, detail: "the batch transform cells showed no 'N of M images classified as' line" },
  );
  const e = r.endpoint;
  checks.push(
    e && b
      ? { name: "endpoint prediction", ok: e.label === b.testClass, detail: `'${e.label}' for an image of class '${b.testClass}'` }
      : { name: "endpoint prediction", ok: false, detail: e ? "the test class is unknown (no batch transform result)" : "the inference cells showed no 'Result: label - ...' line" },
  );
  return checks;
}
