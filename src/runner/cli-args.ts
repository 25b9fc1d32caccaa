/** The command line of `run-notebook`: papermill's options where they make sense, plus check mode. */
import { UsageError } from "./errors";
import type { ParameterSources } from "./parameters";

export const USAGE = `Usage: run-notebook [OPTIONS] INPUT.ipynb OUTPUT.ipynb
       run-notebook --check [OPTIONS] INPUT.ipynb [OUTPUT.ipynb]

Runs a Jupyter notebook headless, papermill-style (tslab kernel by default for
this project's notebooks), writing OUTPUT as cells finish. With --check, runs
INPUT and compares the fresh outputs with the ones saved in INPUT (nbval-style).

Parameters (later sources win: -b < -f < -y < -p < -r):
  -p, --parameters NAME VALUE      Parameter, type-coerced: True/true, False/false,
                                   None/null, integer, float, else string
  -r, --parameters_raw NAME VALUE  Parameter kept as a string
  -y, --parameters_yaml YAML       Parameters as a YAML mapping
  -f, --parameters_file FILE       Parameters from a YAML file
  -b, --parameters_base64 B64      Parameters as base64-encoded YAML

Execution:
  -k, --kernel NAME                Kernelspec name (default: the notebook's)
      --cwd DIR                    Kernel working directory (default: the current
                                   directory; the tslab kernel then uses the repo root)
      --prepare-only               Write the parameterized notebook without running it
      --start-timeout SECONDS      Kernel start limit (default 60)
      --execution-timeout SECONDS  Per-cell limit (default: none); the kernel is
                                   interrupted and the cell fails
      --autosave-cell-every SECONDS  Save during long cells at most this often
                                   (default 30, 0 disables)
      --log-output / --no-log-output      Print cell outputs as they arrive
      --progress-bar / --no-progress-bar  Progress on stderr (default: on
                                   unless --log-output)
      --report-mode / --no-report-mode    Hide code cell inputs in OUTPUT
      --html FILE                  Also render the output notebook to HTML

Check mode:
      --check                      Compare fresh outputs with INPUT's saved ones
      --lax                        Compare only cells tagged nbval-check-output
      --sanitize-with FILE         nbval sanitizer file ([section] regex:/replace:),
                                   repeatable
      --no-default-sanitizers      Do not apply the built-in sanitizers

  -h, --help                       Show this help
      --version                    Show the version

Exit codes: 0 success, 1 failing cell / kernel start failure / check drift,
2 usage error, 138 kernel died, 130/143 interrupted by SIGINT/SIGTERM.`;

export interface RunArgs {
  kind: "run";
  input: string;
  output: string | null;
  parameterSources: ParameterSources;
  kernel?: string;
  cwd?: string;
  prepareOnly: boolean;
  startTimeoutSec: number;
  executionTimeoutSec: number | null;
  autosaveCellEverySec: number;
  logOutput: boolean;
  progressBar: boolean;
  reportMode: boolean;
  html?: string;
  check: boolean;
  lax: boolean;
  sanitizerFiles: string[];
  defaultSanitizers: boolean;
}

export type CliArgs = RunArgs | { kind: "help" } | { kind: "version" };

const TWO_VALUES: Record<string, "typed" | "raw"> = {
  "-p": "typed",
  "--parameters": "typed",
  "-r": "raw",
  "--parameters_raw": "raw",
  "--parameters-raw": "raw",
};
const ONE_VALUE: Record<string, string> = {
  "-y": "yaml",
  "--parameters_yaml": "yaml",
  "--parameters-yaml": "yaml",
  "-f": "file",
  "--parameters_file": "file",
  "--parameters-file": "file",
  "-b": "base64",
  "--parameters_base64": "base64",
  "--parameters-base64": "base64",
  "-k": "kernel",
  "--kernel": "kernel",
  "--cwd": "cwd",
  "--start-timeout": "startTimeout",
  "--start_timeout": "startTimeout",
  "--execution-timeout": "executionTimeout",
  "--autosave-cell-every": "autosave",
  "--html": "html",
  "--sanitize-with": "sanitizeWith",
};
const FLAGS = new Set([
  "--prepare-only",
  "--prepare-execute",
  "--log-output",
  "--no-log-output",
  "--progress-bar",
  "--no-progress-bar",
  "--report-mode",
  "--no-report-mode",
  "--check",
  "--lax",
  "--no-default-sanitizers",
]);

export function parseArgs(argv: string[]): CliArgs {
  const src: ParameterSources = { base64: [], files: [], yaml: [], typed: [], raw: [] };
  const positional: string[] = [];
  const single: Record<string, string> = {};
  const sanitizerFiles: string[] = [];
  const flags = new Set<string>();
  let progressBar: boolean | undefined;

  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = (what: string): string => {
      if (inline !== undefined) {
        const v = inline;
        inline = undefined;
        return v;
      }
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs ${what}.`);
      return argv[++i];
    };
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--version") return { kind: "version" };
    if (arg in TWO_VALUES) {
      if (inline !== undefined) throw new UsageError(`${arg} takes two values: ${arg} NAME VALUE.`);
      const name = take("a NAME and a VALUE");
      const value = take(`a VALUE after the name '${name}'`);
      src[TWO_VALUES[arg]].push([name, value]);
    } else if (arg in ONE_VALUE) {
      const key = ONE_VALUE[arg];
      const value = take("a value");
      if (key === "yaml") src.yaml.push(value);
      else if (key === "file") src.files.push(value);
      else if (key === "base64") src.base64.push(value);
      else if (key === "sanitizeWith") sanitizerFiles.push(value);
      else single[key] = value;
    } else if (FLAGS.has(arg)) {
      if (inline !== undefined) throw new UsageError(`${arg} takes no value.`);
      if (arg === "--progress-bar") progressBar = true;
      else if (arg === "--no-progress-bar") progressBar = false;
      else flags.add(arg);
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`Unknown option ${arg}.`);
    } else {
      positional.push(argv[i]);
    }
  }

  const check = flags.has("--check");
  if (positional.length === 0) throw new UsageError("Missing INPUT notebook.");
  if (!check && positional.length < 2) throw new UsageError("Missing OUTPUT notebook (or use --check to compare with INPUT).");
  if (positional.length > 2) throw new UsageError(`Too many arguments: ${positional.slice(2).join(" ")}.`);
  if (flags.has("--lax") && !check) throw new UsageError("--lax only applies with --check.");
  if (check && flags.has("--prepare-only")) throw new UsageError("--check runs the notebook; it cannot be combined with --prepare-only.");
  const logOutput = flags.has("--log-output") && !flags.has("--no-log-output");
  return {
    kind: "run",
    input: positional[0],
    output: positional[1] ?? null,
    parameterSources: src,
    kernel: single.kernel,
    cwd: single.cwd,
    prepareOnly: flags.has("--prepare-only") && !flags.has("--prepare-execute"),
    startTimeoutSec: seconds(single.startTimeout, "--start-timeout", 60, false) as number,
    executionTimeoutSec: seconds(single.executionTimeout, "--execution-timeout", null, false),
    autosaveCellEverySec: seconds(single.autosave, "--autosave-cell-every", 30, true) as number,
    logOutput,
    progressBar: progressBar ?? !logOutput,
    reportMode: flags.has("--report-mode") && !flags.has("--no-report-mode"),
    html: single.html,
    check,
    lax: flags.has("--lax"),
    sanitizerFiles,
    defaultSanitizers: !flags.has("--no-default-sanitizers"),
  };
}

function seconds(value: string | undefined, option: string, fallback: number | null, zeroOk: boolean): number | null {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) {
    throw new UsageError(`${option} ${value}: expected a ${zeroOk ? "non-negative" : "positive"} number of seconds.`);
  }
  return n;
}
