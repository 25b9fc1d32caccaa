import { describe, expect, it } from "vitest";
import { parseArgs, type RunArgs } from "../../src/runner/cli-args";
import { UsageError } from "../../src/runner/errors";

function run(argv: string[]): RunArgs {
  const parsed = parseArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed;
}

describe("run-notebook's command line", () => {
  it("takes papermill's options", () => {
    const a = run([
      "in.ipynb",
      "out.ipynb",
      "-p",
      "epochs",
      "5",
      "--parameters_raw",
      "id",
      "007",
      "-y",
      "a: 1",
      "-f",
      "p.yaml",
      "-k",
      "tslab",
      "--cwd=/tmp",
      "--start-timeout",
      "10",
      "--execution-timeout=2.5",
      "--log-output",
      "--report-mode",
      "--autosave-cell-every",
      "0",
    ]);
    expect(a).toMatchObject({
      input: "in.ipynb",
      output: "out.ipynb",
      kernel: "tslab",
      cwd: "/tmp",
      startTimeoutSec: 10,
      executionTimeoutSec: 2.5,
      logOutput: true,
      progressBar: false,
      reportMode: true,
      autosaveCellEverySec: 0,
      prepareOnly: false,
      check: false,
    });
    expect(a.parameterSources).toEqual({ base64: [], files: ["p.yaml"], yaml: ["a: 1"], typed: [["epochs", "5"]], raw: [["id", "007"]] });
  });

  it("has papermill's defaults", () => {
    expect(run(["a.ipynb", "b.ipynb"])).toMatchObject({ startTimeoutSec: 60, executionTimeoutSec: null, autosaveCellEverySec: 30, progressBar: true, logOutput: false });
    expect(run(["a.ipynb", "b.ipynb", "--log-output", "--progress-bar"]).progressBar).toBe(true);
  });

  it("makes OUTPUT optional in check mode only", () => {
    expect(run(["--check", "a.ipynb"])).toMatchObject({ check: true, output: null, lax: false, defaultSanitizers: true });
    expect(run(["--check", "--lax", "--sanitize-with", "s.cfg", "--no-default-sanitizers", "a.ipynb", "o.ipynb"])).toMatchObject({
      lax: true,
      sanitizerFiles: ["s.cfg"],
      defaultSanitizers: false,
      output: "o.ipynb",
    });
  });

  it("answers --help and --version", () => {
    expect(parseArgs(["x", "--help"])).toEqual({ kind: "help" });
    expect(parseArgs(["-h"])).toEqual({ kind: "help" });
    expect(parseArgs(["--version"])).toEqual({ kind: "version" });
  });

  it.each([
    [[], /Missing INPUT/],
    [["a.ipynb"], /Missing OUTPUT/],
    [["a", "b", "c"], /Too many arguments: c/],
    [["a", "b", "--frobnicate"], /Unknown option --frobnicate/],
    [["a", "b", "-p", "x"], /-p needs a VALUE after the name 'x'/],
    [["a", "b", "-p"], /-p needs a NAME and a VALUE/],
    [["a", "b", "--start-timeout", "soon"], /--start-timeout soon: expected a positive number of seconds/],
    [["a", "b", "--execution-timeout", "0"], /--execution-timeout 0: expected a positive/],
    [["a", "b", "--lax"], /--lax only applies with --check/],
    [["--check", "--prepare-only", "a"], /cannot be combined with --prepare-only/],
    [["a", "b", "--log-output=yes"], /--log-output takes no value/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseArgs(argv as string[])).toThrow(message as RegExp);
  });
});
