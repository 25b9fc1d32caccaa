import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/runner/errors";
import { coerceValue, mergeParameters, type ParameterSources } from "../../src/runner/parameters";
import { tempDir } from "./helpers";

const none: ParameterSources = { base64: [], files: [], yaml: [], typed: [], raw: [] };

describe("-p value coercion (papermill's _resolve_type)", () => {
  it.each([
    ["True", true],
    ["true", true],
    ["False", false],
    ["false", false],
    ["None", null],
    ["null", null],
    ["42", 42],
    ["-7", -7],
    ["1_000", 1000],
    ["3.5", 3.5],
    [".5", 0.5],
    ["1e-3", 0.001],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["hello", "hello"],
    ["", ""],
    ["3,224,224", "3,224,224"],
    ["0x10", "0x10"],
  ] as const)("%j -> %j", (input, expected) => {
    expect(coerceValue("x", input)).toEqual(expected);
  });

  it("reads nan as NaN", () => {
    expect(coerceValue("x", "nan")).toBeNaN();
  });

  it("refuses integers a TypeScript number cannot hold, pointing to -r", () => {
    expect(() => coerceValue("account", "123456789012345678")).toThrow(UsageError);
    expect(() => coerceValue("account", "123456789012345678")).toThrow(/-p account .*pass it with -r/);
  });
});

describe("merging parameter sources", () => {
  it("applies papermill's precedence: base64 < file < yaml < -p < -r", () => {
    const dir = tempDir();
    const file = path.join(dir, "params.yaml");
    fs.writeFileSync(file, "a: from-file\nb: from-file\nc: from-file\nd: from-file\n");
    const merged = mergeParameters({
      base64: [Buffer.from("a: from-base64\nz: 1").toString("base64")],
      files: [file],
      yaml: ["b: from-yaml\nc: from-yaml\nd: from-yaml"],
      typed: [
        ["c", "5"],
        ["d", "5"],
      ],
      raw: [["d", "5"]],
    });
    expect(merged).toEqual({ a: "from-file", b: "from-yaml", c: 5, d: "5", z: 1 });
  });

  it("keeps YAML types (lists, mappings, null)", () => {
    expect(mergeParameters({ ...none, yaml: ["shape: [3, 224, 224]\nopts: {lr: 0.1}\nnothing: ~"] })).toEqual({
      shape: [3, 224, 224],
      opts: { lr: 0.1 },
      nothing: null,
    });
  });

  it("treats an empty YAML document as no parameters", () => {
    expect(mergeParameters({ ...none, yaml: [""] })).toEqual({});
  });

  it("says which source is wrong", () => {
    expect(() => mergeParameters({ ...none, yaml: ["- a\n- b"] })).toThrow(/-y\/--parameters_yaml: expected a YAML mapping .* got a list/);
    expect(() => mergeParameters({ ...none, yaml: ["a: [1, 2"] })).toThrow(/-y\/--parameters_yaml: invalid YAML/);
    expect(() => mergeParameters({ ...none, files: ["/nonexistent/params.yaml"] })).toThrow(/-f \/nonexistent\/params.yaml: cannot read .*ENOENT/);
  });
});
