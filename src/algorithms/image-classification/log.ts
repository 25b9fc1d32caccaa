/**
 * Log lines in the real algorithm's format, `[MM/DD/YYYY HH:MM:SS INFO <thread id>] message`
 * (UTC, like the container's clock), so that the same regexes (metrics,
 * tools that parse MXNet logs) work on both backends.
 */

export type LogLevel = "INFO" | "WARNING" | "ERROR";

export interface AlgorithmLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

export function formatLogLine(level: LogLevel, message: string, threadId: number, at: Date = new Date()): string {
  const stamp =
    `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return `[${stamp} ${level} ${threadId}] ${message}`;
}

/** A logger writing whole lines to `write` (stdout by default). */
export function createLog(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): AlgorithmLog {
  // Python logs the pthread id, a large number; a stable one per process reads the same.
  const threadId = 139_000_000_000_000 + process.pid;
  const emit = (level: LogLevel) => (message: string) => {
    for (const line of message.split("\n")) write(formatLogLine(level, line, threadId));
  };
  return { info: emit("INFO"), warning: emit("WARNING"), error: emit("ERROR") };
}
