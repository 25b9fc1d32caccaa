/** The command line of the main job, `npm start -- [OPTIONS]`. */
import * as path from "node:path";
import { UsageError } from "../runner/errors";
import type { ParameterSources } from "../runner/parameters";

export const DEFAULT_NOTEBOOK = path.join("notebooks", "image-classification-fulltraining.ipynb");
export const DEFAULT_MIN_ACCURACY = 0.9;
export const DEFAULT_CELL_TIMEOUT_SEC = 900;

export const MAIN_USAGE = `Usage: npm start -- [OPTIONS]

Runs the tutorial notebook end to end (on the local SageMaker by default,
started if needed), streams its progress, writes the executed notebook and an
HTML page of it to the output folder, and prints a summary.

Options:
      --out DIR                    Output folder (default: out)
  -p, --parameters NAME VALUE      Notebook parameter, type-coerced like run-notebook's -p;
                                   a number or boolean for a parameter the notebook
                                   declares as a string is passed as its text
  -r, --parameters_raw NAME VALUE  Notebook parameter kept as a string
      --keep-server                Leave the local SageMaker running when this job
                                   started it (default: stop it at the end)
      --min-accuracy X             Validation accuracy the kept model must reach
                                   (default ${DEFAULT_MIN_ACCURACY}); 0 disables the check
      --execution-timeout SECONDS  Per-cell limit (default ${DEFAULT_CELL_TIMEOUT_SEC})
      --notebook FILE              Run this notebook instead of ${DEFAULT_NOTEBOOK}
      --update-notebook            After a run that passes every check, with no
                                   parameters, save its outputs into the notebook
                                   file (the committed outputs that check mode compares)
  -h, --help                       Show this help

Exit codes: 0 every check passed; 1 a cell failed, or the results missed the
bar (the summary says which); 2 usage error; 138 the kernel died; 130/143
interrupted by SIGINT/SIGTERM.`;

export interface MainArgs {
  kind: "run";
  notebook: string;
  outDir: string;
  parameterSources: ParameterSources;
  keepServer: boolean;
  minAccuracy: number;
  executionTimeoutSec: number;
  updateNotebook: boolean;
}

function positiveNumber(option: string, text: string | undefined, allowZero: boolean): number {
  const n = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${option} needs a ${allowZero ? "non-negative" : "positive"} number, got ${text === undefined ? "nothing" : `'${text}'`}.`);
  }
  return n;
}

export function parseMainArgs(argv: readonly string[]): MainArgs | { kind: "help" } {
  const args: MainArgs = {
    kind: "run",
    notebook: DEFAULT_NOTEBOOK,
    outDir: "out",
    parameterSources: { base64: [], files: [], yaml: [], typed: [], raw: [] },
    keepServer: false,
    minAccuracy: DEFAULT_MIN_ACCURACY,
    executionTimeoutSec: DEFAULT_CELL_TIMEOUT_SEC,
    updateNotebook: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value.`);
      return v;
    };
    switch (arg) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "--out":
        args.outDir = value();
        break;
      case "-p":
      case "--parameters":
      case "-r":
      case "--parameters_raw": {
        const name = value();
        if (argv[i + 1] === undefined) throw new UsageError(`${arg} ${name} needs a value: ${arg} NAME VALUE.`);
        const pair: [string, string] = [name, value()];
        (arg === "-p" || arg === "--parameters" ? args.parameterSources.typed : args.parameterSources.raw).push(pair);
        break;
      }
      case "--keep-server":
        args.keepServer = true;
        break;
      case "--min-accuracy":
        args.minAccuracy = positiveNumber(arg, value(), true);
        if (args.minAccuracy > 1) throw new UsageError(`--min-accuracy is a fraction between 0 and 1, got ${args.minAccuracy}.`);
        break;
      case "--execution-timeout":
        args.executionTimeoutSec = positiveNumber(arg, value(), false);
        break;
      case "--notebook":
        args.notebook = value();
        break;
      case "--update-notebook":
        args.updateNotebook = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'.`);
    }
  }
  const { typed, raw } = args.parameterSources;
  if (args.updateNotebook && typed.length + raw.length > 0) {
    throw new UsageError("--update-notebook saves the outputs of a run with the notebook's defaults; drop the -p/-r parameters.");
  }
  return args;
}
