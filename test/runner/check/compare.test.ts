import { describe, expect, it } from "vitest";
import { comparableItems, renderItems } from "../../../src/runner/check/compare";
import { sanitizerSet } from "../../../src/runner/check/sanitize";
import type { Output } from "../../../src/runner/notebook";

const set = sanitizerSet({ files: [], defaults: true });

describe("comparing a cell's outputs", () => {
  it("coalesces streams, compares MIME types, images by presence, errors without tracebacks", () => {
    const outputs: Output[] = [
      { output_type: "stream", name: "stdout", text: "a\n" },
      { output_type: "stream", name: "stderr", text: "warn\n" },
      { output_type: "stream", name: "stdout", text: "b at 2026-11-26T23:57:00Z\n" },
      { output_type: "display_data", data: { "text/plain": "<Figure>", "image/png": "iVBORw0KGgo=", "image/svg+xml": "<svg/>" }, metadata: {} },
      { output_type: "execute_result", data: { "application/json": { b: 1 } }, metadata: {}, execution_count: 1 },
      { output_type: "error", ename: "Error", evalue: "boom", traceback: ["at /tmp/x.ts:1:1"] },
    ];
    expect(renderItems(comparableItems(outputs, set))).toBe(
      [
        "[stdout]",
        "a",
        "b at <TIMESTAMP>",
        "[stderr]",
        "warn",
        "[image/png] (present)",
        "[image/svg+xml] (present)",
        "[text/plain]",
        "<Figure>",
        "[application/json]",
        '{\n "b": 1\n}',
        "[error]",
        "Error: boom",
      ].join("\n"),
    );
  });

  it("does not distinguish display_data from execute_result, nor image bytes", () => {
    const a: Output[] = [{ output_type: "display_data", data: { "text/plain": "42", "image/png": "AAAA" }, metadata: {} }];
    const b: Output[] = [{ output_type: "execute_result", data: { "text/plain": "42", "image/png": "BBBB" }, metadata: {}, execution_count: 7 }];
    expect(renderItems(comparableItems(a, set))).toBe(renderItems(comparableItems(b, set)));
  });

  it("notices a missing image and changed text", () => {
    const a: Output[] = [{ output_type: "display_data", data: { "image/png": "AAAA" }, metadata: {} }];
    const b: Output[] = [{ output_type: "display_data", data: { "text/plain": "AAAA" }, metadata: {} }];
    expect(renderItems(comparableItems(a, set))).not.toBe(renderItems(comparableItems(b, set)));
  });
});
