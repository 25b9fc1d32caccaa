/**
 * The algorithm's answers: class probabilities, as a bare JSON array
 * (real-time, application/json) or `{"prediction": [...]}` (batch output,
 * JSON Lines). Turned into labels and a top-k table.
 */
import * as dfd from "danfojs-node";

export interface LabelledPrediction {
  index: number;
  label: string;
  probability: number;
}

/** The probabilities in a response body; `source` names it in errors. */
export function parsePrediction(body: string | Uint8Array, source: string): number[] {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const firstLine = text.trim().split("\n")[0] ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(firstLine);
  } catch (e) {
    throw new Error(`${source}: the answer is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  const values =
    Array.isArray(parsed) ? parsed : parsed && typeof parsed === "object" ? (parsed as { prediction?: unknown }).prediction : undefined;
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error(`${source}: expected a list of class probabilities or {"prediction": [...]}, got ${firstLine.slice(0, 200)}`);
  }
  const bad = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${source}: probability ${bad} is ${JSON.stringify(values[bad])}, not a number.`);
  return values as number[];
}

/** Index of the largest value (the first one on ties), like numpy's argmax. */
export function argmax(values: readonly number[]): number {
  if (values.length === 0) throw new Error("argmax: no values.");
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function checkLabels(probabilities: readonly number[], labels: readonly string[]): void {
  if (labels.length !== probabilities.length) {
    throw new Error(
      `labels: the model answers ${probabilities.length} class probabilities but ${labels.length} category names were given; ` +
        `num_classes and the category list must describe the same dataset.`,
    );
  }
}

export function topLabel(probabilities: readonly number[], labels: readonly string[]): LabelledPrediction {
  checkLabels(probabilities, labels);
  const index = argmax(probabilities);
  return { index, label: labels[index], probability: probabilities[index] };
}

/** The k most probable classes, most probable first. */
export function topK(probabilities: readonly number[], labels: readonly string[], k: number): LabelledPrediction[] {
  checkLabels(probabilities, labels);
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: ${k} must be a whole number of at least 1.`);
  return probabilities
    .map((probability, index) => ({ index, label: labels[index], probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

/** The tutorial's line: `Result: label - bathtub, probability - 0.7`. */
export function resultLine(p: LabelledPrediction): string {
  return `Result: label - ${p.label}, probability - ${p.probability}`;
}

/** A top-k table as a danfojs DataFrame (rank, label, class index, probability). */
export function topKDataFrame(predictions: readonly LabelledPrediction[]): dfd.DataFrame {
  return new dfd.DataFrame({
    rank: predictions.map((_, i) => i + 1),
    label: predictions.map((p) => p.label),
    class_index: predictions.map((p) => p.index),
    probability: predictions.map((p) => Number(p.probability.toFixed(6))),
  });
}

/** Rows of a DataFrame, for display. */
export function dataFrameRows(df: dfd.DataFrame): Array<Record<string, string | number>> {
  const columns = df.columns;
  return (df.values as unknown[][]).map((row) => {
    const out: Record<string, string | number> = {};
    columns.forEach((c, i) => {
      const v = row[i];
      out[c] = typeof v === "number" ? v : String(v);
    });
    return out;
  });
}
