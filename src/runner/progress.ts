/**
 * What the CLI prints while a notebook runs: papermill's log lines, a
 * progress line (redrawn in place on a terminal, one line per cell
 * otherwise) and, with --log-output, the cells' outputs as they arrive.
 */
import type { RunnerEvent } from "./engine";
import type { Output } from "./notebook";

export interface ReporterOptions {
  progressBar: boolean;
  logOutput: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export function createReporter(opts: ReporterOptions): { onEvent: (e: RunnerEvent) => void; finish: () => void } {
  const tty = opts.stderr.isTTY === true;
  let started = Date.now();
  let lineOpen = false;
  const closeLine = () => {
    if (lineOpen) opts.stderr.write("\n");
    lineOpen = false;
  };
  const log = (text: string) => {
    closeLine();
    opts.stderr.write(text + "\n");
  };
  const clock = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };

  const onEvent = (e: RunnerEvent) => {
    switch (e.type) {
      case "warning":
        log(`Warning: ${e.message}`);
        break;
      case "kernel-starting":
        log(`Executing notebook with kernel: ${e.kernel} (${e.displayName}), working directory ${e.cwd}`);
        break;
      case "kernel-ready":
        started = Date.now();
        log(`Kernel ready in ${e.seconds.toFixed(1)} s`);
        break;
      case "cell-start":
        if (!opts.progressBar) break;
        if (tty) {
          opts.stderr.write(`\r\x1b[2KExecuting: ${e.position}/${e.total} cells [${clock()}] (cell ${e.cellIndex})`);
          lineOpen = true;
        } else {
          log(`Executing cell ${e.position}/${e.total} (notebook cell ${e.cellIndex})`);
        }
        break;
      case "cell-end":
        if (e.status === "failed") log(`Cell ${e.cellIndex} failed after ${e.seconds.toFixed(1)} s`);
        else if (e.status === "expected-error") log(`Cell ${e.cellIndex} raised the error its 'raises-exception' tag expects`);
        else if (opts.progressBar && tty && e.position === e.total) {
          opts.stderr.write(`\r\x1b[2KExecuting: ${e.total}/${e.total} cells [${clock()}]`);
          closeLine();
        }
        break;
      case "output":
        if (opts.logOutput) writeOutput(e.output);
        break;
    }
  };

  const writeOutput = (out: Output) => {
    closeLine();
    switch (out.output_type) {
      case "stream":
        (out.name === "stderr" ? opts.stderr : opts.stdout).write(out.text);
        break;
      case "display_data":
      case "execute_result": {
        const text = out.data["text/plain"];
        const mimes = Object.keys(out.data).join(", ");
        opts.stdout.write(typeof text === "string" ? `${text}\n` : `<${out.output_type}: ${mimes}>\n`);
        break;
      }
      case "error":
        opts.stderr.write(out.traceback.map((l) => l.replace(ANSI, "")).join("\n") + "\n");
        break;
    }
  };

  return { onEvent, finish: closeLine };
}
