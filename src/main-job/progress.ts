/**
 * The main job's terminal output while the notebook runs: a header when a
 * new stage begins, one line per cell, and the cells' output as it arrives
 * (so the training job's log streams to the terminal), indented under its cell.
 */
import type { RunnerEvent } from "../runner/engine";
import type { Output } from "../runner/notebook";
import { stageTitle, type StageId } from "./stages";

const INDENT = "    ";

/** One line standing for a rich output the terminal cannot show. */
function describeRich(data: Record<string, unknown>): string {
  const plain = data["text/plain"];
  if (typeof plain === "string" && Object.keys(data).length === 1) return plain;
  if (data["image/svg+xml"] !== undefined) return "[chart (SVG), in the notebook and the HTML page]";
  const image = Object.keys(data).find((m) => m.startsWith("image/"));
  if (image) return `[image (${image}), in the notebook and the HTML page]`;
  if (typeof data["text/html"] === "string") {
    const rows = ((data["text/html"] as string).match(/<tr>/g) ?? []).length;
    return rows > 0 ? `[table, ${rows - 1} row(s), in the notebook and the HTML page]` : "[HTML output]";
  }
  return typeof plain === "string" ? plain : `[${Object.keys(data).join(", ")}]`;
}

export function createJobProgress(stages: readonly StageId[], write: (text: string) => void): (event: RunnerEvent) => void {
  let currentStage: StageId | null = null;
  // Whether the last output text ended mid-line (the next chunk continues it, unindented).
  let midLine = false;

  const endLine = () => {
    if (midLine) write("\n");
    midLine = false;
  };
  const writeIndented = (text: string) => {
    if (text === "") return;
    const lines = text.split("\n");
    const out = lines.map((line, i) => (i === 0 && midLine) || (i === lines.length - 1 && line === "") ? line : INDENT + line).join("\n");
    write(out);
    midLine = !text.endsWith("\n");
  };
  const writeOutput = (out: Output) => {
    switch (out.output_type) {
      case "stream":
        writeIndented(out.text);
        break;
      case "display_data":
      case "execute_result":
        endLine();
        writeIndented(describeRich(out.data).replace(/\n?$/, "\n"));
        break;
      case "error":
        endLine();
        writeIndented(`${out.ename}: ${out.evalue}\n`);
        break;
    }
  };

  return (event) => {
    switch (event.type) {
      case "warning":
        endLine();
        write(`Warning: ${event.message}\n`);
        break;
      case "kernel-starting":
        write(`Kernel: ${event.displayName}, working directory ${event.cwd}\n`);
        break;
      case "kernel-ready":
        write(`Kernel ready in ${event.seconds.toFixed(1)} s\n`);
        break;
      case "cell-start": {
        endLine();
        const stage = stages[event.cellIndex] ?? currentStage ?? "set-up";
        if (stage !== currentStage) write(`\n== ${stageTitle(stage)} ==\n`);
        currentStage = stage;
        write(`  cell ${event.cellIndex} (${event.position}/${event.total})\n`);
        break;
      }
      case "cell-end":
        endLine();
        if (event.status === "failed") write(`  cell ${event.cellIndex} FAILED after ${event.seconds.toFixed(1)} s\n`);
        break;
      case "output":
        writeOutput(event.output);
        break;
    }
  };
}
