/**
 * Every bad-input case against a live local server (the real background
 * process): AWS's error type, status and message, nothing left behind, and
 * the server still serving after each.
 */
import { describe, expect, it } from "vitest";
import { ALL_CASES, runBadInput, setUpCases } from "../../src/reliability/bad-input/run";
import { failures, liveTarget } from "./helpers";

const live = liveTarget("bad-input");

describe("bad input", () => {
  it("has at least 60 cases across S3, the control plane, the runtime, hyperparameters, data and payloads", () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ALL_CASES.map((c) => c.area))).toEqual(new Set(["s3", "sagemaker", "runtime", "hyperparameters", "data", "payload"]));
    expect(new Set(ALL_CASES.map((c) => c.id)).size).toBe(ALL_CASES.length);
  });

  it("answers every case as AWS does, leaves nothing behind and keeps serving", async () => {
    const figures = await runBadInput(await setUpCases(live.target, live.ws.data));
    expect(figures.tried).toBe(ALL_CASES.length);
    expect(failures(figures.results)).toBe("");
    expect(figures.passed).toBe(figures.tried);
  }, 300_000);
});
