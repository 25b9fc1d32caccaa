/**
 * The main job (`npm start`) as a user runs it: a fresh local SageMaker
 * started by the job, the tutorial notebook with its defaults end to end,
 * the HTML page. Its wall time (the whole process, tsx start included)
 * against the project's target of 2 minutes, and the time per stage.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MainJobReport } from "../src/main-job/job";
import { ratio, type BenchResult } from "./types";

export const title = "Main job (npm start): the tutorial notebook end to end on the local backend";

const TARGET_SECONDS = 120;
const ROOT = path.join(__dirname, "..");

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "main-job-bench-"));
  try {
    const out = path.join(tmp, "out");
    // --quick: two epochs, so the bar on accuracy is off; the figure is then not the target's.
    const extra = opts.quick ? ["-p", "epochs", "2", "--min-accuracy", "0"] : [];
    const args = ["--import", "tsx", path.join(ROOT, "scripts", "main.ts"), "--out", out, "-r", "data_dir", path.join(tmp, "data"), ...extra];
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, LOCAL_SAGEMAKER_HOME: path.join(tmp, "server"), LOCAL_SAGEMAKER_PORT: "0", AWS_EC2_METADATA_DISABLED: "true" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      child.on("exit", resolve);
    });
    const wall = (performance.now() - started) / 1000;
    const summaryFile = path.join(out, "main-job-summary.json");
    if (!fs.existsSync(summaryFile)) throw new Error(`the main job exited ${code} without a summary`);
    const report = JSON.parse(fs.readFileSync(summaryFile, "utf8")) as MainJobReport;
    if (code !== 0) throw new Error(`the main job exited ${code}: ${report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join("; ") || report.error || report.status}`);
    const t = report.results.training;
    const e = report.results.endpoint;
    opts.log(`kept model validation accuracy ${t?.keptValidationAccuracy.toFixed(3)} (Epoch[${t?.keptEpoch}]), endpoint '${e?.label}' p=${e?.probability.toFixed(4)}`);
    const note = opts.quick ? "quick: 2 epochs, not the defaults" : "notebook defaults; ratio > 1: under the 2-minute target";
    return [
      { name: "main job wall time", unit: "s", project: wall, reference: TARGET_SECONDS, ratio: ratio(wall, TARGET_SECONDS, true), note },
      ...report.stages.map((s) => ({ name: `  stage: ${s.title}`, unit: "s", project: s.seconds, reference: null, ratio: null, note: s.stage === "set-up" ? "server and kernel start included" : undefined })),
    ];
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
