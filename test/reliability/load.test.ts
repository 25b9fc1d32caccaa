/**
 * A short load run (the full one is `npm run reliability`): 16 concurrent
 * clients against a real endpoint and against S3, no request may fail, and
 * memory must not run away. Speed is reported, never asserted.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { invocationLoad, s3Load } from "../../src/reliability/load";
import { createBucket, createModel, deployEndpoint, trainModel, uploadDataset } from "../../src/reliability/workloads";
import { liveTarget } from "./helpers";

const live = liveTarget("load");

/** Growth that would mean a leak at this size (about 100 KiB kept per request), not noise. */
const RUNAWAY_MIB = 100;

describe("load", () => {
  it("serves 16 concurrent clients without an error, memory flat", async () => {
    const { clients, info } = live.target;
    await uploadDataset(clients, "load", live.ws.data);
    await createModel(clients, info.region, "load-model", await trainModel(clients, info.region, "load", live.ws.data, "load-trained"));
    await deployEndpoint(clients, "load-model", "load-endpoint");

    const inv = await invocationLoad({ server: info, dataDir: live.target.dataDir, endpoint: "load-endpoint", payload: fs.readFileSync(live.ws.data.testImages[0]), clients: 16, requests: 1000, warmUp: 100 });
    expect(inv.run.errorTypes).toEqual({});
    expect(inv.run.requests).toBe(1000);
    expect(inv.run.latency.p99Ms).toBeGreaterThanOrEqual(inv.run.latency.p50Ms);
    expect(inv.memory.servingBeforeMiB).toBeGreaterThan(0);
    expect(inv.memory.serverAfterMiB - inv.memory.serverBeforeMiB).toBeLessThan(RUNAWAY_MIB);
    expect(inv.memory.servingAfterMiB! - inv.memory.servingBeforeMiB!).toBeLessThan(RUNAWAY_MIB);

    await createBucket(clients, "load-objects");
    const s3 = await s3Load({ server: info, bucket: "load-objects", clients: 16, objects: 1000, objectBytes: 4096 });
    expect(s3.put.errorTypes).toEqual({});
    expect(s3.get.errorTypes).toEqual({});
    expect(s3.memory.serverAfterMiB - s3.memory.serverBeforeMiB).toBeLessThan(RUNAWAY_MIB);
  }, 300_000);
});
