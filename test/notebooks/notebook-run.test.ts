/**
 * The notebook run headless in the real tslab kernel by the project's runner
 * against the embedded local SageMaker, failing after it created resources,
 * with parameters that keep training to seconds (a small ResNet on small
 * crops, one epoch). The complete run with the notebook's defaults, and its
 * assertions on what every cell shows, are in test/main-job/main-job.test.ts
 * (the suite's one full training run).
 */
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { stopLocalServer } from "../../src/local/launcher";

const ROOT = path.join(__dirname, "..", "..");
const NOTEBOOK = path.join(ROOT, "notebooks", "image-classification-fulltraining.ipynb");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "notebook-run-"));
const serverHome = path.join(work, "local-sagemaker");

interface OutCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[]; papermill?: { status?: string; exception?: boolean } };
  outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[]> }>;
}

const join = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : v ?? "");

function run(name: string, params: Record<string, string>): Promise<{ code: number | null; log: string; cells: OutCell[] }> {
  const output = path.join(work, `${name}.ipynb`);
  const args = ["scripts/run-notebook.js", "--no-progress-bar", "--execution-timeout", "300", NOTEBOOK, output];
  for (const [k, v] of Object.entries({ data_dir: path.join(work, "data"), ...params })) args.push("-r", k, v);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOCAL_SAGEMAKER_HOME: serverHome, LOCAL_SAGEMAKER_PORT: "0", AWS_EC2_METADATA_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      const cells = fs.existsSync(output) ? (JSON.parse(fs.readFileSync(output, "utf8")).cells as OutCell[]) : [];
      resolve({ code, log, cells });
    });
  });
}

const FAST = { num_layers: "20", image_shape: "3,32,32", epochs: "1", mini_batch_size: "32" };

afterAll(async () => {
  await stopLocalServer({ dataDir: serverHome });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the notebook on the local backend", () => {
  it("still cleans up when a cell fails after resources were created", async () => {
    const { code, cells } = await run("fail", { ...FAST, transform_instance_type: "ml.no-such-instance" });
    expect(code).not.toBe(0);
    const code_cells = cells.filter((c) => c.cell_type === "code");
    const failed = code_cells.find((c) => c.metadata.papermill?.status === "failed");
    expect(join(failed?.source)).toMatch(/runTransformJob/);
    const last = code_cells[code_cells.length - 1];
    expect(last.metadata.tags).toContain("always-run");
    const cleanup = (last.outputs ?? []).map((o) => join(o.data?.["text/html"])).join("");
    expect(cleanup).toMatch(/<td>Model<\/td><td>DEMO-full-image-classification-model[^<]*<\/td><td>deleted<\/td>/);
    expect(cleanup).toMatch(/<td>TrainingJob<\/td><td>[^<]+<\/td><td>already finished<\/td>/);
  }, 600_000);
});
