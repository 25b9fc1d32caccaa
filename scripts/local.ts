/**
 * npm run local:start [-- --json] [-- --port N --data-dir DIR --region R]
 * npm run local:status
 * npm run local:stop
 *
 * `start` starts the local SageMaker in the background unless it already
 * runs, waits until it answers and prints its endpoint; with --json the last
 * line is {"endpoint","region","accessKeyId","secretAccessKey"}. `status`
 * exits 0 when running and 3 when not.
 */
import { ensureLocalServer, readLocalServerInfo, stopLocalServer, type LauncherOptions } from "../src/local/launcher";

const EXIT_NOT_RUNNING = 3;
const USAGE = "usage: tsx scripts/local.ts start|status|stop [--json] [--data-dir DIR] [--port N] [--region R] [--timeout-ms MS]";

function parseArgs(argv: string[]): { command: string; json: boolean; opts: LauncherOptions } {
  const [command, ...rest] = argv;
  const opts: LauncherOptions = {};
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--json") json = true;
    else if (arg === "--data-dir") opts.dataDir = value();
    else if (arg === "--port") opts.port = Number(value());
    else if (arg === "--region") opts.region = value();
    else if (arg === "--timeout-ms") opts.timeoutMs = Number(value());
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (!["start", "status", "stop"].includes(command ?? "")) throw new Error(USAGE);
  return { command, json, opts };
}

function uptime(startedAt: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

async function main(): Promise<number> {
  const { command, json, opts } = parseArgs(process.argv.slice(2));
  if (command === "start") {
    const info = await ensureLocalServer(opts);
    console.log(`local SageMaker ${info.started ? "started" : "already running"} at ${info.endpoint} (pid ${info.pid}, region ${info.region}, data ${info.dataDir})`);
    if (json) {
      console.log(JSON.stringify({ endpoint: info.endpoint, region: info.region, accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey }));
    }
    return 0;
  }
  if (command === "status") {
    const info = await readLocalServerInfo(opts);
    if (!info) {
      console.log("local SageMaker is not running");
      return EXIT_NOT_RUNNING;
    }
    const lines = [
      "local SageMaker is running",
      `  endpoint: ${info.endpoint}`,
      `  region:   ${info.region}`,
      `  pid:      ${info.pid}`,
      `  uptime:   ${uptime(info.startedAt)}`,
      `  data dir: ${info.dataDir}`,
    ];
    console.log(lines.join("\n"));
    if (json) console.log(JSON.stringify({ endpoint: info.endpoint, region: info.region, pid: info.pid, startedAt: info.startedAt, dataDir: info.dataDir }));
    return 0;
  }
  const result = await stopLocalServer(opts);
  console.log(
    result.stopped ? `local SageMaker stopped (pid ${result.pid}${result.forced ? ", killed after the graceful stop timed out" : ""})` : "local SageMaker was not running",
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`local SageMaker: ${(err as Error).message}`);
    process.exit(1);
  },
);
