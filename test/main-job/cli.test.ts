/**
 * The main job's command line, terminal progress, summary
 * text and the saving of outputs into the committed notebook.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_NOTEBOOK, parseMainArgs } from "../../src/main-job/args";
import { saveOutputsInto } from "../../src/main-job/committed-outputs";
import { formatSummary } from "../../src/main-job/format";
import type { MainJobReport } from "../../src/main-job/job";
import { createJobProgress } from "../../src/main-job/progress";
import { UsageError } from "../../src/runner/errors";
import { mergeParameters } from "../../src/runner/parameters";
import { readNotebook, serializeNotebook, writeNotebook, type Notebook } from "../../src/runner/notebook";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "main-job-cli-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("command line", () => {
  it("has defaults for a plain `npm start`", () => {
    expect(parseMainArgs([])).toMatchObject({ kind: "run", notebook: DEFAULT_NOTEBOOK, outDir: "out", keepServer: false, minAccuracy: 0.9, executionTimeoutSec: 900, updateNotebook: false });
  });

  it("reads every option, and -p/-r parameters in order", () => {
    const args = parseMainArgs(["--out", "o", "-p", "epochs", "3", "-r", "image_shape", "3,32,32", "--keep-server", "--min-accuracy", "0.8", "--execution-timeout", "60", "--notebook", "x.ipynb"]);
    expect(args).toMatchObject({ outDir: "o", keepServer: true, minAccuracy: 0.8, executionTimeoutSec: 60, notebook: "x.ipynb" });
    if (args.kind !== "run") throw new Error("expected a run");
    expect(mergeParameters(args.parameterSources)).toEqual({ epochs: 3, image_shape: "3,32,32" });
    expect(parseMainArgs(["--help"])).toEqual({ kind: "help" });
  });

  it("refuses bad options with the reason", () => {
    const bad: Array<[string[], RegExp]> = [
      [["--outt", "x"], /unknown option '--outt'/],
      [["--out"], /--out needs a value/],
      [["-p", "epochs"], /-p epochs needs a value: -p NAME VALUE/],
      [["--min-accuracy", "95"], /fraction between 0 and 1, got 95/],
      [["--min-accuracy", "high"], /--min-accuracy needs a non-negative number, got 'high'/],
      [["--execution-timeout", "0"], /--execution-timeout needs a positive number, got '0'/],
      [["--update-notebook", "-r", "epochs", "2"], /--update-notebook saves the outputs of a run with the notebook's defaults/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseMainArgs(argv), argv.join(" ")).toThrow(UsageError);
      expect(() => parseMainArgs(argv), argv.join(" ")).toThrow(message);
    }
  });
});

describe("terminal progress", () => {
  it("heads each stage once, lists cells, and indents the cells' output as it streams", () => {
    let text = "";
    const progress = createJobProgress(["set-up", "set-up", "training", "training"], (t) => (text += t));
    progress({ type: "kernel-ready", seconds: 1.25 });
    progress({ type: "cell-start", cellIndex: 0, position: 1, total: 3 });
    progress({ type: "output", cellIndex: 0, output: { output_type: "stream", name: "stdout", text: "backend: local\n" } });
    progress({ type: "cell-start", cellIndex: 2, position: 2, total: 3 });
    progress({ type: "output", cellIndex: 2, output: { output_type: "stream", name: "stdout", text: "Epoch[0] Train-" } });
    progress({ type: "output", cellIndex: 2, output: { output_type: "stream", name: "stdout", text: "accuracy=0.5\nEpoch[0] Time cost=1\n" } });
    progress({ type: "output", cellIndex: 2, output: { output_type: "display_data", data: { "image/svg+xml": "<svg/>", "text/plain": "chart" }, metadata: {} } });
    progress({ type: "output", cellIndex: 2, output: { output_type: "display_data", data: { "text/html": "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>" }, metadata: {} } });
    progress({ type: "cell-start", cellIndex: 3, position: 3, total: 3 });
    progress({ type: "output", cellIndex: 3, output: { output_type: "error", ename: "Error", evalue: "boom", traceback: [] } });
    progress({ type: "cell-end", cellIndex: 3, position: 3, total: 3, status: "failed", seconds: 0.5 });
    expect(text).toBe(
      [
        "Kernel ready in 1.3 s",
        "",
        "== set-up ==",
        "  cell 0 (1/3)",
        "    backend: local",
        "",
        "== training ==",
        "  cell 2 (2/3)",
        "    Epoch[0] Train-accuracy=0.5",
        "    Epoch[0] Time cost=1",
        "    [chart (SVG), in the notebook and the HTML page]",
        "    [table, 1 row(s), in the notebook and the HTML page]",
        "  cell 3 (3/3)",
        "    Error: boom",
        "  cell 3 FAILED after 0.5 s",
        "",
      ].join("\n"),
    );
  });
});

function report(over: Partial<MainJobReport> = {}): MainJobReport {
  return {
    status: "completed",
    error: null,
    failure: null,
    results: {
      training: { epochs: [], finalTrainAccuracy: 0.97, finalValidationAccuracy: 0.95, keptEpoch: 4, keptValidationAccuracy: 0.95 },
      batchTransform: { testClass: "triangle", testImages: 20, outFiles: 20, predictedTestClass: 19 },
      endpoint: { label: "triangle", probability: 0.99979 },
    },
    bar: { minValidationAccuracy: 0.9 },
    checks: [
      { name: "model learned", ok: true, detail: "" },
      { name: "batch transform", ok: true, detail: "" },
      { name: "endpoint prediction", ok: true, detail: "" },
    ],
    passed: true,
    exitCode: 0,
    stages: [
      { stage: "set-up", title: "set-up", seconds: 4.04, cells: 3 },
      { stage: "training", title: "training", seconds: 50.26, cells: 5 },
    ],
    kernelStartSeconds: 1,
    wallSeconds: 75.31,
    server: { endpoint: "http://127.0.0.1:9430", dataDir: "/d", startedByJob: true, stoppedByJob: true, startSeconds: 1 },
    parameters: {},
    outputs: { notebook: "out/nb.ipynb", html: "out/nb.html", summary: "out/main-job-summary.json" },
    ...over,
  };
}

describe("summary", () => {
  it("gives the figures, the stage times, the server's fate and the outputs", () => {
    const text = formatSummary(report());
    expect(text).toContain("last epoch: train accuracy 0.970, validation accuracy 0.950");
    expect(text).toContain("kept model Epoch[4]: validation accuracy 0.950 (required >= 0.9: ok)");
    expect(text).toContain("20 .out file(s) for 20 test image(s): ok; 19 of 20 predicted 'triangle'");
    expect(text).toContain("top label 'triangle', probability 0.9998: correct");
    expect(text).toContain("set-up 4.0 s, training 50.3 s");
    expect(text).toContain("total            75.3 s");
    expect(text).toContain("started by this job and stopped again");
    expect(text).toContain("out/nb.ipynb, out/nb.html, out/main-job-summary.json");
    expect(text.trimEnd().endsWith("PASSED: the model learned, the batch transform and the endpoint answered correctly.")).toBe(true);
  });

  it("names the failing cell, or the checks that failed", () => {
    const failure = { executionCount: 6, cellIndex: 12, stage: "training" as const, firstLine: "await createTrainingJob(session, training_params);", ename: "Error", evalue: "boom" };
    const failed = formatSummary(report({ status: "failed", failure, passed: false, exitCode: 1 }));
    expect(failed).toContain("FAILED at In [6] (notebook cell 12, stage training): await createTrainingJob(session, training_params);");
    expect(failed.trimEnd().split("\n").pop()).toBe("FAILED: the notebook stopped at In [6] (notebook cell 12); out/nb.ipynb shows it marked.");

    const wrong = report({
      passed: false,
      exitCode: 1,
      results: { ...report().results, endpoint: { label: "circle", probability: 0.6 } },
      checks: [{ name: "endpoint prediction", ok: false, detail: "'circle' for an image of class 'triangle'" }],
    });
    const text = formatSummary(wrong);
    expect(text).toContain("top label 'circle', probability 0.6000: WRONG, the image is of class 'triangle'");
    expect(text.trimEnd().split("\n").pop()).toBe("FAILED: endpoint prediction ('circle' for an image of class 'triangle').");
  });
});

describe("saving outputs into the committed notebook", () => {
  const source = path.join(work, "nb.ipynb");
  const base: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } },
    cells: [
      { cell_type: "markdown", id: "m", source: "# T", metadata: {} },
      { cell_type: "code", id: "c", source: "console.log(1)", metadata: { stage: "set-up" }, outputs: [], execution_count: null },
    ],
  };

  it("takes outputs, counts and language_info, and none of the run's bookkeeping", () => {
    writeNotebook(source, base);
    const executed = structuredClone(base);
    executed.metadata.papermill = { duration: 3 };
    executed.metadata.language_info = { name: "typescript" };
    executed.cells[1].metadata.papermill = { duration: 1 };
    Object.assign(executed.cells[1], { outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }], execution_count: 1 });
    saveOutputsInto(source, executed);
    const saved = readNotebook(source);
    expect(saved.metadata).toEqual({ ...base.metadata, language_info: { name: "typescript" } });
    expect(saved.cells[1]).toMatchObject({ execution_count: 1, outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }], metadata: { stage: "set-up" } });
  });

  it("refuses a run whose cells differ from the file, leaving the file as it was", () => {
    writeNotebook(source, base);
    const before = fs.readFileSync(source, "utf8");
    const injected = structuredClone(base);
    injected.cells.splice(1, 0, { cell_type: "code", source: "// Parameters", metadata: {}, outputs: [], execution_count: 1 });
    expect(() => saveOutputsInto(source, injected)).toThrow(/has 2 cells, the executed notebook 3/);
    const edited = structuredClone(base);
    edited.cells[1].source = "console.log(2)";
    expect(() => saveOutputsInto(source, edited)).toThrow(/cell 1 of .* changed since the run started/);
    expect(fs.readFileSync(source, "utf8")).toBe(before);
    expect(serializeNotebook(readNotebook(source))).toBe(before);
  });
});
