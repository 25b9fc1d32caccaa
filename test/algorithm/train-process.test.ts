/**
 * The training process through the container contract: a real process on a
 * temp SM_ML_ROOT with a tiny synthetic dataset (ResNet-20, 3x32x32).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSyntheticDataset, type SyntheticManifest } from "../../src/datasets/synthetic";
import { packImageRecord } from "../../src/formats/image-record";
import { parseLst } from "../../src/formats/lst";
import { RecordIOWriter } from "../../src/formats/recordio";
import { decodeSafetensors } from "../../src/formats/safetensors";
import { describeModel, writeParams, writeServedModel } from "../../src/algorithms/image-classification/artifacts";
import { createTrainer, exportInferenceModel, loadPredictor } from "../../src/nn";
import { failureOf, makeRoot, messages, runAlgorithm, startAlgorithm, type ChannelSpec } from "./container";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ic-train-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let ds: SyntheticManifest;
const data = (rel: string): string => path.join(tmp, "data", rel);
const RECORDIO = "application/x-recordio";
let recordio: Record<string, ChannelSpec>;
let images: Record<string, ChannelSpec>;

/** 3 classes, 8 training and 4 validation images each, 36x36. */
const HP = {
  num_layers: "20",
  image_shape: "3,32,32",
  num_classes: "3",
  num_training_samples: "24",
  mini_batch_size: "8",
  epochs: "2",
  learning_rate: "0.05",
  top_k: "2",
};

beforeAll(async () => {
  ds = await generateSyntheticDataset({ out: path.join(tmp, "data"), numClasses: 3, imageSize: 36, trainPerClass: 8, valPerClass: 4, testImages: 2 });
  recordio = {
    train: { contentType: RECORDIO, from: [data(ds.files.trainRec)] },
    validation: { contentType: RECORDIO, from: [data(ds.files.valRec)] },
  };
  images = {
    train: { contentType: "application/x-image", from: [data(ds.files.trainImages)] },
    validation: { contentType: "application/x-image", from: [data(ds.files.valImages)] },
    train_lst: { contentType: "application/x-image", from: [data(ds.files.trainLst)] },
    validation_lst: { contentType: "application/x-image", from: [data(ds.files.valLst)] },
  };
});

describe("train on RecordIO", () => {
  let root: string;
  let result: Awaited<ReturnType<typeof runAlgorithm>>;

  beforeAll(async () => {
    root = makeRoot(tmp, "recordio", HP, recordio);
    result = await runAlgorithm("train", root);
  });

  it("exits 0 and logs like the built-in algorithm", () => {
    expect(failureOf(root)).toBeUndefined();
    expect(result.code).toBe(0);
    const out = result.output;
    expect(out.split("\n")[0]).toBe("Docker entrypoint called with argument(s): train");
    expect(out).toMatch(/^\[\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d INFO \d+\] ---- Parameters ----$/m);
    const msgs = messages(out);
    for (const line of [
      `Searching for .rec files in ${root}/input/data/train.`,
      "use_pretrained_model: 0",
      "multi_label: 0",
      "num_layers: 20",
      "epochs: 2",
      "learning_rate: 0.05",
      "mini_batch_size: 8",
      "image_shape: 3,32,32",
      "num_classes: 3",
      "augmentation_type: None",
      "top_k: 2",
      "checkpoint_frequency not set, will store the best model",
      "--------------------",
    ]) {
      expect(msgs).toContain(line);
    }
    for (const epoch of [0, 1]) {
      for (const re of [
        new RegExp(`^Epoch\\[${epoch}\\] Train-accuracy=\\d\\.\\d{6}$`),
        new RegExp(`^Epoch\\[${epoch}\\] Train-top_k_accuracy_2=\\d\\.\\d{6}$`),
        new RegExp(`^Epoch\\[${epoch}\\] Time cost=\\d+\\.\\d{3}$`),
        new RegExp(`^Epoch\\[${epoch}\\] Validation-accuracy=\\d\\.\\d{6}$`),
        new RegExp(`^Epoch\\[${epoch}\\] Validation-top_k_accuracy_2=\\d\\.\\d{6}$`),
      ]) {
        expect(msgs.some((m) => re.test(m)), String(re)).toBe(true);
      }
    }
    // Epoch 0 always improves on nothing.
    const i = msgs.indexOf(msgs.find((m) => m.startsWith("Epoch[0] Validation-accuracy="))!);
    expect(msgs[i + 2]).toMatch(/^Storing the best model with validation accuracy: \d\.\d{6}$/);
    expect(msgs[i + 3]).toBe(`Saved checkpoint to "${root}/model/image-classification-0001.params"`);
  });

  it("leaves the best epoch's model in model/", async () => {
    const files = fs.readdirSync(path.join(root, "model")).sort();
    const params = files.filter((f) => f.endsWith(".params"));
    expect(params).toHaveLength(1);
    expect(files).toEqual([...params, "image-classification-symbol.json", "model-shapes.json", "model.onnx"].sort());
    const symbol = JSON.parse(fs.readFileSync(path.join(root, "model", "image-classification-symbol.json"), "utf8"));
    expect(symbol).toMatchObject({ architecture: "resnet", num_layers: 20, image_shape: [3, 32, 32], num_classes: 3, multi_label: false, params: params[0] });
    const best = messages(result.output).filter((m) => m.startsWith("Storing the best model")).at(-1)!;
    expect(best).toBe(`Storing the best model with validation accuracy: ${symbol.validation_accuracy.toFixed(6)}`);
    expect(JSON.parse(fs.readFileSync(path.join(root, "model", "model-shapes.json"), "utf8"))).toEqual([{ name: "data", shape: [1, 3, 32, 32] }]);
    const weights = decodeSafetensors(fs.readFileSync(path.join(root, "model", params[0])));
    expect(Object.keys(weights.tensors).length).toBeGreaterThan(10);
    expect(JSON.parse(weights.metadata.architecture)).toMatchObject({ numLayers: 20, numClasses: 3 });

    const predictor = await loadPredictor(fs.readFileSync(path.join(root, "model", "model.onnx")), { numLayers: 20, imageShape: [3, 32, 32], numClasses: 3, multiLabel: false });
    try {
      const p = await predictor.predict(new Float32Array(2 * 3 * 32 * 32).fill(128), 2);
      expect(p).toHaveLength(6);
      expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 5);
    } finally {
      await predictor.dispose();
    }
  });

  it("continues from that model in the model channel (incremental training)", async () => {
    const archive = path.join(tmp, "model-archive");
    fs.mkdirSync(archive, { recursive: true });
    await tar.c({ gzip: true, file: path.join(archive, "model.tar.gz"), cwd: path.join(root, "model") }, fs.readdirSync(path.join(root, "model")));
    const model = { contentType: "application/x-sagemaker-model", from: [archive] };
    const next = makeRoot(tmp, "incremental", { ...HP, epochs: "1" }, { ...recordio, model });
    const r = await runAlgorithm("train", next);
    expect(failureOf(next)).toBeUndefined();
    expect(r.code).toBe(0);
    expect(messages(r.output).some((m) => /^Incremental training: starting from the model in channel 'model' \(epoch [12], validation accuracy \d\.\d{6}\)\.$/.test(m))).toBe(true);

    const mismatch = makeRoot(tmp, "incremental-mismatch", { ...HP, num_layers: "32" }, { ...recordio, model });
    expect((await runAlgorithm("train", mismatch)).code).toBe(1);
    expect(failureOf(mismatch)).toBe(
      "ClientError: The model in channel 'model' does not match the hyperparameters: it has num_layers 20 (hyperparameter: 32). For incremental training num_layers, image_shape and num_classes must equal the earlier model's.",
    );
  });
});

describe("train on images with .lst files", () => {
  it("packs the lists, augments, and keeps periodic checkpoints", async () => {
    const root = makeRoot(tmp, "lst", { ...HP, resize: "32", augmentation_type: "crop_color_transform", checkpoint_frequency: "1" }, images);
    const r = await runAlgorithm("train", root);
    expect(failureOf(root)).toBeUndefined();
    expect(r.code).toBe(0);
    const msgs = messages(r.output);
    expect(msgs).toContain(`Searching for .lst files in ${root}/input/data/train_lst.`);
    expect(msgs).toContain(`Creating record files for ${ds.files.trainLst}`);
    expect(msgs).toContain("Done creating record files...");
    expect(msgs).toContain("image resize size: 32");
    expect(msgs).toContain("augmentation_type: crop_color_transform");
    expect(msgs).toContain("checkpoint_frequency: 1");
    expect(msgs).toContain(`Saved checkpoint to "${root}/model/image-classification-0002.params"`);
    expect(fs.readdirSync(path.join(root, "model")).filter((f) => f.endsWith(".params")).sort()).toEqual(["image-classification-0001.params", "image-classification-0002.params"]);
  });
});

describe("multi-label training", () => {
  /** The synthetic images with multi-hot labels: their class, plus the next class for every other image. */
  function multiLabelRec(split: "train" | "val"): string {
    const lst = parseLst(fs.readFileSync(data(split === "train" ? ds.files.trainLst : ds.files.valLst), "utf8"));
    const file = path.join(tmp, `multi-${split}.rec`);
    const writer = new RecordIOWriter(file);
    for (const item of lst) {
      const labels = [0, 0, 0];
      labels[item.labels[0]] = 1;
      if (item.index % 2 === 0) labels[(item.labels[0] + 1) % 3] = 1;
      writer.write(packImageRecord({ label: labels, id: item.index }, fs.readFileSync(data(path.join(split === "train" ? ds.files.trainImages : ds.files.valImages, item.path)))));
    }
    writer.close();
    return file;
  }

  it("trains sigmoid outputs with the weighted loss and saves a multi-label model", async () => {
    const root = makeRoot(tmp, "multi", { ...HP, epochs: "1", multi_label: "1", use_weighted_loss: "1" }, {
      train: { contentType: RECORDIO, from: [multiLabelRec("train")] },
      validation: { contentType: RECORDIO, from: [multiLabelRec("val")] },
    });
    const r = await runAlgorithm("train", root);
    expect(failureOf(root)).toBeUndefined();
    expect(r.code).toBe(0);
    const msgs = messages(r.output);
    expect(msgs).toContain("multi_label: 1");
    expect(msgs).toContain("use_weighted_loss: 1");
    expect(msgs).toContain("top_k: 2 (not used with multi_label=1)");
    expect(msgs.some((m) => /^Epoch\[0\] Validation-accuracy=\d\.\d{6}$/.test(m))).toBe(true);
    expect(msgs.some((m) => m.includes("top_k_accuracy"))).toBe(false);
    const symbol = JSON.parse(fs.readFileSync(path.join(root, "model", "image-classification-symbol.json"), "utf8"));
    expect(symbol).toMatchObject({ multi_label: true, output: { activation: "sigmoid" } });
  });
});

describe("transfer learning", () => {
  it("starts from a local pretrained model with use_pretrained_model=1, re-initialising the classifier", async () => {
    // A ResNet-18 "pretrained" on 5 classes, saved as this algorithm saves models.
    const arch = { numLayers: 18, imageShape: [3, 32, 32] as [number, number, number], numClasses: 5, multiLabel: false };
    const trainer = await createTrainer({ arch, optimizer: { kind: "sgd", momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.9 }, batchSize: 2, seed: 3 });
    const weights = trainer.weights();
    await trainer.dispose();
    const pretrained = path.join(tmp, "pretrained");
    fs.mkdirSync(pretrained, { recursive: true });
    writeParams(pretrained, weights, 4);
    writeServedModel(pretrained, weights, exportInferenceModel(weights), describeModel(arch, 4, 0.9));

    const root = makeRoot(tmp, "pretrained-run", { ...HP, num_layers: "18", epochs: "1", use_pretrained_model: "1" }, recordio);
    const r = await runAlgorithm("train", root, { IMAGE_CLASSIFICATION_PRETRAINED_MODEL: pretrained });
    expect(failureOf(root)).toBeUndefined();
    expect(r.code).toBe(0);
    const msgs = messages(r.output);
    expect(msgs).toContain("Using pretrained model for initializing weights and transfer learning.");
    const copied = msgs.find((m) => m.startsWith("Pretrained model: copied "))!;
    const [, count, fresh] = /^Pretrained model: copied (\d+) tensors; newly initialised: (.*)\.$/.exec(copied)!;
    // Everything but the classifier's weight and bias comes from the pretrained model.
    expect(fresh.split(", ")).toHaveLength(2);
    expect(Number(count) + 2).toBe(Object.keys(weights.tensors).length);
  });
});

describe("failures", () => {
  const without = (name: string): Record<string, string> => Object.fromEntries(Object.entries(HP).filter(([k]) => k !== name));
  const cases: Array<{ name: string; setup: () => [Record<string, string>, Record<string, ChannelSpec>]; reason: string | RegExp }> = [
    { name: "an unknown hyperparameter", setup: () => [{ ...HP, mini_batch_siz: "8" }, recordio], reason: /^ClientError: Additional properties are not allowed \('mini_batch_siz' was unexpected\)\. Did you mean 'mini_batch_size'\?/ },
    { name: "a missing required hyperparameter", setup: () => [without("num_classes"), recordio], reason: /^ClientError: Missing required hyperparameter 'num_classes'/ },
    { name: "a batch larger than the data", setup: () => [{ ...HP, mini_batch_size: "25" }, recordio], reason: "ClientError: The number of input images must be bigger or equal to the mini_batch_size." },
    {
      name: "labels beyond num_classes",
      setup: () => [{ ...HP, num_classes: "2" }, recordio],
      reason: /^ClientError: record \d+ \(image id \d+\) of synthetic-shapes-train\.rec in channel 'train' has label 2, but num_classes is 2: labels must be integers from 0 to 1\.$/,
    },
    { name: "images smaller than image_shape", setup: () => [{ ...HP, image_shape: "3,40,40" }, recordio], reason: /is 36x36 pixels, smaller than image_shape 3,40,40 \(40x40\)/ },
    { name: "a missing validation channel", setup: () => [HP, { train: recordio.train }], reason: /^ClientError: Channel 'validation' is required/ },
    {
      name: "an unknown channel",
      setup: () => [HP, { ...recordio, test: recordio.train }],
      reason: "ClientError: Channel 'test' is not supported. The algorithm takes the channels train, validation, train_lst, validation_lst, model.",
    },
    { name: "image input without resize", setup: () => [HP, images], reason: /^ClientError: Missing required hyperparameter 'resize': it is required when the input content type is application\/x-image/ },
    {
      name: "image input without a .lst channel",
      setup: () => [{ ...HP, resize: "32" }, { train: images.train, validation: images.validation }],
      reason: /^ClientError: Channel 'train_lst' is required with image content type application\/x-image/,
    },
    {
      name: "a pretrained model that is not there",
      setup: () => [{ ...HP, num_layers: "18", use_pretrained_model: "1" }, recordio],
      reason: /^ClientError: use_pretrained_model=1 needs ImageNet-pretrained weights, .* IMAGE_CLASSIFICATION_PRETRAINED_MODEL/,
    },
  ];

  it.each(cases)("fails with a ClientError for $name", async ({ name, setup, reason }) => {
    const [hp, channels] = setup();
    const root = makeRoot(tmp, `fail-${name.replace(/\W+/g, "-")}`, hp, channels);
    const r = await runAlgorithm("train", root);
    expect(r.code, r.output).toBe(1);
    const failure = failureOf(root)!;
    if (typeof reason === "string") expect(failure).toBe(reason);
    else expect(failure).toMatch(reason);
    expect(r.output).toContain(failure);
    expect(fs.readdirSync(path.join(root, "model"))).toEqual([]);
  });
});

describe("the engine's execution path", () => {
  it("follows IMAGE_CLASSIFICATION_ENGINE_PATH and refuses values it does not know", async () => {
    const portable = makeRoot(tmp, "engine-portable", { ...HP, epochs: "1" }, recordio);
    const ok = await runAlgorithm("train", portable, { IMAGE_CLASSIFICATION_ENGINE_PATH: "portable" });
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain("Training on the CPU with ONNX Runtime (portable execution path)");

    const bad = makeRoot(tmp, "engine-bad", HP, recordio);
    const r = await runAlgorithm("train", bad, { IMAGE_CLASSIFICATION_ENGINE_PATH: "gpu" });
    expect(r.code).toBe(1);
    expect(failureOf(bad)).toBe("ClientError: Environment variable IMAGE_CLASSIFICATION_ENGINE_PATH must be one of auto, fast, portable; got 'gpu'.");
  });
});

describe("stopping", () => {
  it("stops promptly on SIGTERM and keeps the best model so far", async () => {
    const root = makeRoot(tmp, "stop", { ...HP, epochs: "200" }, recordio);
    const run = startAlgorithm("train", root);
    await run.waitForLine(/Saved checkpoint to/);
    const signalled = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.exited;
    expect(Date.now() - signalled).toBeLessThan(20_000);
    expect(r.code).toBe(0);
    expect(messages(r.output).some((m) => /^Stop requested: ending training\. model\/ keeps the best epoch so far \(epoch \d+, validation accuracy \d\.\d{6}\)\.$/.test(m))).toBe(true);
    const files = fs.readdirSync(path.join(root, "model"));
    expect(files).toContain("model.onnx");
    expect(files).toContain("image-classification-symbol.json");
    expect(failureOf(root)).toBeUndefined();
  });
});
