/**
 * The whole reliability suite, part by part, each against its own local
 * server: bad input, access, load, faults, cloud safety, and at the end the
 * search for secrets in everything the servers wrote. `fast` is the subset CI
 * runs; the full run is for people.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runAccess, secretOf, type AccessFigures } from "./access";
import { ALL_CASES, runBadInput, setUpCases, type BadInputFigures } from "./bad-input/run";
import { allInjections, codeCellWith, runCloudSafety, type CloudSafetyFigures } from "./cloud-safety/run";
import type { Injection } from "./cloud-safety/injection";
import { runFaults, type FaultFigures } from "./faults/run";
import { makeTinyDataset, type TinyDataset } from "./fixtures";
import { invocationLoad, s3Load, type LoadRun, type MemoryFigures } from "./load";
import { scanForSecrets, type SecretScan } from "./secrets";
import { Target } from "./target";
import { createBucket, createModel, deployEndpoint, trainModel, uploadDataset } from "./workloads";

export const PARTS = ["bad-input", "access", "load", "faults", "cloud-safety"] as const;
export type Part = (typeof PARTS)[number];

export interface SuiteOptions {
  workDir: string;
  fast: boolean;
  parts: Part[];
  /** Progress lines for people. */
  log(line: string): void;
}

export interface LoadFigures {
  invocations: LoadRun;
  invocationMemory: MemoryFigures;
  s3Put: LoadRun;
  s3Get: LoadRun;
  s3Memory: MemoryFigures;
}

export interface SuiteResult {
  mode: "fast" | "full";
  seconds: number;
  badInput?: BadInputFigures;
  access?: AccessFigures;
  load?: LoadFigures;
  faults?: FaultFigures;
  cloudSafety?: CloudSafetyFigures;
  secrets: SecretScan;
}

/** Sizes of the two modes. */
export const SIZES = {
  full: { invocations: 10_000, s3Objects: 10_000, clients: 16 },
  fast: { invocations: 1_000, s3Objects: 1_000, clients: 16 },
} as const;

/** The fast subset's fault, and its cloud-safety injection: a failure in the cell that creates the endpoint. */
const FAST_FAULTS = ["server-kill-during-training"];
const fastInjections = (): Injection[] => [{ kind: "throw", cell: codeCellWith("createEndpoint(") }];

/** Secrets and data directories of every server the suite started, for the final search. */
interface Scanned {
  dirs: string[];
  secrets: string[];
}

async function withTarget<T>(dataDir: string, scanned: Scanned, work: (t: Target) => Promise<T>): Promise<T> {
  const target = await Target.start({ dataDir });
  scanned.dirs.push(dataDir);
  scanned.secrets.push(secretOf(dataDir));
  try {
    return await work(target);
  } finally {
    await target.stop();
  }
}

async function badInputAndAccess(o: SuiteOptions, data: TinyDataset, scanned: Scanned, result: SuiteResult): Promise<void> {
  await withTarget(path.join(o.workDir, "bad-input-server"), scanned, async (target) => {
    const setup = await setUpCases(target, data);
    if (o.parts.includes("bad-input")) {
      o.log(`bad input: ${ALL_CASES.length} cases`);
      result.badInput = await runBadInput(setup);
    }
    if (o.parts.includes("access")) {
      o.log("access: loopback, signatures, replays, bounds");
      result.access = await runAccess({ server: target.info, clients: target.clients, dataDir: target.dataDir, sentinel: setup.sentinel });
    }
  });
}

async function load(o: SuiteOptions, data: TinyDataset, scanned: Scanned): Promise<LoadFigures> {
  const size = o.fast ? SIZES.fast : SIZES.full;
  return withTarget(path.join(o.workDir, "load-server"), scanned, async (target) => {
    const { clients, info } = target;
    await uploadDataset(clients, "reliability-load", data);
    const modelData = await trainModel(clients, info.region, "reliability-load", data, "load-trained");
    await createModel(clients, info.region, "load-model", modelData);
    await deployEndpoint(clients, "load-model", "load-endpoint");
    o.log(`load: ${size.invocations} invocations from ${size.clients} clients`);
    const inv = await invocationLoad({ server: info, dataDir: target.dataDir, endpoint: "load-endpoint", payload: fs.readFileSync(data.testImages[0]), clients: size.clients, requests: size.invocations, warmUp: 200 });
    await createBucket(clients, "reliability-load-objects");
    o.log(`load: ${size.s3Objects} PutObject and GetObject of 4 KiB from ${size.clients} clients`);
    const s3 = await s3Load({ server: info, bucket: "reliability-load-objects", clients: size.clients, objects: size.s3Objects, objectBytes: 4096 });
    return { invocations: inv.run, invocationMemory: inv.memory, s3Put: s3.put, s3Get: s3.get, s3Memory: s3.memory };
  });
}

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  fs.mkdirSync(o.workDir, { recursive: true });
  const data = await makeTinyDataset(path.join(o.workDir, "data"));
  const scanned: Scanned = { dirs: [], secrets: [] };
  const result: SuiteResult = { mode: o.fast ? "fast" : "full", seconds: 0, secrets: { filesScanned: 0, bytesScanned: 0, signaturesKnown: 0, findings: [] } };

  if (o.parts.includes("bad-input") || o.parts.includes("access")) await badInputAndAccess(o, data, scanned, result);
  if (o.parts.includes("load")) result.load = await load(o, data, scanned);
  if (o.parts.includes("faults")) {
    o.log(o.fast ? `faults: ${FAST_FAULTS.join(", ")}` : "faults: server kills, algorithm kills, full disk");
    result.faults = await runFaults(o.workDir, data, { only: o.fast ? FAST_FAULTS : undefined });
    scanned.dirs.push(path.join(o.workDir, "faults-server"));
    if (fs.existsSync(path.join(o.workDir, "faults-server"))) scanned.secrets.push(secretOf(path.join(o.workDir, "faults-server")));
  }
  if (o.parts.includes("cloud-safety")) {
    const injections = o.fast ? fastInjections() : allInjections();
    o.log(`cloud safety: ${injections.length} notebook runs with an injected failure`);
    const workDir = path.join(o.workDir, "cloud-safety");
    result.cloudSafety = await withTarget(path.join(o.workDir, "cloud-safety-server"), scanned, (target) =>
      runCloudSafety({ target, workDir, dataDir: path.join(o.workDir, "notebook-data") }, injections),
    );
    // The guards' logs and the kernels' state files.
    scanned.dirs.push(workDir);
  }
  o.log("secrets: searching every log and state file");
  result.secrets = scanForSecrets(scanned.dirs, scanned.secrets);
  result.seconds = Math.round((Date.now() - started) / 1000);
  return result;
}
