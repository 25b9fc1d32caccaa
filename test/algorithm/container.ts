/**
 * Test helpers: lay out an SM_ML_ROOT like the local SageMaker does, and run
 * the algorithm as a real process through the container contract.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { InputDataConfigFile } from "../../src/container/contract";

export const MAIN = path.join(__dirname, "../../src/algorithms/image-classification/main.ts");

export interface ChannelSpec {
  contentType?: string;
  /** Files or folders copied into input/data/<channel>/ (folders: their content). */
  from: string[];
}

/** Creates `<base>/<name>` with input/config/*.json and the channels' data. */
export function makeRoot(base: string, name: string, hyperparameters: Record<string, string>, channels: Record<string, ChannelSpec>): string {
  const root = path.join(base, name);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "input", "config"), { recursive: true });
  fs.mkdirSync(path.join(root, "model"));
  fs.mkdirSync(path.join(root, "output"));
  fs.writeFileSync(path.join(root, "input", "config", "hyperparameters.json"), JSON.stringify(hyperparameters));
  const config: InputDataConfigFile = {};
  for (const [channel, spec] of Object.entries(channels)) {
    const dir = path.join(root, "input", "data", channel);
    fs.mkdirSync(dir, { recursive: true });
    for (const src of spec.from) {
      if (fs.statSync(src).isDirectory()) fs.cpSync(src, dir, { recursive: true });
      else fs.copyFileSync(src, path.join(dir, path.basename(src)));
    }
    config[channel] = {
      ...(spec.contentType && { ContentType: spec.contentType }),
      TrainingInputMode: "File",
      S3DistributionType: "FullyReplicated",
      RecordWrapperType: "None",
    };
  }
  fs.writeFileSync(path.join(root, "input", "config", "inputdataconfig.json"), JSON.stringify(config));
  return root;
}

export interface RunningAlgorithm {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export function startAlgorithm(mode: "train" | "serve", root: string, env: Record<string, string> = {}): RunningAlgorithm {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, mode], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SM_ML_ROOT: root, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve(line: string): void }> = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, output: lines.join("\n") })),
  );
  return {
    child,
    lines,
    exited,
    waitForLine: (re, timeoutMs = 60_000) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.join("\n")}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`the process ended without a line matching ${re}; output:\n${lines.join("\n")}`));
        });
      });
    },
  };
}

export async function runAlgorithm(mode: "train" | "serve", root: string, env: Record<string, string> = {}) {
  return startAlgorithm(mode, root, env).exited;
}

/** The log lines without their `[date time LEVEL tid] ` prefix. */
export function messages(output: string): string[] {
  return output.split("\n").map((l) => l.replace(/^\[\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d (INFO|WARNING|ERROR) \d+\] /, ""));
}

export function failureOf(root: string): string | undefined {
  const file = path.join(root, "output", "failure");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}
