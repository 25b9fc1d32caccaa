/**
 * This repository's tslab kernelspec: `node scripts/tslab-kernel.js
 * {connection_file}` with the node running this code. `npm run kernel:install`
 * writes it for Jupyter; the runner also uses it when Jupyter's path has no
 * `tslab` kernel.
 */
import * as path from "node:path";
import type { KernelSpec } from "./kernelspec";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const TSLAB_LAUNCHER = path.join(REPO_ROOT, "scripts", "tslab-kernel.js");

export function tslabKernelSpec(): KernelSpec {
  return {
    name: "tslab",
    resourceDir: path.dirname(TSLAB_LAUNCHER),
    argv: [process.execPath, TSLAB_LAUNCHER, "{connection_file}"],
    display_name: "TypeScript (tslab)",
    language: "typescript",
    env: {},
    interrupt_mode: "signal",
    metadata: {},
  };
}

/**
 * A warning when the notebook will run on a `tslab` kernelspec that does not
 * start this repository's launcher (one written by `tslab install`): that
 * kernel lacks the launcher's fixes and its working directory.
 */
export function foreignTslabWarning(spec: KernelSpec): string | null {
  if (spec.name !== "tslab" || spec.argv.some((arg) => path.resolve(arg) === TSLAB_LAUNCHER)) return null;
  return (
    `The '${spec.name}' kernelspec in ${spec.resourceDir} does not start this repository's launcher (${path.relative(REPO_ROOT, TSLAB_LAUNCHER)}). ` +
    "Its tslab can lose cell outputs and hang 'busy', fail every cell after a file under src/ is replaced, and resolve ./src imports " +
    "from the wrong directory. Run `npm run kernel:install` to replace it with this repository's kernelspec."
  );
}

/** The kernel.json Jupyter reads. */
export function kernelJson(spec: KernelSpec): Record<string, unknown> {
  return {
    argv: spec.argv,
    display_name: spec.display_name,
    language: spec.language,
    interrupt_mode: spec.interrupt_mode,
    env: spec.env,
    metadata: { ...spec.metadata, "run-notebook": { repository: REPO_ROOT } },
  };
}
