/**
 * The notebook itself, run headless in the real tslab kernel by the
 * project's runner against the embedded local SageMaker, with parameters
 * that keep training to seconds (a small ResNet on small crops, one epoch).
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

/** Every text the cells showed: streams, plain text, HTML. */
function shown(cells: OutCell[]): string {
  return cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => join(o.text) + Object.values(o.data ?? {}).map(join).join("\n"))
    .join("\n");
}

const FAST = { num_layers: "20", image_shape: "3,32,32", epochs: "1", mini_batch_size: "32" };

afterAll(async () => {
  await stopLocalServer({ dataDir: serverHome });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the notebook on the local backend", () => {
  it("runs from the first cell to the clean-up", async () => {
    const { code, log, cells } = await run("ok", FAST);
    expect(code, log).toBe(0);
    const code_cells = cells.filter((c) => c.cell_type === "code");
    expect(code_cells.every((c) => c.metadata.papermill?.status === "completed")).toBe(true);
    const text = shown(cells);
    expect(text).toMatch(/role: arn:aws:iam::\d{12}:role\/service-role\/AmazonSageMaker-ExecutionRole-Local/);
    expect(text).toMatch(/Training job current status: InProgress/);
    expect(text).toMatch(/Epoch\[0\] Validation-accuracy=/);
    expect(text).toMatch(/Training job ended with status: Completed/);
    expect(text).toMatch(/Transform job ended with status: Completed/);
    expect(text).toMatch(/Sample output: /);
    expect(text).toMatch(/Endpoint creation ended with EndpointStatus = InService/);
    expect(text).toMatch(/Result: label - \w+, probability - 0?\.\d+|Result: label - \w+, probability - 1/);
    expect(text).not.toMatch(/NodeVersionSupportWarning/);
    const outputs = cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.some((o) => join(o.data?.["image/svg+xml"]).startsWith("<svg"))).toBe(true);
    expect(outputs.some((o) => o.data?.["image/jpeg"] !== undefined)).toBe(true);
    expect(outputs.some((o) => /<th>rank<\/th><th>label<\/th><th>class_index<\/th><th>probability<\/th>/.test(join(o.data?.["text/html"])))).toBe(true);
    const cleanup = join(code_cells[code_cells.length - 1].outputs?.map((o) => join(o.data?.["text/html"])).join(""));
    for (const kind of ["Endpoint", "EndpointConfig", "Model"]) expect(cleanup).toMatch(new RegExp(`<td>${kind}</td><td>[^<]+</td><td>deleted</td>`));
  }, 600_000);

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
