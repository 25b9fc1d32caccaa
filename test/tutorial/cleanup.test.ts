/**
 * Clean-up edge cases the local server does not produce (a refused delete);
 * the normal paths, idempotence included, run against the real local server
 * in workflow.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { DeleteEndpointCommand, DeleteModelCommand, SageMakerClient, SageMakerServiceException } from "@aws-sdk/client-sagemaker";
import { cleanUpTracked, cleanupOrder, isNotFound } from "../../src/tutorial/cleanup";
import { readState, ResourceTracker } from "../../src/tutorial/resources";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-cleanup-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const validation = (message: string) =>
  new SageMakerServiceException({ name: "ValidationException", $fault: "client", $metadata: { httpStatusCode: 400 }, message });

const mock = mockClient(SageMakerClient);
afterEach(() => mock.reset());

describe("isNotFound", () => {
  it("recognises SageMaker's ways of saying a resource does not exist, and nothing else", () => {
    expect(isNotFound(validation('Could not find endpoint "arn:aws:sagemaker:us-west-2:1:endpoint/x".'))).toBe(true);
    expect(isNotFound(validation("Requested resource not found."))).toBe(true);
    expect(isNotFound(validation("Cannot update in-progress endpoint"))).toBe(false);
    expect(isNotFound(new Error("Could not find endpoint"))).toBe(false);
  });
});

describe("cleanUpTracked", () => {
  it("keeps what could not be deleted recorded, deletes the rest, and a second try finishes the job", async () => {
    const tracker = ResourceTracker.create({ backend: "aws", region: "us-west-2" }, fs.mkdtempSync(path.join(TMP, "cleanup-")));
    tracker.record("Model", "m");
    tracker.record("Endpoint", "e");
    mock.on(DeleteEndpointCommand).rejectsOnce(validation("Cannot delete endpoint in status Creating.")).resolves({});
    mock.on(DeleteModelCommand).resolves({});
    const client = new SageMakerClient({ region: "us-west-2" });

    const first = await cleanUpTracked(client, tracker);
    expect(first).toEqual([
      { kind: "Endpoint", name: "e", outcome: "failed", error: "ValidationException: Cannot delete endpoint in status Creating." },
      { kind: "Model", name: "m", outcome: "deleted" },
    ]);
    expect(readState(tracker.stateFile)?.resources.map((r) => r.name)).toEqual(["e"]);

    const second = await cleanUpTracked(client, tracker);
    expect(second).toEqual([{ kind: "Endpoint", name: "e", outcome: "deleted" }]);
    expect(fs.existsSync(tracker.stateFile)).toBe(false);
  });

  it("deletes endpoints first and models last", () => {
    const at = "2026-01-01T00:00:00.000Z";
    const order = cleanupOrder([
      { kind: "Model", name: "m", createdAt: at },
      { kind: "EndpointConfig", name: "c", createdAt: at },
      { kind: "TrainingJob", name: "t", createdAt: at },
      { kind: "Endpoint", name: "e", createdAt: at },
    ]);
    expect(order.map((r) => r.kind)).toEqual(["Endpoint", "TrainingJob", "EndpointConfig", "Model"]);
  });
});
