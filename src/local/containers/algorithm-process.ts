/**
 * One running "container": an algorithm program started through the launcher
 * as its own process group, its output delivered line by line, stoppable the
 * way SageMaker stops containers (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import type { ProcessRecords } from "./process-records";

const osSignals = os.constants.signals as Record<string, number>;

const LAUNCHER = path.join(__dirname, "launcher.js");

/** Longest log line kept (CloudWatch Logs' event limit is 256 KiB). */
const MAX_LINE = 256 * 1024 - 26;

/** Variables of the server's environment a program may need to run at all; nothing else leaks in. */
const INHERITED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "NODE_PATH", "NODE_EXTRA_CA_CERTS"];

export interface ProcessExit {
  /** Exit code; 128 + n when the program died of signal n. */
  code: number;
  /** True when the group was killed because it outlived its grace period. */
  killed: boolean;
}

export interface StartOptions {
  /** Program and arguments, mode included. */
  argv: string[];
  /** The contract's variables and the request's Environment. */
  env: Record<string, string>;
  cwd: string;
  /** The job's SM_ML_ROOT, recorded to find leftovers after a crash. */
  root: string;
  /** e.g. "training-job/my-job". */
  owner: string;
  records: ProcessRecords;
  onLine(line: string): void;
}

export class AlgorithmProcess {
  readonly exited: Promise<ProcessExit>;
  private ended = false;
  private killed = false;

  private constructor(
    child: ChildProcess,
    private readonly pgid: number,
    private readonly records: ProcessRecords,
  ) {
    child.on("exit", () => {
      this.ended = true;
      // Descendants the program left behind belong to the group: end them too
      // (which also closes the output pipes they may hold).
      this.signalGroup("SIGKILL");
    });
    // "close" comes after the output streams ended: every line has been delivered.
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        this.ended = true;
        this.records.remove(this.pgid);
        resolve({ code: code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0), killed: this.killed });
      });
    });
  }

  static start(opts: StartOptions): AlgorithmProcess {
    const env: Record<string, string> = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, opts.env);
    const child = spawn(process.execPath, [LAUNCHER, ...opts.argv], {
      cwd: opts.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${process.execPath} ${LAUNCHER}`);
    }
    // The server may exit while the group runs (it will be stopped by close()).
    child.unref();
    (child as unknown as { channel?: { unref(): void } }).channel?.unref();
    opts.records.add({ pgid: child.pid, root: opts.root, owner: opts.owner });
    for (const stream of [child.stdout!, child.stderr!]) {
      const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
      lines.on("line", (line) => opts.onLine(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line));
    }
    return new AlgorithmProcess(child, child.pid, opts.records);
  }

  get running(): boolean {
    return !this.ended;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGTERM to the group, SIGKILL when it has not ended after `graceMs`. */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (!this.ended) {
      this.signalGroup("SIGTERM");
      const timer = setTimeout(() => this.kill(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  kill(): void {
    if (this.ended) return;
    this.killed = true;
    this.signalGroup("SIGKILL");
  }
}
