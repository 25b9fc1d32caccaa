/**
 * Injects the faults one after the other into one server (the full disk gets
 * its own, on a small file system) and sums up what survived.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { TinyDataset } from "../fixtures";
import { md5Hex, type Sentinel } from "../liveness";
import { Target } from "../target";
import { createModel, deployEndpoint, trainModel, uploadDataset } from "../workloads";
import { killServingProcess, killTrainingProcess } from "./algorithm-kill";
import type { FaultContext, FaultResult } from "./fault";
import { fullDisk } from "./full-disk";
import { killServerDuringMultipartUpload, killServerDuringTraining, killServerDuringTransform } from "./server-kill";

export interface FaultFigures {
  injected: number;
  survived: number;
  skipped: number;
  objectsAcknowledged: number;
  objectsLost: number;
  partialObjects: number;
  orphanProcesses: number;
  results: FaultResult[];
}

type Scenario = (fc: FaultContext, sentinel: Sentinel) => Promise<FaultResult>;

/** Every fault but the full disk, in the order they run; the fast subset is the first. */
const SERVER_FAULTS: Array<{ name: string; run: Scenario }> = [
  { name: "server-kill-during-training", run: killServerDuringTraining },
  { name: "server-kill-during-multipart-upload", run: killServerDuringMultipartUpload },
  { name: "server-kill-during-batch-transform", run: killServerDuringTransform },
  { name: "algorithm-kill-training", run: killTrainingProcess },
  { name: "algorithm-kill-serving", run: killServingProcess },
];

const BUCKET = "reliability-faults";

async function setUp(dataDir: string, data: TinyDataset): Promise<{ fc: FaultContext; sentinel: Sentinel }> {
  const target = await Target.start({ dataDir });
  const { clients, info } = target;
  await uploadDataset(clients, BUCKET, data);
  const body = crypto.randomBytes(4096);
  const sentinel = { bucket: BUCKET, key: "sentinel/object.bin", md5: md5Hex(body) };
  await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: sentinel.key, Body: body }));
  const modelData = await trainModel(clients, info.region, BUCKET, data, "faults-trained");
  await createModel(clients, info.region, "faults-model", modelData);
  await deployEndpoint(clients, "faults-model", "faults-endpoint");
  const fc: FaultContext = { target, data, bucket: BUCKET, modelData, model: "faults-model", endpoint: "faults-endpoint", payload: fs.readFileSync(data.testImages[0]) };
  return { fc, sentinel };
}

function summarise(results: FaultResult[]): FaultFigures {
  const ran = results.filter((r) => !r.skipped);
  const sum = (f: (r: FaultResult) => number) => ran.reduce((n, r) => n + f(r), 0);
  return {
    injected: ran.length,
    survived: ran.filter((r) => r.survived).length,
    skipped: results.length - ran.length,
    objectsAcknowledged: sum((r) => r.objectsAcknowledged),
    objectsLost: sum((r) => r.objectsLost),
    partialObjects: sum((r) => r.partialObjects),
    orphanProcesses: sum((r) => r.orphanProcesses),
    results,
  };
}

export interface FaultOptions {
  /** Only these scenarios (names of SERVER_FAULTS, or "full-disk"); default all. */
  only?: string[];
}

export async function runFaults(workDir: string, data: TinyDataset, opts: FaultOptions = {}): Promise<FaultFigures> {
  const wanted = (name: string) => !opts.only || opts.only.includes(name);
  const results: FaultResult[] = [];
  const scenarios = SERVER_FAULTS.filter((s) => wanted(s.name));
  if (scenarios.length > 0) {
    const { fc, sentinel } = await setUp(path.join(workDir, "faults-server"), data);
    try {
      for (const s of scenarios) {
        try {
          results.push(await s.run(fc, sentinel));
        } catch (err) {
          results.push({ fault: s.name, survived: false, problems: [`the check itself failed: ${(err as Error).stack ?? String(err)}`], objectsAcknowledged: 0, objectsLost: 0, partialObjects: 0, orphanProcesses: 0, notes: [] });
        }
      }
    } finally {
      await fc.target.stop();
    }
  }
  if (wanted("full-disk")) results.push(await fullDisk(workDir, data));
  return summarise(results);
}
