import { describe, expect, it } from "vitest";
import type { Output } from "../../src/runner/notebook";
import { CellOutputCollector, DisplayRegistry } from "../../src/runner/outputs";
import { newHeader, type JupyterMessage } from "../../src/runner/wire";

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return { header: newHeader(type, "s"), parent_header: {}, metadata: {}, content, buffers: [] };
}

describe("collecting a cell's outputs", () => {
  it("coalesces consecutive streams of the same name and remembers stderr", () => {
    const outputs: Output[] = [];
    const c = new CellOutputCollector(outputs, new DisplayRegistry());
    c.handle(msg("stream", { name: "stdout", text: "a" }));
    c.handle(msg("stream", { name: "stdout", text: "b\n" }));
    c.handle(msg("stream", { name: "stderr", text: "warn\n" }));
    c.handle(msg("stream", { name: "stdout", text: "c\n" }));
    expect(outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "warn\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
    expect(c.stderr).toBe("warn\n");
  });

  it("applies update_display_data to the display with that id, in any earlier cell", () => {
    const registry = new DisplayRegistry();
    const first: Output[] = [];
    const second: Output[] = [];
    new CellOutputCollector(first, registry).handle(msg("display_data", { data: { "text/plain": "0%" }, metadata: {}, transient: { display_id: "p" } }));
    const c2 = new CellOutputCollector(second, registry);
    c2.handle(msg("display_data", { data: { "text/plain": "other" }, metadata: {}, transient: {} }));
    c2.handle(msg("update_display_data", { data: { "text/plain": "100%" }, metadata: { done: true }, transient: { display_id: "p" } }));
    expect(first).toEqual([{ output_type: "display_data", data: { "text/plain": "100%" }, metadata: { done: true } }]);
    expect(second).toEqual([{ output_type: "display_data", data: { "text/plain": "other" }, metadata: {} }]);
  });

  it("records execute_result and error outputs", () => {
    const outputs: Output[] = [];
    const c = new CellOutputCollector(outputs, new DisplayRegistry());
    c.handle(msg("execute_result", { data: { "text/plain": "42" }, metadata: {}, execution_count: 3 }));
    c.handle(msg("error", { ename: "ValueError", evalue: "bad", traceback: ["tb1", "tb2"] }));
    expect(outputs).toEqual([
      { output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: 3 },
      { output_type: "error", ename: "ValueError", evalue: "bad", traceback: ["tb1", "tb2"] },
    ]);
  });

  it("clears now, or at the next output with wait=true", () => {
    const outputs: Output[] = [];
    const c = new CellOutputCollector(outputs, new DisplayRegistry());
    c.handle(msg("stream", { name: "stdout", text: "old\n" }));
    c.handle(msg("clear_output", { wait: true }));
    expect(outputs).toHaveLength(1);
    c.handle(msg("stream", { name: "stdout", text: "new\n" }));
    expect(outputs).toEqual([{ output_type: "stream", name: "stdout", text: "new\n" }]);
    c.handle(msg("clear_output", { wait: false }));
    expect(outputs).toEqual([]);
  });

  it("keeps what a terminal shows for carriage returns and backspaces", () => {
    const outputs: Output[] = [];
    const c = new CellOutputCollector(outputs, new DisplayRegistry());
    c.handle(msg("stream", { name: "stdout", text: "10%\r50%\r100%\ndone\r\nab\bc\n" }));
    c.finish();
    expect(outputs).toEqual([{ output_type: "stream", name: "stdout", text: "100%\ndone\r\nac\n" }]);
  });

  it("ignores messages that are not outputs", () => {
    const outputs: Output[] = [];
    const c = new CellOutputCollector(outputs, new DisplayRegistry());
    expect(c.handle(msg("comm_open", {}))).toBe(false);
    expect(c.handle(msg("update_display_data", { data: {}, transient: {} }))).toBe(false);
    expect(outputs).toEqual([]);
  });
});
