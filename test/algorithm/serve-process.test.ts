/**
 * The serving process through the container contract, over real HTTP:
 * every content type and Accept combination, and the errors.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeModel, writeParams, writeServedModel } from "../../src/algorithms/image-classification/artifacts";
import { decodeResized, writeCHW } from "../../src/algorithms/image-classification/images";
import { createTrainer, exportInferenceModel, loadPredictor } from "../../src/nn";
import type { Architecture } from "../../src/nn/api";
import { failureOf, runAlgorithm, startAlgorithm, type RunningAlgorithm } from "./container";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ic-serve-test-"));
const arch: Architecture = { numLayers: 20, imageShape: [3, 32, 32], numClasses: 3, multiLabel: false };
let onnx: Uint8Array;
let jpeg: Buffer;
let widePng: Buffer;

async function startServing(name: string, env: Record<string, string> = {}): Promise<{ run: RunningAlgorithm; url: string }> {
  const root = path.join(tmp, name);
  fs.mkdirSync(root, { recursive: true });
  fs.cpSync(path.join(tmp, "model"), path.join(root, "model"), { recursive: true });
  const run = startAlgorithm("serve", root, { SAGEMAKER_BIND_TO_PORT: "0", ...env });
  const line = await run.waitForLine(/Serving on 127\.0\.0\.1:\d+/);
  return { run, url: `http://127.0.0.1:${/127\.0\.0\.1:(\d+)/.exec(line)![1]}` };
}

const invoke = (url: string, body: Uint8Array | string, headers: Record<string, string>) => fetch(`${url}/invocations`, { method: "POST", body, headers });

beforeAll(async () => {
  // An untrained but valid model: serving does not care how good it is.
  const trainer = await createTrainer({
    arch,
    optimizer: { kind: "sgd", momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 },
    batchSize: 2,
    seed: 1,
  });
  const weights = trainer.weights();
  await trainer.dispose();
  onnx = exportInferenceModel(weights);
  const modelDir = path.join(tmp, "model");
  fs.mkdirSync(modelDir);
  writeParams(modelDir, weights, 0);
  writeServedModel(modelDir, weights, onnx, describeModel(arch, 0, 0.5));
  jpeg = await sharp({ create: { width: 40, height: 40, channels: 3, background: "#3080c0" } }).jpeg().toBuffer();
  widePng = await sharp({
    create: { width: 120, height: 30, channels: 3, background: "#000" },
  })
    .composite([{ input: await sharp({ create: { width: 60, height: 30, channels: 3, background: "#fff" } }).png().toBuffer(), left: 0, top: 0 }])
    .png()
    .toBuffer();
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("real-time serving", () => {
  let server: { run: RunningAlgorithm; url: string };
  beforeAll(async () => {
    server = await startServing("realtime");
  });
  afterAll(async () => {
    server.run.child.kill("SIGTERM");
    await server.run.exited;
  });

  it("answers /ping once the model is loaded", async () => {
    const r = await fetch(`${server.url}/ping`);
    expect(r.status).toBe(200);
    expect(server.run.lines.some((l) => l.includes("Loading model: ResNet-20, image_shape 3,32,32, 3 classes (epoch 1)."))).toBe(true);
  });

  it("answers a bare JSON array of all class probabilities by default", async () => {
    for (const type of ["image/jpeg", "application/x-image"]) {
      for (const accept of [undefined, "application/json", "*/*", "text/html, application/json;q=0.9"]) {
        const r = await invoke(server.url, jpeg, { "Content-Type": type, ...(accept && { Accept: accept }) });
        expect(r.status, `${type} ${accept}`).toBe(200);
        expect(r.headers.get("content-type")).toBe("application/json");
        const body = JSON.parse(await r.text());
        expect(Array.isArray(body)).toBe(true);
        expect(body).toHaveLength(3);
        expect(body.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it("answers {\"prediction\": [...]} for application/jsonlines, with the same numbers", async () => {
    const plain = await (await invoke(server.url, widePng, { "Content-Type": "image/png" })).text();
    const r = await invoke(server.url, widePng, { "Content-Type": "image/png", Accept: "application/jsonlines" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/jsonlines");
    expect(await r.text()).toBe(`{"prediction":${plain}}`);
  });

  it("resizes to image_shape without keeping the aspect ratio", async () => {
    const served = JSON.parse(await (await invoke(server.url, widePng, { "Content-Type": "image/png" })).text());
    const predictor = await loadPredictor(onnx, arch);
    try {
      const batch = new Float32Array(3 * 32 * 32);
      writeCHW(await decodeResized(widePng, 3, 32, 32), batch, 0);
      const expected = Array.from(await predictor.predict(batch, 1));
      served.forEach((p: number, i: number) => expect(p).toBeCloseTo(expected[i], 6));
      // The left half is white: a stretched (not cropped) image keeps both halves.
      const img = await decodeResized(widePng, 3, 32, 32);
      expect(img.data[0]).toBeGreaterThan(200);
      expect(img.data[(16 * 32 + 31) * 3]).toBeLessThan(50);
    } finally {
      await predictor.dispose();
    }
  });

  it.each([
    [{ "Content-Type": "text/csv" }, "hello", 400, "ClientError: Invalid content type text/csv. Accepted content types are ['image/jpeg', 'image/png', 'application/x-image']"],
    // A binary body: fetch sends no Content-Type for it.
    [{}, new Uint8Array([1, 2]), 400, "ClientError: Invalid content type. Accepted content types are ['image/jpeg', 'image/png', 'application/x-image']"],
    [{ "Content-Type": "image/jpeg" }, "not an image", 400, "ClientError: Unable to decode the request body as an image"],
    [{ "Content-Type": "image/png" }, "", 400, "ClientError: The request body is empty; send one image (JPEG or PNG)."],
    [{ "Content-Type": "image/jpeg", Accept: "text/csv" }, "x", 406, "ClientError: Invalid accept type \"text/csv\". Accepted types are ['application/json', 'application/jsonlines']"],
  ])("refuses %j with %j", async (headers, body, status, message) => {
    const r = await invoke(server.url, body, headers as Record<string, string>);
    expect(r.status).toBe(status);
    expect(await r.text()).toContain(message);
  });

  it("answers 404 for other routes", async () => {
    const r = await fetch(`${server.url}/models`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("the container serves GET /ping and POST /invocations");
  });

  it("refuses bodies over the default 6 MB limit", async () => {
    const r = await invoke(server.url, new Uint8Array(6 * 1024 * 1024 + 1), { "Content-Type": "image/jpeg" });
    expect(r.status).toBe(413);
    expect(await r.text()).toContain("exceeds the payload limit of 6291456 bytes");
  });
});

describe("batch transform serving", () => {
  it("answers JSON Lines by default and honours SAGEMAKER_MAX_PAYLOAD_IN_MB", async () => {
    const server = await startServing("batch", { SAGEMAKER_BATCH: "true", SAGEMAKER_MAX_PAYLOAD_IN_MB: "1", SAGEMAKER_BATCH_STRATEGY: "SINGLE_RECORD" });
    try {
      expect(server.run.lines.some((l) => l.includes("for batch transform (payload limit 1048576 bytes)"))).toBe(true);
      const r = await invoke(server.url, jpeg, { "Content-Type": "application/x-image" });
      expect(r.status).toBe(200);
      const body = JSON.parse(await r.text());
      expect(Object.keys(body)).toEqual(["prediction"]);
      expect(body.prediction).toHaveLength(3);
      const json = await invoke(server.url, jpeg, { "Content-Type": "application/x-image", Accept: "application/json" });
      expect(Array.isArray(JSON.parse(await json.text()))).toBe(true);
      const big = await invoke(server.url, new Uint8Array(1024 * 1024 + 1), { "Content-Type": "application/x-image" });
      expect(big.status).toBe(413);
    } finally {
      server.run.child.kill("SIGTERM");
      const exit = await server.run.exited;
      expect(exit.code).toBe(0);
    }
  });
});

describe("serving failures", () => {
  it("fails with a ClientError when model/ holds no model", async () => {
    const root = path.join(tmp, "empty");
    fs.mkdirSync(path.join(root, "model"), { recursive: true });
    const r = await runAlgorithm("serve", root, { SAGEMAKER_BIND_TO_PORT: "0" });
    expect(r.code).toBe(1);
    expect(failureOf(root)).toBe("ClientError: The model in model/ must hold one model.tar.gz made by this algorithm (or its extracted files); found none.");
  });

  it("refuses a bad port", async () => {
    const root = path.join(tmp, "port");
    fs.mkdirSync(root, { recursive: true });
    const r = await runAlgorithm("serve", root, { SAGEMAKER_BIND_TO_PORT: "http" });
    expect(r.code).toBe(1);
    expect(failureOf(root)).toBe("ClientError: SAGEMAKER_BIND_TO_PORT must be a port number, got 'http'.");
  });
});
