/**
 * Turns IOPub messages into nbformat outputs the way nbclient does: streams
 * of the same name coalesce, `update_display_data` rewrites every earlier
 * output carrying that display_id (in any cell), `clear_output` (wait or not).
 */
import type { JupyterMessage } from "./wire";
import type { Output } from "./notebook";

interface DisplayRef {
  outputs: Output[];
  index: number;
}

/** Notebook-wide: which outputs belong to which display_id. */
export class DisplayRegistry {
  private readonly refs = new Map<string, DisplayRef[]>();

  record(displayId: string, outputs: Output[], index: number): void {
    const list = this.refs.get(displayId) ?? [];
    list.push({ outputs, index });
    this.refs.set(displayId, list);
  }

  update(displayId: string, data: Record<string, unknown>, metadata: Record<string, unknown>): void {
    for (const ref of this.refs.get(displayId) ?? []) {
      const out = ref.outputs[ref.index];
      if (out && (out.output_type === "display_data" || out.output_type === "execute_result")) {
        out.data = data;
        out.metadata = metadata;
      }
    }
  }

  forget(outputs: Output[]): void {
    for (const [id, list] of this.refs) {
      const kept = list.filter((r) => r.outputs !== outputs);
      if (kept.length) this.refs.set(id, kept);
      else this.refs.delete(id);
    }
  }
}

const CARRIAGE_RETURN = /[^\n]*\r(?=[^\n])/g;
const BACKSPACE = /[^\n]\x08/g;

/** Collects one cell's outputs into `outputs` (the cell's own array, so partial saves show progress). */
export class CellOutputCollector {
  private clearOnNext = false;
  /** Everything the cell wrote to stderr, in order (tslab reports errors only there). */
  stderr = "";

  constructor(
    readonly outputs: Output[],
    private readonly displays: DisplayRegistry,
    private readonly onOutput?: (out: Output) => void,
  ) {}

  /** Returns true when the message changed the outputs. */
  handle(msg: JupyterMessage): boolean {
    const c = msg.content as Record<string, unknown>;
    switch (msg.header.msg_type) {
      case "stream": {
        const name = c.name === "stderr" ? "stderr" : "stdout";
        const text = typeof c.text === "string" ? c.text : "";
        if (name === "stderr") this.stderr += text;
        this.clearIfPending();
        const last = this.outputs[this.outputs.length - 1];
        if (last && last.output_type === "stream" && last.name === name) last.text += text;
        else this.outputs.push({ output_type: "stream", name, text });
        this.onOutput?.({ output_type: "stream", name, text });
        return true;
      }
      case "display_data":
      case "execute_result": {
        this.clearIfPending();
        const data = isRecord(c.data) ? c.data : {};
        const metadata = isRecord(c.metadata) ? c.metadata : {};
        const out: Output =
          msg.header.msg_type === "display_data"
            ? { output_type: "display_data", data, metadata }
            : { output_type: "execute_result", data, metadata, execution_count: typeof c.execution_count === "number" ? c.execution_count : null };
        const displayId = displayIdOf(c);
        if (displayId) this.displays.record(displayId, this.outputs, this.outputs.length);
        this.outputs.push(out);
        this.onOutput?.(out);
        return true;
      }
      case "update_display_data": {
        const displayId = displayIdOf(c);
        if (!displayId) return false;
        this.displays.update(displayId, isRecord(c.data) ? c.data : {}, isRecord(c.metadata) ? c.metadata : {});
        return true;
      }
      case "error": {
        this.clearIfPending();
        const out: Output = {
          output_type: "error",
          ename: String(c.ename ?? ""),
          evalue: String(c.evalue ?? ""),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        };
        this.outputs.push(out);
        this.onOutput?.(out);
        return true;
      }
      case "clear_output":
        if (c.wait === true) {
          this.clearOnNext = true;
          return false;
        }
        this.clearNow();
        return true;
      default:
        return false;
    }
  }

  push(out: Output): void {
    this.outputs.push(out);
    this.onOutput?.(out);
  }

  /** Applies carriage returns and backspaces to stream text, as a terminal would have shown it. */
  finish(): void {
    for (const out of this.outputs) {
      if (out.output_type !== "stream") continue;
      let text = out.text;
      for (let before = ""; before !== text; ) {
        before = text;
        text = text.replace(CARRIAGE_RETURN, "").replace(BACKSPACE, "");
      }
      out.text = text;
    }
  }

  private clearIfPending(): void {
    if (!this.clearOnNext) return;
    this.clearOnNext = false;
    this.clearNow();
  }

  private clearNow(): void {
    this.displays.forget(this.outputs);
    this.outputs.length = 0;
  }
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const transient = content.transient;
  if (!isRecord(transient)) return undefined;
  return typeof transient.display_id === "string" && transient.display_id !== "" ? transient.display_id : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
