/**
 * Maps the image URIs of requests (AlgorithmSpecification.TrainingImage,
 * PrimaryContainer.Image) to the local programs that play those images.
 *
 * Sources, first match wins, files re-read on every lookup so that an image
 * registered while the server runs is usable at once:
 *  1. the JSON file named by the LOCAL_SAGEMAKER_IMAGES environment variable;
 *  2. `<dataDir>/sagemaker/images.json`;
 *  3. the built-in image-classification algorithm, under the URI AWS
 *     publishes in every region (tags `1` and `latest`).
 *
 * A registry file maps URIs to programs:
 *   { "my-algo:1": { "command": ["./algo.js"], "environment": {"K": "v"},
 *                    "metricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}] } }
 * The program gets `train` or `serve` as its last argument. A command's first
 * element may be a `.js`/`.mjs`/`.cjs` file (run with this Node), a `.ts` file
 * (run with this Node and tsx), or any executable; `./` and `../` paths are
 * relative to the registry file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  IMAGE_CLASSIFICATION_ACCOUNTS,
  IMAGE_CLASSIFICATION_ENTRY,
  IMAGE_CLASSIFICATION_METRICS,
  imageClassificationUri,
  matchBuiltin,
} from "./builtin-images";

export const IMAGES_ENV = "LOCAL_SAGEMAKER_IMAGES";

export interface MetricDefinition {
  Name: string;
  Regex: string;
}

export interface ResolvedImage {
  uri: string;
  /** Program and arguments; the container mode (`train`/`serve`) is appended. */
  argv: string[];
  environment: Record<string, string>;
  metricDefinitions: MetricDefinition[];
  /** Where the mapping came from, for logs and messages. */
  source: string;
}

/** The image cannot be run locally; the message says why and how to register it. */
export class ImageNotRegisteredError extends Error {}

/** A registry file is unreadable or malformed; the message names the file and the entry. */
export class ImageRegistryFileError extends Error {}

const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;

/** How to start a program file with the Node that runs the server. */
function programArgv(command: string[], baseDir: string): string[] {
  const [first, ...rest] = command;
  const resolve = (p: string): string => (p.startsWith("./") || p.startsWith("../") ? path.resolve(baseDir, p) : p);
  const program = resolve(first);
  const args = rest.map(resolve);
  if (program === "node") return [process.execPath, ...args];
  if (/\.ts$/.test(program)) return [process.execPath, "--import", TSX_LOADER, program, ...args];
  if (/\.[cm]?js$/.test(program)) return [process.execPath, program, ...args];
  return [program, ...args];
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

function parseEntry(file: string, uri: string, raw: unknown): ResolvedImage {
  const bad = (what: string): never => {
    throw new ImageRegistryFileError(`Image registry ${file}: entry "${uri}" ${what}. Expected {"command": ["./program.js", "arg"], "environment"?: {...}, "metricDefinitions"?: [{"Name": ..., "Regex": ...}]}.`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return bad("is not an object");
  const entry = raw as Record<string, unknown>;
  const command = entry.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === "string" && c.length > 0)) {
    return bad('has no "command" (a non-empty array of non-empty strings)');
  }
  if (entry.environment !== undefined && !isStringRecord(entry.environment)) return bad('has an "environment" that is not an object of strings');
  const metrics = entry.metricDefinitions ?? [];
  if (!Array.isArray(metrics) || !metrics.every((m) => typeof m?.Name === "string" && typeof m?.Regex === "string")) {
    return bad('has "metricDefinitions" that are not [{"Name": string, "Regex": string}]');
  }
  for (const m of metrics as MetricDefinition[]) {
    try {
      new RegExp(m.Regex);
    } catch (e) {
      bad(`has metric "${m.Name}" whose Regex does not compile (${(e as Error).message})`);
    }
  }
  return {
    uri,
    argv: programArgv(command as string[], path.dirname(file)),
    environment: (entry.environment as Record<string, string> | undefined) ?? {},
    metricDefinitions: metrics as MetricDefinition[],
    source: file,
  };
}

function readRegistryFile(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ImageRegistryFileError(`Image registry ${file} cannot be read: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ImageRegistryFileError(`Image registry ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ImageRegistryFileError(`Image registry ${file} must hold a JSON object mapping image URIs to {"command": [...]}.`);
  }
  return parsed as Record<string, unknown>;
}

export class ImageRegistry {
  constructor(
    /** `<dataDir>/sagemaker/images.json`. */
    readonly dataDirFile: string,
    private readonly region: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private files(): string[] {
    const fromEnv = this.env[IMAGES_ENV];
    return [...(fromEnv ? [path.resolve(fromEnv)] : []), this.dataDirFile];
  }

  /** The local program for an image URI; throws ImageNotRegisteredError or ImageRegistryFileError. */
  resolve(uri: string): ResolvedImage {
    for (const file of this.files()) {
      const entries = readRegistryFile(file);
      if (entries && Object.prototype.hasOwnProperty.call(entries, uri)) return parseEntry(file, uri, entries[uri]);
    }
    const builtin = matchBuiltin(uri);
    if (builtin.kind === "image-classification") {
      return {
        uri,
        argv: programArgv([IMAGE_CLASSIFICATION_ENTRY], "/"),
        environment: algorithmSettings(this.env),
        metricDefinitions: IMAGE_CLASSIFICATION_METRICS,
        source: "built-in image-classification",
      };
    }
    const hint = builtin.kind === "near-miss" ? ` ${builtin.hint}` : "";
    throw new ImageNotRegisteredError(
      `The image "${uri}" has no local implementation.${hint} The local SageMaker runs the built-in image-classification ` +
        `algorithm (e.g. ${imageClassificationUri(IMAGE_CLASSIFICATION_ACCOUNTS[this.region] ? this.region : "us-east-1")}) and the images registered in ${this.files().join(" or ")} ` +
        `as {"${uri}": {"command": ["./my-algorithm.js"]}} (see src/local/README.md).`,
    );
  }
}

/**
 * The built-in algorithm's own settings (`IMAGE_CLASSIFICATION_SEED`,
 * `IMAGE_CLASSIFICATION_ENGINE_PATH`, `IMAGE_CLASSIFICATION_PRETRAINED_MODEL`)
 * pass from the server's environment to its processes, so a run can be steered
 * without changing the tutorial's requests; nothing else of the server's
 * environment does.
 */
function algorithmSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("IMAGE_CLASSIFICATION_") && value !== undefined) picked[name] = value;
  }
  return picked;
}
