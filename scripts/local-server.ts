/**
 * The local SageMaker server process, as `npm run local:start` (or
 * `ensureLocalServer()`) starts it in the background:
 *
 *   node --import tsx scripts/local-server.ts [--data-dir DIR] [--port N] [--region R]
 *
 * SIGTERM/SIGINT close every service (ending the processes they started) and
 * then the server. Exit codes: 0 stopped, 1 failed, 75 the data directory
 * already has a running server.
 */
import { DataDirInUseError } from "../src/local/config";
import { EXIT_DATA_DIR_IN_USE } from "../src/local/launcher";
import { startServer, type LocalServer } from "../src/local/server";

process.env.AWS_EC2_METADATA_DISABLED = "true";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`--${name} needs a value`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  let server: LocalServer;
  try {
    server = await startServer({ dataDir: option("data-dir"), port: option("port"), region: option("region"), echoLogs: true });
  } catch (err) {
    console.error(`local SageMaker: ${(err as Error).message}`);
    process.exit(err instanceof DataDirInUseError ? EXIT_DATA_DIR_IN_USE : 1);
  }
  let stopping = false;
  const stop = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`local SageMaker: ${why}, stopping`);
    server.close().then(
      () => process.exit(code),
      (err) => {
        console.error(`local SageMaker: stop failed: ${(err as Error).stack}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM", 0));
  process.on("SIGINT", () => stop("SIGINT", 0));
  process.on("uncaughtException", (err) => {
    console.error(`local SageMaker: uncaught exception: ${err.stack}`);
    stop("uncaught exception", 1);
  });
}

void main();
