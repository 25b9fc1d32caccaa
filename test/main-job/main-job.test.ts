/**
 * The main job end to end, as `npm start` runs it: the tutorial notebook
 * with its defaults (ResNet-18 on the synthetic dataset) on a local
 * SageMaker the job starts, in the real tslab kernel. This is the test
 * suite's one full training run; the executed notebook it writes is also
 * where the notebook's own end-to-end assertions live. Then a deliberately
 * broken copy of the notebook, through `run-notebook` and through the main job.
 *
 * Each run gets its own local-server data directory; afterwards no process
 * that inherited it may be left (server, algorithm processes, kernel, guard).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListEndpointsCommand, ListTrainingJobsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { chromium } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalServer, readLocalServerInfo, stopLocalServer } from "../../src/local/launcher";
import type { MainJobReport } from "../../src/main-job/job";
import { readNotebook, writeNotebook, type CodeCell, type Notebook, type Output } from "../../src/runner/notebook";

const ROOT = path.join(__dirname, "..", "..");
const NOTEBOOK = path.join(ROOT, "notebooks", "image-classification-fulltraining.ipynb");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "main-job-e2e-"));
const data = path.join(work, "data");

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], serverHome: string): Promise<Exit> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOCAL_SAGEMAKER_HOME: serverHome, LOCAL_SAGEMAKER_PORT: "0", AWS_EC2_METADATA_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const mainJob = (args: string[], serverHome: string) => runNode(["--import", "tsx", "scripts/main.ts", "-r", "data_dir", data, ...args], serverHome);

/** Processes that inherited this data directory (the server, its algorithm processes, kernels, guards). */
function processesOf(serverHome: string): number[] {
  const marker = `LOCAL_SAGEMAKER_HOME=${serverHome}\0`;
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/environ`, "latin1").includes(marker);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

/** The guard ends on its own shortly after the clean-up; give stragglers a few seconds. */
async function expectNoProcesses(serverHome: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let left = processesOf(serverHome);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    left = processesOf(serverHome);
  }
  const described = left.map((pid) => {
    try {
      return `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " ")}`;
    } catch {
      return `${pid}`;
    }
  });
  expect(described).toEqual([]);
}

const join = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));
const codeCells = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
const outputsOf = (nb: Notebook): Output[] => codeCells(nb).flatMap((c) => c.outputs);
function shown(nb: Notebook): string {
  return outputsOf(nb)
    .map((o) => (o.output_type === "stream" ? o.text : o.output_type === "error" ? "" : Object.values(o.data).map((v) => join(v as string)).join("\n")))
    .join("\n");
}

afterAll(async () => {
  for (const home of ["server-ok", "server-broken-cli", "server-broken-job", "server-interrupted"]) await stopLocalServer({ dataDir: path.join(work, home) });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("npm start: the main job with the notebook's defaults", () => {
  const serverHome = path.join(work, "server-ok");
  const out = path.join(work, "out");
  let exit: Exit;
  let report: MainJobReport;
  let executed: Notebook;

  beforeAll(async () => {
    exit = await mainJob(["--out", out, "--keep-server"], serverHome);
    report = JSON.parse(fs.readFileSync(path.join(out, "main-job-summary.json"), "utf8")) as MainJobReport;
    executed = readNotebook(path.join(out, "image-classification-fulltraining.ipynb"));
  }, 900_000);

  it("meets the bar: a model that learned, one .out per test image, the right endpoint answer", () => {
    expect(exit.code, exit.stdout.slice(-3000) + exit.stderr.slice(-3000)).toBe(0);
    expect(report.passed).toBe(true);
    const t = report.results.training!;
    expect(t.epochs).toHaveLength(7);
    expect(t.keptValidationAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(t.finalTrainAccuracy).toBeGreaterThan(0.5);
    const b = report.results.batchTransform!;
    expect(b).toMatchObject({ testClass: "triangle", testImages: 20, outFiles: 20 });
    expect(b.predictedTestClass).toBeGreaterThanOrEqual(15);
    expect(report.results.endpoint?.label).toBe("triangle");
    expect(report.results.endpoint?.probability).toBeGreaterThan(0.5);
    expect(report.stages.map((s) => s.stage)).toEqual(["set-up", "data", "training", "model", "batch-transform", "endpoint", "inference", "clean-up"]);
    const staged = report.stages.reduce((sum, s) => sum + s.seconds, 0);
    expect(staged).toBeLessThanOrEqual(report.wallSeconds);
    expect(report.stages.find((s) => s.stage === "training")!.seconds).toBeGreaterThan(report.stages.find((s) => s.stage === "model")!.seconds);
  });

  it("streams the stages and the training log, then prints the summary with the same figures", () => {
    const s = exit.stdout;
    const order = ["Local SageMaker: started at http://127.0.0.1:", "== set-up ==", "== training ==", "Epoch[0] Train-accuracy=", "Epoch[4] Validation-accuracy=", "== clean-up ==", "Summary"];
    const at = order.map((text) => s.indexOf(text));
    expect(at.every((i) => i >= 0), JSON.stringify(at)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const summary = s.slice(s.indexOf("Summary"));
    const t = report.results.training!;
    expect(summary).toContain(`kept model Epoch[${t.keptEpoch}]: validation accuracy ${t.keptValidationAccuracy.toFixed(3)} (required >= 0.9: ok)`);
    expect(summary).toContain("20 .out file(s) for 20 test image(s): ok");
    expect(summary).toMatch(/endpoint +top label 'triangle', probability 0\.\d{4}: correct/);
    expect(summary).toMatch(/time per stage +set-up [\d.]+ s, data [\d.]+ s, training [\d.]+ s, model [\d.]+ s, batch transform [\d.]+ s, endpoint [\d.]+ s, inference [\d.]+ s, clean-up [\d.]+ s/);
    expect(summary).toContain("started by this job and left running (--keep-server)");
    expect(summary).toContain(path.join(out, "image-classification-fulltraining.html"));
    expect(summary.trimEnd().endsWith("PASSED: the model learned, the batch transform and the endpoint answered correctly.")).toBe(true);
  });

  it("writes the executed notebook: every cell completed, showing what the tutorial shows", () => {
    expect(codeCells(executed).every((c) => (c.metadata.papermill as { status?: string }).status === "completed")).toBe(true);
    const text = shown(executed);
    expect(text).toMatch(/role: arn:aws:iam::\d{12}:role\/service-role\/AmazonSageMaker-ExecutionRole-Local/);
    expect(text).toMatch(/Training job current status: InProgress/);
    expect(text).toMatch(/Training job ended with status: Completed/);
    expect(text).toMatch(/Transform job ended with status: Completed/);
    expect(text).toMatch(/Sample output: \w+, \w+/);
    expect(text).toMatch(/Endpoint creation ended with EndpointStatus = InService/);
    expect(text).toMatch(/Result: label - triangle, probability - 0\.\d+/);
    expect(text).not.toMatch(/NodeVersionSupportWarning/);
    const outs = outputsOf(executed);
    expect(outs.some((o) => o.output_type === "display_data" && join(o.data["image/svg+xml"] as string).startsWith("<svg"))).toBe(true);
    expect(outs.some((o) => o.output_type === "display_data" && o.data["image/jpeg"] !== undefined)).toBe(true);
    const cleanUp = codeCells(executed).at(-1)!;
    expect(cleanUp.metadata.tags).toContain("always-run");
    const table = cleanUp.outputs.map((o) => (o.output_type === "display_data" ? join(o.data["text/html"] as string) : "")).join("");
    for (const kind of ["Endpoint", "EndpointConfig", "Model"]) expect(table).toMatch(new RegExp(`<td>${kind}</td><td>[^<]+</td><td>deleted</td>`));
  });

  it("renders the HTML page with the accuracy chart, the test image and the top-5 table", () => {
    const html = fs.readFileSync(path.join(out, "image-classification-fulltraining.html"), "utf8");
    expect(html).toMatch(/<svg[^>]*>[\s\S]*Accuracy per epoch[\s\S]*<\/svg>/);
    expect(html).toMatch(/<img[^>]+src="data:image\/jpeg;base64,[A-Za-z0-9+/=]{500,}"/);
    expect(html).toContain("<th>rank</th><th>label</th><th>class_index</th><th>probability</th>");
    expect(html).toMatch(/<tr><td>1<\/td><td>triangle<\/td>/);
  });

  it("looks like a notebook in headless Chromium (a screenshot with real content)", async () => {
    const context = await chromium.launchPersistentContext(path.join(work, "chromium-profile"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1100, height: 900 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`file://${path.join(out, "image-classification-fulltraining.html")}`, { waitUntil: "load" });
      expect(errors).toEqual([]);
      const chart = page.locator("svg", { hasText: "Accuracy per epoch" });
      await chart.scrollIntoViewIfNeeded();
      const chartShot = await sharp(await chart.screenshot()).stats();
      // Curves and axes on white: many distinct pixels, not one flat colour.
      expect(chartShot.channels.every((c) => c.stdev > 10)).toBe(true);
      const image = page.locator('img[src^="data:image/jpeg"]').first();
      expect(await image.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      const shot = await page.screenshot({ fullPage: true });
      fs.writeFileSync(path.join(out, "screenshot.png"), shot);
      const meta = await sharp(shot).metadata();
      expect(meta.height).toBeGreaterThan(3000);
      const stats = await sharp(shot).stats();
      expect(stats.channels.some((c) => c.stdev > 20)).toBe(true);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("leaves no endpoint behind; the kept server stops on request, and then nothing of the run remains", async () => {
    const info = await readLocalServerInfo({ dataDir: serverHome });
    expect(info, "--keep-server keeps the server running").toBeDefined();
    const sm = new SageMakerClient({ endpoint: info!.endpoint, region: info!.region, credentials: { accessKeyId: info!.accessKeyId, secretAccessKey: info!.secretAccessKey } });
    try {
      expect((await sm.send(new ListEndpointsCommand({}))).Endpoints).toEqual([]);
    } finally {
      sm.destroy();
    }
    await stopLocalServer({ dataDir: serverHome });
    await expectNoProcesses(serverHome);
  }, 60_000);
});

describe("a deliberately broken copy of the notebook", () => {
  const broken = path.join(work, "broken.ipynb");
  const BROKEN_LINE = 'throw new Error("deliberately broken for the test");';
  let brokenIndex: number;

  beforeAll(() => {
    const nb = readNotebook(NOTEBOOK);
    brokenIndex = nb.cells.findIndex((c) => c.cell_type === "code" && c.source.includes("checkHyperParameters("));
    expect(brokenIndex).toBeGreaterThan(0);
    nb.cells[brokenIndex].source = BROKEN_LINE;
    writeNotebook(broken, nb);
  });

  it("makes run-notebook exit 1 with the failing cell marked as papermill marks it", async () => {
    const serverHome = path.join(work, "server-broken-cli");
    const output = path.join(work, "broken-out.ipynb");
    const exit = await runNode(["scripts/run-notebook.js", "--no-progress-bar", "-r", "data_dir", data, broken, output], serverHome);
    expect(exit.code, exit.stderr.slice(-2000)).toBe(1);
    expect(exit.stderr).toMatch(/Exception encountered at "In \[\d+\]" \(notebook cell \d+\)/);
    expect(exit.stderr).toContain("deliberately broken for the test");

    const nb = readNotebook(output);
    const marks = nb.cells.filter((c) => c.metadata.tags?.includes("papermill-error-cell-tag"));
    expect(marks).toHaveLength(2);
    expect(nb.cells[0].source).toMatch(/An Exception was encountered at '<a href="#papermill-error-cell">In \[\d+\]<\/a>'/);
    // The injected parameters (data_dir), the banner and the anchor before it move the failing cell down by three.
    const failing = nb.cells.findIndex((c) => c.source === BROKEN_LINE);
    expect(failing).toBe(brokenIndex + 3);
    expect(nb.cells[failing - 1].source).toContain('id="papermill-error-cell"');
    const cell = nb.cells[failing] as CodeCell;
    expect(cell.metadata.papermill).toMatchObject({ status: "failed", exception: true });
    expect(cell.outputs.find((o) => o.output_type === "error")).toMatchObject({ ename: "Error", evalue: "deliberately broken for the test" });
    // The clean-up cell still ran; later cells did not.
    const statuses = codeCells(nb).map((c) => (c.metadata.papermill as { status: string }).status);
    expect(statuses.at(-1)).toBe("completed");
    expect(statuses.filter((s) => s === "pending").length).toBeGreaterThan(10);

    // The notebook started the local server on demand and leaves it for the next run; nothing else remains.
    const info = await readLocalServerInfo({ dataDir: serverHome });
    expect(info).toBeDefined();
    expect(processesOf(serverHome).filter((pid) => pid !== info!.pid)).toEqual([]);
    await stopLocalServer({ dataDir: serverHome });
    await expectNoProcesses(serverHome);
  }, 300_000);

  it("makes the main job exit 1 naming the cell, and stop the server it started", async () => {
    const serverHome = path.join(work, "server-broken-job");
    const out = path.join(work, "out-broken");
    const exit = await mainJob(["--out", out, "--notebook", broken], serverHome);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toMatch(/notebook +FAILED at In \[\d+\] \(notebook cell \d+, stage training\): throw new Error\("deliberately broken for the test"\);/);
    expect(exit.stdout).toMatch(/FAILED: the notebook stopped at In \[\d+\] \(notebook cell \d+\); .*broken\.ipynb shows it marked\./);
    expect(exit.stderr).toMatch(/The notebook failed at In \[\d+\] \(notebook cell \d+, stage training\):\n  throw new Error/);
    expect(exit.stdout).toContain("started by this job and stopped again");
    const report = JSON.parse(fs.readFileSync(path.join(out, "main-job-summary.json"), "utf8")) as MainJobReport;
    expect(report).toMatchObject({ status: "failed", passed: false, exitCode: 1, failure: { stage: "training", ename: "Error", evalue: "deliberately broken for the test" } });
    expect(fs.existsSync(path.join(out, "broken.html"))).toBe(true);
    expect(await readLocalServerInfo({ dataDir: serverHome })).toBeUndefined();
    await expectNoProcesses(serverHome);
  }, 300_000);
});

describe("an interrupted main job", () => {
  it("exits 130 once the guard stopped the running training job, then stops the server it started", async () => {
    const serverHome = path.join(work, "server-interrupted");
    const out = path.join(work, "out-interrupted");
    // The guard keeps its log in the temp folder after it cleaned up: this run's goes under `work`.
    const tmp = fs.mkdirSync(path.join(work, "tmp-interrupted"), { recursive: true }) as string;
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/main.ts", "-r", "data_dir", data, "--out", out], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp, LOCAL_SAGEMAKER_HOME: serverHome, LOCAL_SAGEMAKER_PORT: "0", AWS_EC2_METADATA_DISABLED: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      // The training job runs: interrupt now, while a billable resource exists.
      if (stdout.includes("Epoch[0] Batch") && !child.killed) child.kill("SIGINT");
    });
    expect(await exited).toBe(130);
    expect(stdout).toMatch(/KeyboardInterrupt/);
    expect(stdout).toContain("started by this job and stopped again");
    const report = JSON.parse(fs.readFileSync(path.join(out, "main-job-summary.json"), "utf8")) as MainJobReport;
    expect(report).toMatchObject({ status: "interrupted", passed: false, failure: { stage: "training" } });
    expect(await readLocalServerInfo({ dataDir: serverHome })).toBeUndefined();
    await expectNoProcesses(serverHome);
    // Started again, the server knows the job as stopped by the guard (one cut off by the server's stop would be Failed).
    const info = await ensureLocalServer({ dataDir: serverHome, port: 0 });
    const sm = new SageMakerClient({ endpoint: info.endpoint, region: info.region, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey } });
    try {
      const jobs = (await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries ?? [];
      expect(jobs.map((j) => j.TrainingJobStatus)).toEqual(["Stopped"]);
    } finally {
      sm.destroy();
      await stopLocalServer({ dataDir: serverHome });
    }
  }, 300_000);
});
