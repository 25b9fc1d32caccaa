/**
 * The container's entry point: `node --import tsx main.ts train|serve`, with
 * SM_ML_ROOT in place of /opt/ml (src/container/contract.ts).
 *
 * train: exit 0 with the model in model/, or exit 1 with the reason in
 * output/failure (`ClientError: ...` for bad input, `AlgorithmError: ...`
 * otherwise). SIGTERM ends training after the current batch, keeping the
 * best model so far. serve: runs until SIGTERM.
 */
import * as fs from "node:fs";
import { ENV, EXIT, mlPaths, type ContainerMode } from "../../container/contract";
import { loadEngine } from "./engine";
import { ClientError } from "./errors";
import { createLog } from "./log";
import { startServer } from "./serve";
import { train } from "./train";

const log = createLog();

function fail(paths: ReturnType<typeof mlPaths>, e: unknown): never {
  const err = e instanceof Error ? e : new Error(String(e));
  const reason = err instanceof ClientError ? err.message : `AlgorithmError: ${err.message}`;
  if (!(err instanceof ClientError) && err.stack) log.error(err.stack);
  log.error(reason);
  try {
    fs.mkdirSync(paths.output, { recursive: true });
    fs.writeFileSync(paths.failure, reason);
  } catch (writeError) {
    // A full disk fails this too; the reason is already in the log, which SageMaker's generic reason points to.
    log.error(`Could not write ${paths.failure}: ${writeError instanceof Error ? writeError.message : String(writeError)}`);
  }
  process.exit(EXIT.failed);
}

async function main(): Promise<void> {
  const mode = process.argv[2] as ContainerMode | undefined;
  process.stdout.write(`Docker entrypoint called with argument(s): ${process.argv.slice(2).join(" ")}\n`);
  if (mode !== "train" && mode !== "serve") {
    process.stderr.write("Usage: main.ts train|serve (SM_ML_ROOT names the /opt/ml directory; serve also needs SAGEMAKER_BIND_TO_PORT)\n");
    process.exit(EXIT.usage);
  }
  const paths = mlPaths(process.env[ENV.root] || "/opt/ml");

  if (mode === "train") {
    const stop = { requested: false };
    process.on("SIGTERM", () => {
      log.info("Received SIGTERM: stopping after the current batch.");
      stop.requested = true;
    });
    try {
      fs.mkdirSync(paths.model, { recursive: true });
      await train({ paths, log, engine: loadEngine, env: process.env, stop });
    } catch (e) {
      fail(paths, e);
    }
    process.exit(EXIT.ok);
  }

  const portText = process.env[ENV.port] ?? "8080";
  const port = Number(portText);
  const maxPayloadText = process.env[ENV.maxPayloadInMB];
  try {
    if (!/^\d+$/.test(portText) || port > 65535) throw new ClientError(`${ENV.port} must be a port number, got '${portText}'.`);
    if (maxPayloadText !== undefined && !/^\d+$/.test(maxPayloadText)) throw new ClientError(`${ENV.maxPayloadInMB} must be a whole number of MB, got '${maxPayloadText}'.`);
    const server = await startServer({
      paths,
      log,
      engine: loadEngine,
      port,
      batch: process.env[ENV.batch] === "true",
      // 0 means no limit for a transform job (SageMaker's MaxPayloadInMB semantics).
      maxPayloadBytes: maxPayloadText === undefined ? undefined : Number(maxPayloadText) === 0 ? Number.MAX_SAFE_INTEGER : Number(maxPayloadText) * 1024 * 1024,
    });
    process.on("SIGTERM", () => {
      log.info("Received SIGTERM: shutting down.");
      server.close().then(
        () => process.exit(EXIT.ok),
        () => process.exit(EXIT.failed),
      );
    });
  } catch (e) {
    fail(paths, e);
  }
}

void main();
