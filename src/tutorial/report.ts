/** What the notebook shows after each step: the accuracy chart, result tables, the test image. */
import { parseEpochMetrics, type EpochMetrics } from "./metrics";
import { lineChart } from "./svg-chart";
import { showImage, showSvg, showTable } from "./display";
import { checkImage } from "./inference";
import { dataFrameRows, topKDataFrame, type LabelledPrediction } from "./predictions";
import type { TransformResult } from "./transform";

/** The chart of train and validation accuracy per epoch, as SVG. */
export function accuracyChartSvg(metrics: readonly EpochMetrics[], title = "Accuracy per epoch"): string {
  const series = [
    { name: "train", points: metrics.filter((m) => m.trainAccuracy !== undefined).map((m) => [m.epoch, m.trainAccuracy as number] as const) },
    { name: "validation", points: metrics.filter((m) => m.validationAccuracy !== undefined).map((m) => [m.epoch, m.validationAccuracy as number] as const) },
  ];
  return lineChart(series, { title, xLabel: "epoch", yLabel: "accuracy", yDomain: [0, 1], integerX: true });
}

/** Parses the training log, shows the chart and the per-epoch table; returns the metrics. */
export function showAccuracy(logLines: readonly string[]): EpochMetrics[] {
  const metrics = parseEpochMetrics(logLines);
  if (metrics.length === 0) {
    console.log("No epoch accuracies in the training log (was the log available?).");
    return metrics;
  }
  showSvg(accuracyChartSvg(metrics), "accuracy chart");
  showTable(
    metrics.map((m) => ({
      epoch: m.epoch,
      train_accuracy: m.trainAccuracy ?? "",
      validation_accuracy: m.validationAccuracy ?? "",
      seconds: m.timeCost ?? "",
    })),
  );
  return metrics;
}

/** The batch transform's results as the tutorial prints them, plus a table of the first `limit`. */
export function showTransformResults(results: readonly TransformResult[], trueLabel: string, limit = 10): void {
  const correct = results.filter((r) => r.label === trueLabel).length;
  console.log(`Sample inputs: ${results.slice(0, 2).map((r) => r.input).join(", ")}`);
  console.log(`Sample output: ${results.slice(0, 2).map((r) => r.label).join(", ")}`);
  console.log(`${correct} of ${results.length} images classified as ${trueLabel}.`);
  showTable(
    results.slice(0, limit).map((r) => ({ input: r.input, label: r.label, probability: Number(r.probability.toFixed(4)) })),
  );
}

/** Shows an image file's bytes (JPEG or PNG) in the notebook. */
export async function showImageBytes(bytes: Uint8Array, caption: string): Promise<void> {
  const image = await checkImage(bytes, caption);
  showImage(bytes, image.format, `${caption} (${image.width}x${image.height})`);
}

/** The endpoint's top-k answer as a danfojs DataFrame, shown as a table. */
export function showTopK(predictions: readonly LabelledPrediction[]): void {
  showTable(dataFrameRows(topKDataFrame(predictions)));
}
