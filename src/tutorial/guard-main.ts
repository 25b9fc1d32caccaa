/**
 * The guard process (started by guard.ts): `node --import tsx guard-main.ts <state file>`.
 * Exits 0 when the kernel cleaned up or when it cleaned up itself, 1 when
 * resources could not be deleted after retrying (they stay in the state file).
 */
import * as fs from "node:fs";
import { createClients, destroyClients, type BackendConfig } from "./clients";
import { cleanUpResource, cleanupOrder } from "./cleanup";
import { GUARD_ENV, guardLogFile } from "./guard";
import { ownerAlive, readState, writeJsonAtomic, type ResourceState } from "./resources";
import { sleep } from "./poll";

const stateFile = process.argv[2];
const pollMs = Number(process.env.TUTORIAL_GUARD_POLL_MS ?? 1000);
const retryMs = Number(process.env.TUTORIAL_GUARD_RETRY_MS ?? 30_000);
const maxTries = Number(process.env.TUTORIAL_GUARD_MAX_TRIES ?? 60);

function log(message: string): void {
  console.log(`${new Date().toISOString()} guard ${process.pid}: ${message}`);
}

function backendConfig(state: ResourceState): BackendConfig {
  if (state.backend === "aws") return { backend: "aws", region: state.region };
  const accessKeyId = process.env[GUARD_ENV.accessKeyId];
  const secretAccessKey = process.env[GUARD_ENV.secretAccessKey];
  if (!accessKeyId || !secretAccessKey) throw new Error("the local backend's credentials are missing from the guard's environment");
  return { backend: "local", region: state.region, endpoint: state.endpoint, credentials: { accessKeyId, secretAccessKey } };
}

async function cleanUpAfterOwner(): Promise<number> {
  for (let attempt = 1; attempt <= maxTries; attempt++) {
    const state = readState(stateFile);
    if (!state || state.resources.length === 0) return 0;
    const clients = createClients(backendConfig(state));
    const failed = [];
    try {
      for (const resource of cleanupOrder(state.resources)) {
        const result = await cleanUpResource(clients.sagemaker, resource);
        log(`${result.kind} ${result.name}: ${result.outcome}${result.error ? ` (${result.error})` : ""}`);
        if (result.outcome === "failed") failed.push(resource);
      }
    } finally {
      destroyClients(clients);
    }
    if (failed.length === 0) {
      fs.rmSync(stateFile, { force: true });
      log("all recorded resources are cleaned up");
      return 0;
    }
    writeJsonAtomic(stateFile, { ...state, resources: failed });
    log(`${failed.length} resource(s) left; trying again in ${retryMs} ms (attempt ${attempt} of ${maxTries})`);
    await sleep(retryMs);
  }
  log(`giving up; what is left is listed in ${stateFile}`);
  return 1;
}

async function main(): Promise<number> {
  if (!stateFile) throw new Error("usage: guard-main.ts <state file>");
  let announced = false;
  for (;;) {
    const state = readState(stateFile);
    if (!state || state.resources.length === 0) {
      // The kernel cleaned up (possibly before this process got going): nothing to report, so no log to keep.
      fs.rmSync(guardLogFile(stateFile), { force: true });
      return 0;
    }
    if (!announced) {
      log(`watching pid ${state.pid} (${state.backend}, ${state.region}) through ${stateFile}`);
      announced = true;
    }
    if (!ownerAlive(state)) {
      log(`pid ${state.pid} is gone with ${state.resources.length} resource(s) recorded; cleaning up`);
      return cleanUpAfterOwner();
    }
    await sleep(pollMs);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
