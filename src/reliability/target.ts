/**
 * A local SageMaker under test: the real background server, started the way
 * `npm run local:start` starts it (`ensureLocalServer`), with its own data
 * directory, so that a check can kill it with SIGKILL and start it again.
 */
import * as fs from "node:fs";
import { ensureLocalServer, stopLocalServer, type LocalServerInfo } from "../local/launcher";
import { clientsFor, destroyClients, type Clients } from "./clients";
import { isProcessRunning } from "../system/process-state";

/** LOCAL_SAGEMAKER_*_SECONDS of the server process: short grace periods, because the checks stop and kill a lot and wait for every end. */
const SETTINGS = { STOP_GRACE: 5, SHUTDOWN_GRACE: 2, HEALTH_TIMEOUT: 120, INVOCATION_TIMEOUT: 60 } as const;

export interface TargetOptions {
  dataDir: string;
}

export class Target {
  private current: { info: LocalServerInfo; clients: Clients } | undefined;

  private constructor(private readonly options: TargetOptions) {}

  static async start(options: TargetOptions): Promise<Target> {
    const target = new Target(options);
    await target.startServer();
    return target;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  get info(): LocalServerInfo {
    if (!this.current) throw new Error("the local server under test is not running; call restart() first");
    return this.current.info;
  }

  get clients(): Clients {
    if (!this.current) throw new Error("the local server under test is not running; call restart() first");
    return this.current.clients;
  }

  /** Starts the server (again): a stale pid file left by a kill is replaced, as for a user. */
  private async startServer(): Promise<void> {
    fs.mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    // The launcher passes this process's environment to the server: set the settings around the start only.
    const saved = new Map<string, string | undefined>();
    for (const [name, seconds] of Object.entries(SETTINGS)) {
      const key = `LOCAL_SAGEMAKER_${name}_SECONDS`;
      saved.set(key, process.env[key]);
      process.env[key] = String(seconds);
    }
    saved.set("AWS_EC2_METADATA_DISABLED", process.env.AWS_EC2_METADATA_DISABLED);
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    try {
      const info = await ensureLocalServer({ dataDir: this.options.dataDir, port: 0, timeoutMs: 60_000 });
      this.current = { info, clients: clientsFor(info) };
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }

  /** SIGKILL to the server process alone, as a crash would end it; its algorithm launchers notice on their own. */
  async kill9(): Promise<void> {
    const pid = this.info.pid;
    this.dropClients();
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (isProcessRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isProcessRunning(pid)) throw new Error(`the server process ${pid} survived SIGKILL for 10 s`);
  }

  async restart(): Promise<void> {
    this.dropClients();
    await this.startServer();
  }

  /** Graceful stop (SIGTERM: services end their processes first). */
  async stop(): Promise<void> {
    this.dropClients();
    await stopLocalServer({ dataDir: this.options.dataDir, timeoutMs: 30_000 });
  }

  private dropClients(): void {
    if (this.current) destroyClients(this.current.clients);
    this.current = undefined;
  }
}
