/**
 * Cloud safety on the local backend, one injection of the full set: the
 * tutorial notebook run by the project's runner in a real tslab kernel, with
 * a failure thrown in the cell that creates the endpoint. The always-run
 * clean-up cell must delete the endpoint, its configuration and the model.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { codeCellWith, runCloudSafety } from "../../src/reliability/cloud-safety/run";
import { failures, liveTarget } from "./helpers";

const live = liveTarget("cloud-safety");

describe("cloud safety", () => {
  it("a failure in the cell that creates the endpoint still deletes everything the run created", async () => {
    const figures = await runCloudSafety({ target: live.target, workDir: path.join(live.ws.dir, "runs"), dataDir: path.join(live.ws.dir, "notebook-data") }, [{ kind: "throw", cell: codeCellWith("createEndpoint(") }]);
    expect(failures(figures.results)).toBe("");
    const [run] = figures.results;
    expect(run.created.filter((r) => /^(Endpoint|EndpointConfig|Model) /.test(r))).toHaveLength(3);
    expect(run.cleanedBy).toBe("always-run cell");
    expect(run.leaks).toEqual([]);
    expect(figures.leakedResources).toBe(0);
  }, 600_000);
});
