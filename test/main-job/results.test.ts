/**
 * Reading the executed notebook back: stages from cell metadata, stage
 * times, and the results the summary reports, from output lines produced by
 * the real helpers (the algorithm's log format, the tutorial's report and
 * prediction functions), so a change of wording there fails here.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatLogLine } from "../../src/algorithms/image-classification/log";
import { checkResults, readResults, stageText } from "../../src/main-job/results";
import { cellStages, declaredStage, stageTimes } from "../../src/main-job/stages";
import type { CodeCell, Notebook, Output } from "../../src/runner/notebook";
import { setDisplayFactory, type RichDisplay } from "../../src/tutorial/display";
import { resultLine, topLabel } from "../../src/tutorial/predictions";
import { showTransformResults } from "../../src/tutorial/report";
import type { TransformResult } from "../../src/tutorial/transform";

const LABELS = ["circle", "square", "triangle"];

function code(stage: string | undefined, outputs: Output[], duration?: number): CodeCell {
  return {
    cell_type: "code",
    source: "x",
    execution_count: 1,
    outputs,
    metadata: { ...(stage ? { stage } : {}), ...(duration !== undefined ? { papermill: { duration } } : {}) },
  };
}
const stdout = (text: string): Output => ({ output_type: "stream", name: "stdout", text });
const notebook = (...cells: Notebook["cells"]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

/** The training log as the algorithm writes it. */
function trainingLog(validation: number[], train: number[]): string {
  const lines = ["Docker entrypoint called with argument(s): train"];
  validation.forEach((v, e) => {
    lines.push(formatLogLine("INFO", `Epoch[${e}] Train-accuracy=${train[e].toFixed(6)}`, 1));
    lines.push(formatLogLine("INFO", `Epoch[${e}] Time cost=4.2`, 1));
    lines.push(formatLogLine("INFO", `Epoch[${e}] Validation-accuracy=${v.toFixed(6)}`, 1));
  });
  return lines.join("\n") + "\n";
}

/** What the batch-results cell prints, captured from the tutorial's own function. */
function batchOutput(labels: string[], testClass: string): string {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  const sink: RichDisplay = { text: () => undefined, html: () => undefined, svg: () => undefined, png: () => undefined, jpeg: () => undefined };
  setDisplayFactory({ display: sink, newDisplay: () => sink });
  try {
    const results: TransformResult[] = labels.map((label, i) => ({ input: `003_${i}.jpg`, key: `out/003_${i}.jpg.out`, label, index: LABELS.indexOf(label), probability: 0.9 }));
    showTransformResults(results, testClass);
    // The notebook's cell then prints the tutorial's line for each result.
    for (const result of results) console.log(resultLine(result));
  } finally {
    spy.mockRestore();
    setDisplayFactory(undefined);
  }
  return lines.join("\n") + "\n";
}

function tutorialRun(opts: { validation?: number[]; batch?: string[]; images?: number; endpoint?: number[] } = {}): Notebook {
  const validation = opts.validation ?? [0.5, 0.93, 0.91];
  const batch = opts.batch ?? ["triangle", "triangle", "triangle"];
  const endpoint = opts.endpoint ?? [0.01, 0.02, 0.97];
  return notebook(
    code("set-up", [stdout("backend: local\n")], 2),
    code(undefined, [], 0.1),
    code("training", [stdout(trainingLog(validation, validation.map((v) => v + 0.01)))], 40),
    code("training", [{ output_type: "display_data", data: { "image/svg+xml": "<svg/>" }, metadata: {} }], 1),
    code("batch-transform", [{ output_type: "display_data", data: { "text/plain": "upload 003.triangle/: 3 files" }, metadata: {} }, stdout(`${opts.images ?? batch.length} test images in s3://b/test/\n`)], 1),
    code("batch-transform", [stdout(batchOutput(batch, "triangle"))], 3),
    { cell_type: "markdown", source: "text", metadata: {} },
    code("inference", [stdout(resultLine(topLabel(endpoint, LABELS)) + "\n")], 0.5),
    code("clean-up", [], 0.4),
  );
}

afterEach(() => vi.restoreAllMocks());

describe("stages", () => {
  it("takes each cell's declared stage and gives undeclared cells the stage before them", () => {
    expect(cellStages(tutorialRun())).toEqual(["set-up", "set-up", "training", "training", "batch-transform", "batch-transform", "batch-transform", "inference", "clean-up"]);
    expect(cellStages(notebook(code(undefined, []), code("data", [])))).toEqual(["set-up", "data"]);
  });

  it("refuses an unknown stage, naming the cell and the allowed values", () => {
    expect(() => declaredStage(code("trainig", []), 7)).toThrow(/notebook cell 7: metadata.stage is "trainig"; use one of set-up, data, training, model, batch-transform, endpoint, inference, clean-up/);
  });

  it("sums cell durations per stage, in stage order, adding server and kernel start to set-up", () => {
    const times = stageTimes(tutorialRun(), 3);
    expect(times.map((t) => [t.stage, t.cells, Number(t.seconds.toFixed(2))])).toEqual([
      ["set-up", 2, 5.1],
      ["training", 2, 41],
      ["batch-transform", 2, 4],
      ["inference", 1, 0.5],
      ["clean-up", 1, 0.4],
    ]);
    expect(times.find((t) => t.stage === "batch-transform")?.title).toBe("batch transform");
  });

  it("leaves out cells that did not run", () => {
    const nb = notebook(code("set-up", [], 1), code("training", []));
    expect(stageTimes(nb).map((t) => t.stage)).toEqual(["set-up"]);
  });
});

describe("results", () => {
  it("reads the accuracies, the batch transform's counts and the endpoint's answer", () => {
    const r = readResults(tutorialRun());
    expect(r.training?.epochs).toHaveLength(3);
    expect(r.training).toMatchObject({ finalTrainAccuracy: 0.92, finalValidationAccuracy: 0.91, keptEpoch: 1, keptValidationAccuracy: 0.93 });
    expect(r.batchTransform).toEqual({ testClass: "triangle", testImages: 3, outFiles: 3, predictedTestClass: 3 });
    expect(r.endpoint).toEqual({ label: "triangle", probability: 0.97 });
    expect(checkResults(r, { minValidationAccuracy: 0.9 }).map((c) => c.ok)).toEqual([true, true, true]);
  });

  it("keeps the first epoch of the best validation accuracy, as the algorithm does", () => {
    const r = readResults(tutorialRun({ validation: [0.95, 0.8, 0.95] }));
    expect(r.training).toMatchObject({ keptEpoch: 0, keptValidationAccuracy: 0.95, finalValidationAccuracy: 0.95 });
  });

  it("fails a model below the bar, a missing .out file and a wrong endpoint answer, saying why", () => {
    const r = readResults(tutorialRun({ validation: [0.5, 0.89], batch: ["triangle", "circle"], images: 3, endpoint: [0.6, 0.3, 0.1] }));
    const checks = checkResults(r, { minValidationAccuracy: 0.9 });
    expect(checks).toEqual([
      { name: "model learned", ok: false, detail: "kept model (Epoch[1]) validation accuracy 0.890, required >= 0.9" },
      { name: "batch transform", ok: false, detail: "2 .out file(s) for 3 test image(s)" },
      { name: "endpoint prediction", ok: false, detail: "'circle' for an image of class 'triangle'" },
    ]);
    expect(r.batchTransform?.predictedTestClass).toBe(1);
  });

  it("reports results the notebook never showed as failed checks", () => {
    const nb = notebook(code("set-up", [stdout("backend: local\n")]), code("training", [stdout("Training job ended with status: Failed\n")]));
    const r = readResults(nb);
    expect(r).toEqual({ training: null, batchTransform: null, endpoint: null });
    const checks = checkResults(r, { minValidationAccuracy: 0.9 });
    expect(checks.every((c) => !c.ok)).toBe(true);
    expect(checks[0].detail).toMatch(/no Validation-accuracy line/);
    expect(checks[1].detail).toMatch(/no 'N of M images classified as' line/);
    expect(checks[2].detail).toMatch(/no 'Result: label - \.\.\.' line/);
  });

  it("reads only the stage's own cells (the batch cells' Result lines are not the endpoint's)", () => {
    const nb = tutorialRun();
    expect(stageText(nb, "batch-transform")).toMatch(/upload 003.triangle\/: 3 files\n3 test images/);
    const noInference = notebook(...nb.cells.filter((c) => c.metadata.stage !== "inference"));
    expect(readResults(noInference).endpoint).toBeNull();
  });
});
