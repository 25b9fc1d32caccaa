/**
 * Where the local SageMaker keeps its state and which identity it answers
 * with. The data directory survives restarts; the credentials are generated
 * once, on first start, and kept in it (mode 0600).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isProcessRunning } from "../system/process-state";

export const LOOPBACK_HOST = "127.0.0.1";
export const DEFAULT_PORT = 9430;
export const DEFAULT_REGION = "us-east-1";
/** Documented in src/local/README.md: ARNs of the local backend use this account. */
export const DEFAULT_ACCOUNT_ID = "000000000000";
/** The role the local credentials act as, like a SageMaker notebook instance's execution role. */
export const EXECUTION_ROLE = {
  name: "AmazonSageMaker-ExecutionRole-Local",
  path: "/service-role/",
  sessionName: "SageMaker",
} as const;

export const ENV_HOME = "LOCAL_SAGEMAKER_HOME";
export const ENV_PORT = "LOCAL_SAGEMAKER_PORT";
export const ENV_REGION = "LOCAL_SAGEMAKER_REGION";

/**
 * The repository root: the nearest directory above this module (or, where a
 * notebook kernel compiled it elsewhere, above the working directory) that
 * holds the server's entry script.
 */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, "scripts", "local-server.ts"))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return path.resolve(__dirname, "..", "..");
}

export interface LocalIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export interface ServerSettings {
  host: typeof LOOPBACK_HOST;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  region: string;
}

export interface SettingsInput {
  host?: string;
  port?: number | string;
  dataDir?: string;
  region?: string;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENV_HOME];
  return fromEnv ? path.resolve(fromEnv) : path.join(repoRoot(), ".local-sagemaker");
}

/** Validates settings where they enter: options first, then the environment, then defaults. */
export function resolveSettings(input: SettingsInput = {}, env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const host = input.host ?? LOOPBACK_HOST;
  if (host !== LOOPBACK_HOST) {
    throw new Error(
      `host "${host}" is refused: the local SageMaker listens on ${LOOPBACK_HOST} only, because its credentials and data are for this machine's user alone.`,
    );
  }
  const port = parsePort(input.port ?? env[ENV_PORT] ?? DEFAULT_PORT);
  const region = input.region ?? env[ENV_REGION] ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new Error(`region "${region}" is not a region name like "us-east-1"; set ${ENV_REGION} or the region option to one.`);
  }
  const dataDir = input.dataDir ? path.resolve(input.dataDir) : defaultDataDir(env);
  return { host: LOOPBACK_HOST, port, dataDir, region };
}

function parsePort(value: number | string): number {
  const port = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`port "${value}" is not a TCP port number (0-65535, 0 = any free port); set ${ENV_PORT} or the port option to one.`);
  }
  return port;
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, "credentials.json");
}

/**
 * Reads the local identity, creating it on first use. Creation links a fully
 * written temp file into place, so two servers starting at once agree on one
 * identity and nobody ever reads a half-written file.
 */
export function loadOrCreateIdentity(dataDir: string): LocalIdentity {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = credentialsFile(dataDir);
  if (!fs.existsSync(file)) {
    const identity: LocalIdentity = {
      accessKeyId: "LSIA" + randomChars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
      secretAccessKey: randomChars(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
      accountId: DEFAULT_ACCOUNT_ID,
    };
    try {
      createComplete(file, JSON.stringify(identity, null, 2) + "\n");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return readIdentity(file);
}

function readIdentity(file: string): LocalIdentity {
  let parsed: Partial<LocalIdentity>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalIdentity>;
  } catch (err) {
    throw new Error(`${file} is not readable JSON (${(err as Error).message}); delete it to generate new local credentials.`);
  }
  const problems: string[] = [];
  if (typeof parsed.accessKeyId !== "string" || !/^[A-Z0-9]{16,128}$/.test(parsed.accessKeyId)) problems.push("accessKeyId");
  if (typeof parsed.secretAccessKey !== "string" || parsed.secretAccessKey.length < 16) problems.push("secretAccessKey");
  if (typeof parsed.accountId !== "string" || !/^\d{12}$/.test(parsed.accountId)) problems.push("accountId (12 digits)");
  if (problems.length > 0) {
    throw new Error(`${file} has invalid ${problems.join(", ")}; fix it or delete the file to generate new local credentials.`);
  }
  return parsed as LocalIdentity;
}

function randomChars(n: number, alphabet: string): string {
  const bytes = crypto.randomBytes(n);
  let out = "";
  // The alphabets have 32 or 64 letters, so `% length` is unbiased.
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

// ---- the running server's files in the data directory ----

/** Written by the server once it answers; read by the launcher and `npm run local:status`. */
export interface ServerInfoFile {
  pid: number;
  endpoint: string;
  port: number;
  region: string;
  startedAt: string;
}

export function pidFile(dataDir: string): string {
  return path.join(dataDir, "server.pid");
}

export function serverInfoFile(dataDir: string): string {
  return path.join(dataDir, "server.json");
}


/** The pid in server.pid, if the file exists and names a live process. */
export function livePid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(dataDir), "utf8").trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isProcessRunning(pid) ? pid : undefined;
}

export function readServerInfo(dataDir: string): ServerInfoFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(serverInfoFile(dataDir), "utf8")) as ServerInfoFile;
  } catch {
    return undefined;
  }
}

export function writeServerInfo(dataDir: string, info: ServerInfoFile): void {
  const file = serverInfoFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeServerInfo(dataDir: string): void {
  fs.rmSync(serverInfoFile(dataDir), { force: true });
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dataDir} is in use by another local SageMaker (pid ${pid}${pid === process.pid ? ", this process" : ""}); stop it first (npm run local:stop) or use another LOCAL_SAGEMAKER_HOME.`,
    );
    this.name = "DataDirInUseError";
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * Makes this process the only server of `dataDir`: server.pid is created
 * exclusively; a pid file whose process is gone is stale and replaced.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = pidFile(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createComplete(file, `${process.pid}\n`);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const stale = readPidText(file);
      const owner = livePid(dataDir);
      if (owner !== undefined) throw new DataDirInUseError(dataDir, owner);
      // Remove only the stale file we looked at, not one a concurrent start has just written.
      if (readPidText(file) === stale) {
        fs.rmSync(file, { force: true });
        removeServerInfo(dataDir);
      }
    }
  }
  throw new Error(`could not lock ${dataDir}: server.pid keeps appearing; is another local SageMaker starting?`);
}

function readPidText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Creates `file` with `text` only if it does not exist (EEXIST otherwise).
 * Linking a fully written temp file means no reader ever sees the file empty,
 * which a concurrent start would take for a stale lock.
 */
function createComplete(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
