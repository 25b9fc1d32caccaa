import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSanitizerFile, sanitize, sanitizerSet } from "../../../src/runner/check/sanitize";
import { tempDir } from "../helpers";

const defaults = sanitizerSet({ files: [], defaults: true });

describe("built-in sanitizers", () => {
  it.each([
    ["\x1b[31mred\x1b[0m text", "red text"],
    ["started 2026-11-26T23:57:00.985Z", "started <TIMESTAMP>"],
    ["at 2026-01-02 03:04:05+02:00 ok", "at <TIMESTAMP> ok"],
    ["job image-classification-2026-11-26-23-57-00-985 created", "job image-classification-<TIMESTAMP> created"],
    ["arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1 done", "<ARN> done"],
    ["arn:aws:iam::123456789012:role/SageMakerRole", "<ARN>"],
    ["id 0f8fad5b-d9cb-469f-a165-70867728950e", "id <UUID>"],
    ["commit 3f9a1c2b7d4e5f60 built", "commit <HEXID> built"],
    [`wrote ${path.join(os.tmpdir(), "run-abc", "model.tar.gz")}, also /tmp/x.json`, "wrote <TMPPATH>, also <TMPPATH>"],
    ["took 12.5 ms, then 3s and 2 minutes", "took <DURATION>, then <DURATION> and <DURATION>"],
    ["elapsed 0:01:23.5", "elapsed <DURATION>"],
  ])("%j -> %j", (input, expected) => {
    expect(sanitize(input, defaults)).toBe(expected);
  });

  it("leaves ordinary content alone", () => {
    const text = "Epoch[0] Train-accuracy=0.531250\nclasses: 257, image_shape 3,224,224, deadbeef, 123456";
    expect(sanitize(text, defaults)).toBe(text);
  });

  it("only strips colour codes when defaults are off", () => {
    const none = sanitizerSet({ files: [], defaults: false });
    expect(sanitize("\x1b[1m2026-11-26T23:57:00Z\x1b[0m", none)).toBe("2026-11-26T23:57:00Z");
  });
});

describe("nbval sanitizer files", () => {
  it("reads sections of regex/replace, translating Python's syntax", () => {
    const rules = parseSanitizerFile(
      [
        "# dates",
        "[date]",
        "regex: \\d{1,2}/\\d{1,2}/\\d{2,4}",
        "replace: DATE-STAMP",
        "",
        "; named groups and back-references",
        "[swap]",
        "regex = (?P<first>\\w+)@(\\w+)",
        "replace: \\2 at \\g<first> ($)",
        "[drop]",
        "regex: noise\\s*",
        "replace:",
      ].join("\n"),
      "s.cfg",
    );
    expect(rules.map((r) => r.name)).toEqual(["date", "swap", "drop"]);
    const set = { ansi: true, user: rules, builtin: [] };
    expect(sanitize("on 1/2/2026 mail bob@example noise here", set)).toBe("on DATE-STAMP mail example at bob ($) here");
  });

  it("applies the user's rules before the built-in ones", () => {
    const dir = tempDir();
    const file = path.join(dir, "s.cfg");
    fs.writeFileSync(file, "[token]\nregex: token=\\w+\nreplace: token=X\n");
    const set = sanitizerSet({ files: [file], defaults: true });
    expect(sanitize("token=a1b2c3d4e5f6a7b8 at 2026-11-26T23:57:00Z", set)).toBe("token=X at <TIMESTAMP>");
  });

  it("says what is wrong, where", () => {
    expect(() => parseSanitizerFile("regex: x", "s.cfg")).toThrow(/s.cfg:1: 'regex' comes before any \[section\]/);
    expect(() => parseSanitizerFile("[a]\nreplace: y", "s.cfg")).toThrow(/section \[a\] \(line 1\) has no 'regex:'/);
    expect(() => parseSanitizerFile("[a]\nregex: (unclosed", "s.cfg")).toThrow(/section \[a\]: invalid regex \(unclosed/);
    expect(() => parseSanitizerFile("[a]\njust text", "s.cfg")).toThrow(/s.cfg:2: expected '\[section\]'/);
    expect(() => sanitizerSet({ files: ["/nonexistent.cfg"], defaults: true })).toThrow(/--sanitize-with \/nonexistent.cfg: cannot read it \(ENOENT\)/);
  });
});
