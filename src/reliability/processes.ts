/**
 * The process table (Linux /proc) as the checks read it: which processes
 * belong to a local server's data directory, and how much memory one holds.
 */
import * as fs from "node:fs";

export interface ProcessEntry {
  pid: number;
  /** Its command line, arguments joined by spaces. */
  command: string;
  /** Its SM_ML_ROOT (the job, endpoint or transform it runs for); absent for the server. */
  root?: string;
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The server of `dataDir` and every process of its jobs and endpoints: a
 * program started for a job carries its SM_ML_ROOT, which lies below the data
 * directory (so other servers' processes on this machine never count).
 */
export function processesOf(dataDir: string): ProcessEntry[] {
  const root = `SM_ML_ROOT=${dataDir.replace(/\/+$/, "")}/`;
  const found: ProcessEntry[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = readProc(pid, "cmdline");
    if (cmdline === undefined) continue;
    const args = cmdline.split("\0").filter(Boolean);
    const mlRoot = (readProc(pid, "environ") ?? "").split("\0").find((v) => v.startsWith(root));
    const isServer = args.some((a) => a.endsWith("local-server.ts")) && args[args.indexOf("--data-dir") + 1] === dataDir;
    if (isServer || mlRoot) found.push({ pid: Number(pid), command: args.join(" "), root: mlRoot?.slice("SM_ML_ROOT=".length) });
  }
  return found;
}

/**
 * The algorithm program itself (not its launcher) running `mode` for the job
 * or endpoint whose work folder is `<dataDir>/sagemaker/work/<kind>/<name>`.
 */
export function algorithmProcess(dataDir: string, kind: "training-jobs" | "endpoints" | "transform-jobs", mode: "train" | "serve"): ProcessEntry[] {
  const under = `${dataDir.replace(/\/+$/, "")}/sagemaker/work/${kind}/`;
  return processesOf(dataDir).filter((p) => p.root?.startsWith(under) && p.command.endsWith(` ${mode}`) && !p.command.includes("launcher.js"));
}

/** Processes whose command line contains `needle` and one of `words`, e.g. a kernel and its run's folder. */
export function processesMentioning(needle: string, words: string[]): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = readProc(pid, "cmdline")?.split("\0").join(" ");
    if (cmd?.includes(needle) && words.some((w) => cmd.includes(w))) found.push(Number(pid));
  }
  return found;
}

/** Every process whose working directory or an open file lies under `dir` (what keeps a mount busy). */
export function processesUsing(dir: string): ProcessEntry[] {
  const inside = (link: string) => {
    try {
      const target = fs.readlinkSync(link);
      return target === dir || target.startsWith(`${dir}/`);
    } catch {
      return false;
    }
  };
  const found: ProcessEntry[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      // Gone, or not ours to read.
    }
    if (inside(`/proc/${pid}/cwd`) || fds.some((fd) => inside(`/proc/${pid}/fd/${fd}`))) {
      found.push({ pid: Number(pid), command: (readProc(pid, "cmdline") ?? "?").split("\0").join(" ").trim() });
    }
  }
  return found;
}

/** Resident memory of `pid` in bytes, or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  const status = readProc(String(pid), "status");
  const kb = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : undefined;
}

