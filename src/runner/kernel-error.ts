/**
 * tslab reports a failed cell only by printing to stderr and answering
 * `execute_reply {status: "error"}` without ename/evalue/traceback. This
 * rebuilds a proper `error` output from that stderr text:
 * - type errors: lines `L:C - message` (optionally prefixed by a file name) -> ename "TSError";
 * - throws: Node's decorated stack (`evalmachine.<anonymous>:2`, source line,
 *   caret, `TypeError: bad`, `    at ...`) -> ename/evalue from the header line;
 * - anything else (a thrown string) -> ename "Error", evalue = the last line.
 */
import type { ErrorOutput } from "./notebook";

export interface RecoveredError extends ErrorOutput {
  /** The stderr suffix the error was built from (moved out of the stream output). */
  consumed: string;
}

const DIAGNOSTIC = /^(?:\S.* )?\d+:\d+ - (.+)$/;
const ERROR_HEADER = /^((?:[A-Za-z_$][\w$]*)?(?:Error|Exception))(?: \[[\w-]+\])?(?:: ?(.*))?$/;
const STACK_FRAME = /^\s+at /;
/** Frames of tslab's and Node's own machinery, below the cell's code. */
const INTERNAL_FRAME =
  /node_modules[\\/]tslab[\\/]|tslab-kernel\.js|\(node:(?:vm|internal)[:/]|at node:(?:vm|internal)[:/]|sigintHandlersWrap|Script\.runInThisContext|Object\.runInThisContext/;

export function errorFromKernelStderr(stderr: string): RecoveredError {
  const lines = stderr.replace(/\n+$/, "").split("\n");
  const diagnostics = lines.filter((l) => DIAGNOSTIC.test(l));
  const headerAt = lastIndexWhere(lines, (l) => ERROR_HEADER.test(l));

  if (headerAt >= 0) {
    const [, ename, firstLine = ""] = ERROR_HEADER.exec(lines[headerAt]) as RegExpExecArray;
    // A multi-line message runs until the first stack frame.
    const messageLines = [firstLine];
    for (let j = headerAt + 1; j < lines.length && !STACK_FRAME.test(lines[j]); j++) messageLines.push(lines[j]);
    const evalue = messageLines.join("\n").trimEnd();
    // Node prints `file:line`, the source line and a caret above the header: keep them.
    const decorated = headerAt >= 2 && lines[headerAt - 1] === "" && /^\s*\^+\s*$/.test(lines[headerAt - 2]);
    const start = decorated ? Math.max(0, headerAt - 4) : headerAt;
    const block = lines.slice(start);
    return {
      output_type: "error",
      ename,
      evalue,
      traceback: block.filter((l) => !(STACK_FRAME.test(l) && INTERNAL_FRAME.test(l))),
      consumed: consumedSuffix(stderr, lines.slice(start).join("\n")),
    };
  }
  if (diagnostics.length > 0) {
    const first = lines.findIndex((l) => DIAGNOSTIC.test(l));
    const block = lines.slice(first);
    return {
      output_type: "error",
      ename: "TSError",
      evalue: (DIAGNOSTIC.exec(diagnostics[0]) as RegExpExecArray)[1] + (diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ""),
      traceback: block,
      consumed: consumedSuffix(stderr, block.join("\n")),
    };
  }
  const last = lastIndexWhere(lines, (l) => l.trim() !== "");
  if (last < 0) {
    return {
      output_type: "error",
      ename: "Error",
      evalue: "the kernel reported an error without any message",
      traceback: [],
      consumed: "",
    };
  }
  return { output_type: "error", ename: "Error", evalue: lines[last], traceback: [lines[last]], consumed: consumedSuffix(stderr, lines.slice(last).join("\n")) };
}

function consumedSuffix(stderr: string, block: string): string {
  const at = stderr.lastIndexOf(block);
  return at >= 0 ? stderr.slice(at) : "";
}

function lastIndexWhere<T>(list: T[], pred: (v: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return i;
  return -1;
}
