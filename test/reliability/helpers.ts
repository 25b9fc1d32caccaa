/** A temporary folder per test file, and the tiny dataset in it. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeTinyDataset, type TinyDataset } from "../../src/reliability/fixtures";

process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export interface Workspace {
  dir: string;
  data: TinyDataset;
  remove(): void;
}

export async function workspace(name: string): Promise<Workspace> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `reliability-${name}-`));
  return { dir, data: await makeTinyDataset(path.join(dir, "data")), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Failed checks in one readable block, for assertion messages. */
export function failures(results: Array<{ id?: string; fault?: string; injection?: string; passed?: boolean; problems: string[] }>): string {
  return results
    .filter((r) => r.problems.length > 0)
    .map((r) => `${r.id ?? r.fault ?? r.injection}:\n  ${r.problems.join("\n  ")}`)
    .join("\n");
}
