/** A temporary folder per test file with the tiny dataset in it, and a live server beside it. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { makeTinyDataset, type TinyDataset } from "../../src/reliability/fixtures";
import { Target } from "../../src/reliability/target";

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

/**
 * A workspace and a live local server (the real background process) for the
 * duration of a test file: started before its first test, stopped and removed
 * after its last.
 */
export function liveTarget(name: string): { ws: Workspace; target: Target } {
  const live = {} as { ws: Workspace; target: Target };
  beforeAll(async () => {
    live.ws = await workspace(name);
    live.target = await Target.start({ dataDir: path.join(live.ws.dir, "server") });
  });
  afterAll(async () => {
    await live.target?.stop();
    live.ws?.remove();
  });
  return live;
}
