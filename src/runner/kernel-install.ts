/**
 * Writes (or removes) this repository's `tslab` kernelspec where Jupyter
 * looks for kernels, without `tslab install` (which needs Python's IPython).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { kernelJson, tslabKernelSpec } from "./builtin-kernel";
import { userDataDir } from "./kernelspec";

export interface KernelInstallOptions {
  /** Install under PREFIX/share/jupyter/kernels instead of the user's data dir. */
  prefix?: string;
  env?: NodeJS.ProcessEnv;
}

export function kernelDir(opts: KernelInstallOptions = {}): string {
  const dataDir = opts.prefix ? path.join(path.resolve(opts.prefix), "share", "jupyter") : userDataDir(opts.env);
  return path.join(dataDir, "kernels", "tslab");
}

/** Idempotent: rewrites kernel.json atomically; returns the kernelspec directory. */
export function installKernel(opts: KernelInstallOptions = {}): string {
  const dir = kernelDir(opts);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(kernelJson(tslabKernelSpec()), null, 1) + "\n");
  fs.renameSync(tmp, file);
  return dir;
}

/** Removes the kernelspec; returns false when there was none. */
export function uninstallKernel(opts: KernelInstallOptions = {}): boolean {
  const dir = kernelDir(opts);
  if (!fs.existsSync(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}
