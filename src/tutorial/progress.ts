/**
 * Progress of long steps (downloads, uploads, jobs, endpoints): one line that
 * keeps being overwritten, as an updatable display in the notebook, with `\r`
 * on a terminal, and as occasional plain lines in logs that are not a TTY.
 */
import { richDisplay, type RichDisplay } from "./display";

export interface Progress {
  /** Replaces the current progress line (rate-limited). */
  update(message: string): void;
  /** Writes the final line, always shown. */
  done(message: string): void;
}

export interface ProgressOptions {
  /** Least time between two shown updates; the last update before `done` may be dropped. */
  minIntervalMs?: number;
  /** Overrides where the lines go (defaults: notebook display, else stderr). */
  sink?: (line: string, final: boolean) => void;
}

function terminalSink(): { sink: (line: string, final: boolean) => void; interval: number } {
  const stream = process.stderr;
  if (stream.isTTY) {
    return {
      sink: (line, final) => stream.write(`\r\x1b[K${line}${final ? "\n" : ""}`),
      interval: 100,
    };
  }
  return { sink: (line) => stream.write(`${line}\n`), interval: 10_000 };
}

function displaySink(display: RichDisplay): (line: string, final: boolean) => void {
  return (line) => display.text(line);
}

export function startProgress(label: string, options: ProgressOptions = {}): Progress {
  let sink = options.sink;
  let interval = options.minIntervalMs;
  if (!sink) {
    const rich = richDisplay();
    if (rich) {
      sink = displaySink(rich.newDisplay());
      interval ??= 250;
    } else {
      const terminal = terminalSink();
      sink = terminal.sink;
      interval ??= terminal.interval;
    }
  }
  const write = sink;
  const minInterval = interval ?? 0;
  let lastShown = -Infinity;
  let lastMessage = "";
  let finished = false;
  return {
    update(message) {
      if (finished || message === lastMessage) return;
      const now = Date.now();
      if (now - lastShown < minInterval) return;
      lastShown = now;
      lastMessage = message;
      write(`${label}: ${message}`, false);
    },
    done(message) {
      if (finished) return;
      finished = true;
      write(`${label}: ${message}`, true);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `12.0 MiB / 48.0 MiB (25%)`, or only the count when the total is unknown. */
export function formatTransfer(done: number, total: number | undefined): string {
  if (!total) return formatBytes(done);
  return `${formatBytes(done)} / ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}
