/**
 * The kernel as an OS process: launched from its kernelspec in a process group
 * of its own, so that stopping it also stops every process its cells started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { KernelSpec } from "./kernelspec";
import { writeConnectionFile, type ConnectionFile, type ConnectionInfo } from "./connection";

export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchOptions {
  cwd: string;
  /** Added to the runner's environment and the kernelspec's `env`. */
  env?: Record<string, string>;
}

const OUTPUT_TAIL_BYTES = 16 * 1024;
const live = new Set<KernelProcess>();
let exitHookInstalled = false;

/** Last resort when the runner exits without stopping a kernel (uncaught error, process.exit). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const kernel of live) kernel.killGroup("SIGKILL");
  });
}

export class KernelProcess {
  private tail = "";
  private exitInfo: KernelExit | null = null;
  readonly exited: Promise<KernelExit>;

  private constructor(
    readonly spec: KernelSpec,
    private readonly child: ChildProcess,
    private readonly connectionFile: ConnectionFile,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  }

  static async launch(spec: KernelSpec, opts: LaunchOptions): Promise<KernelProcess> {
    const connectionFile = await writeConnectionFile(spec.name);
    const argv = spec.argv.map((a) =>
      a.replaceAll("{connection_file}", connectionFile.path).replaceAll("{resource_dir}", spec.resourceDir),
    );
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      // RUN_NOTEBOOK_CONNECTION_DIR: this repo's tslab launcher removes it if the runner dies without doing so.
      env: { ...process.env, ...spec.env, ...opts.env, JPY_PARENT_PID: String(process.pid), RUN_NOTEBOOK_CONNECTION_DIR: connectionFile.dir },
      // A new process group (setsid): the group id is the kernel's pid.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const kernel = new KernelProcess(spec, child, connectionFile);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", (err) => {
        connectionFile.remove();
        reject(new Error(`cannot start kernel '${spec.name}' with ${JSON.stringify(argv)}: ${err.message}`));
      });
    });
    installExitHook();
    live.add(kernel);
    return kernel;
  }

  get connection(): ConnectionInfo {
    return this.connectionFile.info;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get hasExited(): KernelExit | null {
    return this.exitInfo;
  }

  /** What the kernel process itself printed (not cell output), for error messages. */
  recentOutput(): string {
    return this.tail.trim();
  }

  /** Jupyter's "signal" interrupt mode: SIGINT to the kernel only, so servers its cells started keep running for clean-up cells. */
  interrupt(): void {
    if (this.exitInfo) return;
    try {
      process.kill(this.pid, "SIGINT");
    } catch {
      // Already gone: the exit handler reports it.
    }
  }

  killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: nothing left in the group.
    }
  }

  /**
   * Stops the kernel and everything in its process group: SIGTERM, then
   * SIGKILL after `graceMs`. Also reaps the group when the kernel already
   * exited but children it started are still running.
   */
  async terminate(graceMs = 2000): Promise<void> {
    if (!this.exitInfo) {
      this.killGroup("SIGTERM");
      const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
      if ((await Promise.race([this.exited, timer])) === "timeout") this.killGroup("SIGKILL");
      await this.exited;
    }
    this.killGroup("SIGKILL");
    // Grandchildren that left the group may still hold the pipes open.
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.connectionFile.remove();
    live.delete(this);
  }
}
