/**
 * Kernelspec discovery with Jupyter's search path (jupyter_core.paths):
 * JUPYTER_PATH entries, the user data dir (JUPYTER_DATA_DIR, else
 * $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter), then the system dirs.
 * The first directory holding `kernels/<name>/kernel.json` wins.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunnerError } from "./errors";

export interface KernelSpec {
  name: string;
  /** The kernelspec directory; `{resource_dir}` in argv expands to it. */
  resourceDir: string;
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
  interrupt_mode: "signal" | "message";
  metadata: Record<string, unknown>;
}

const SYSTEM_DATA_DIRS = ["/usr/local/share/jupyter", "/usr/share/jupyter"];

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const xdg = env.XDG_DATA_HOME;
  const home = env.HOME || os.homedir();
  return path.join(xdg ? xdg : path.join(home, ".local", "share"), "jupyter");
}

export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.JUPYTER_PATH ?? "").split(path.delimiter).filter(Boolean).map((p) => path.resolve(p));
  const all = [...fromEnv, userDataDir(env), ...SYSTEM_DATA_DIRS];
  return all.filter((dir, i) => all.indexOf(dir) === i);
}

/** Every kernelspec visible on the path, name -> directory (first wins). */
export function listKernelSpecs(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const found = new Map<string, string>();
  for (const dataDir of jupyterDataPath(env)) {
    const kernels = path.join(dataDir, "kernels");
    let entries: string[];
    try {
      entries = fs.readdirSync(kernels);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const name = entry.toLowerCase();
      if (!found.has(name) && fs.existsSync(path.join(kernels, entry, "kernel.json"))) {
        found.set(name, path.join(kernels, entry));
      }
    }
  }
  return found;
}

/**
 * Finds a kernelspec by name. `fallbacks` are specs used only when Jupyter's
 * path has none of that name (the runner ships one for this repo's tslab, so a
 * fresh clone runs its notebooks without `npm run kernel:install`).
 */
export function findKernelSpec(
  name: string,
  opts: { env?: NodeJS.ProcessEnv; fallbacks?: KernelSpec[] } = {},
): KernelSpec {
  const env = opts.env ?? process.env;
  const specs = listKernelSpecs(env);
  const dir = specs.get(name.toLowerCase());
  if (dir) return readKernelSpec(dir);
  const fallback = opts.fallbacks?.find((s) => s.name === name.toLowerCase());
  if (fallback) return fallback;
  const available = [...new Set([...specs.keys(), ...(opts.fallbacks ?? []).map((s) => s.name)])].sort();
  throw new RunnerError(
    `No such kernel named '${name}'. Kernels found: ${available.join(", ") || "none"} ` +
      `(searched ${jupyterDataPath(env).map((d) => path.join(d, "kernels")).join(", ")}). ` +
      `Pass -k with one of them, or install one (npm run kernel:install installs 'tslab').`,
  );
}

export function readKernelSpec(dir: string): KernelSpec {
  const file = path.join(dir, "kernel.json");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new RunnerError(`Cannot read kernelspec ${file}: ${(err as Error).message}`);
  }
  const bad = (field: string, want: string) => new RunnerError(`Kernelspec ${file}: '${field}' must be ${want}.`);
  if (raw === null || typeof raw !== "object") throw bad("(top level)", "a JSON object");
  const spec = raw as Record<string, unknown>;
  const argv = spec.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) {
    throw bad("argv", "a non-empty array of strings");
  }
  const env = spec.env ?? {};
  if (typeof env !== "object" || env === null || !Object.values(env).every((v) => typeof v === "string")) {
    throw bad("env", "an object of string values");
  }
  const interrupt = spec.interrupt_mode ?? "signal";
  if (interrupt !== "signal" && interrupt !== "message") throw bad("interrupt_mode", '"signal" or "message"');
  return {
    name: path.basename(dir).toLowerCase(),
    resourceDir: dir,
    argv: argv as string[],
    display_name: typeof spec.display_name === "string" ? spec.display_name : path.basename(dir),
    language: typeof spec.language === "string" ? spec.language : "",
    env: env as Record<string, string>,
    interrupt_mode: interrupt,
    metadata: typeof spec.metadata === "object" && spec.metadata !== null ? (spec.metadata as Record<string, unknown>) : {},
  };
}
