import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "../../../src/runner/check/diff";

/** Deterministic pseudo-random lines, to check the edit script against many pairs. */
function lines(seed: number, n: number): string[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 48271) % 2147483647;
    return "abcd"[s % 4];
  });
}

describe("line diff", () => {
  it("produces an edit script that rebuilds both sides", () => {
    for (let i = 1; i < 400; i++) {
      const a = lines(i, i % 13);
      const b = lines(i * 7 + 3, (i * 5) % 11);
      const ops = diffLines(a, b);
      expect(ops.filter((o) => o.kind !== "+").map((o) => o.line)).toEqual(a);
      expect(ops.filter((o) => o.kind !== "-").map((o) => o.line)).toEqual(b);
    }
  });

  it("is minimal on a simple substitution", () => {
    const ops = diffLines(["a", "b", "c"], ["a", "x", "c"]);
    expect(ops.map((o) => o.kind + o.line)).toEqual([" a", "-b", "+x", " c"]);
  });

  it("prints unified hunks with three lines of context", () => {
    const a = Array.from({ length: 12 }, (_, i) => String(i + 1)).join("\n");
    const b = a.replace("\n5\n", "\nFIVE\n") + "\n13";
    expect(unifiedDiff(a, b, { from: "saved", to: "fresh" })).toBe(
      ["--- saved", "+++ fresh", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+FIVE", " 6", " 7", " 8", "@@ -10,3 +10,4 @@", " 10", " 11", " 12", "+13"].join("\n"),
    );
  });

  it("is empty for equal texts", () => {
    expect(unifiedDiff("same\n", "same\n", { from: "a", to: "b" })).toBe("");
  });
});
