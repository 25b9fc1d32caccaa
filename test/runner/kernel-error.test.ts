import { describe, expect, it } from "vitest";
import { errorFromKernelStderr } from "../../src/runner/kernel-error";

describe("rebuilding tslab's errors from stderr", () => {
  it("turns type-check diagnostics into a TSError", () => {
    const err = errorFromKernelStderr("1:7 - Type 'number' is not assignable to type 'string'.\n3:1 - Cannot find name 'x'.\n");
    expect(err.ename).toBe("TSError");
    expect(err.evalue).toBe("Type 'number' is not assignable to type 'string'. (and 1 more)");
    expect(err.traceback).toEqual(["1:7 - Type 'number' is not assignable to type 'string'.", "3:1 - Cannot find name 'x'."]);
  });

  it("parses Node's decorated stack, keeping the cell's frames and dropping tslab's", () => {
    const stderr = [
      "some earlier warning",
      "evalmachine.<anonymous>:4",
      '    throw new RangeError("learning rate out of range");',
      "    ^",
      "",
      "RangeError: learning rate out of range",
      "    at explode (evalmachine.<anonymous>:4:11)",
      "    at evalmachine.<anonymous>:8:22",
      "    at sigintHandlersWrap (node:vm:280:12)",
      "    at Script.runInThisContext (node:vm:135:14)",
      "    at Object.execute (/repo/node_modules/tslab/dist/executor.js:160:38)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "",
    ].join("\n");
    const err = errorFromKernelStderr(stderr);
    expect(err.ename).toBe("RangeError");
    expect(err.evalue).toBe("learning rate out of range");
    expect(err.traceback).toEqual([
      "evalmachine.<anonymous>:4",
      '    throw new RangeError("learning rate out of range");',
      "    ^",
      "",
      "RangeError: learning rate out of range",
      "    at explode (evalmachine.<anonymous>:4:11)",
      "    at evalmachine.<anonymous>:8:22",
    ]);
    expect(stderr.slice(0, stderr.length - err.consumed.length)).toBe("some earlier warning\n");
  });

  it("reads error codes, extra properties and multi-line messages", () => {
    const err = errorFromKernelStderr("TypeError [ERR_INVALID_ARG_TYPE]: bad arg\nsecond line\n    at f (x.ts:1:1) {\n  code: 'ERR_INVALID_ARG_TYPE'\n}\n");
    expect(err.ename).toBe("TypeError");
    expect(err.evalue).toBe("bad arg\nsecond line");
  });

  it("takes the last error when the cell printed error-like text before", () => {
    const err = errorFromKernelStderr("ValidationError: logged, not thrown\nError: the real one\n    at a (b:1:1)\n");
    expect([err.ename, err.evalue]).toEqual(["Error", "the real one"]);
  });

  it("handles thrown non-errors and silence", () => {
    expect(errorFromKernelStderr("just a string\n")).toMatchObject({ ename: "Error", evalue: "just a string", traceback: ["just a string"] });
    expect(errorFromKernelStderr("")).toMatchObject({ ename: "Error", evalue: "the kernel reported an error without any message", consumed: "" });
  });
});
