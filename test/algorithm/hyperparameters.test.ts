import { describe, expect, it } from "vitest";
import { ClientError, HyperparameterError } from "../../src/algorithms/image-classification/errors";
import {
  HYPERPARAMETERS,
  formatHyperParameters,
  isImageContentType,
  parseHyperParameters,
} from "../../src/algorithms/image-classification/hyperparameters";

/** What the tutorial sends (cell C3). */
const TUTORIAL = {
  num_layers: "18",
  image_shape: "3,224,224",
  num_training_samples: "15420",
  num_classes: "257",
  mini_batch_size: "64",
  epochs: "2",
  learning_rate: "0.01",
};

function failure(raw: Record<string, string>, context?: { inputContentTypes?: string[] }): HyperparameterError {
  try {
    parseHyperParameters(raw, context);
  } catch (e) {
    expect(e).toBeInstanceOf(HyperparameterError);
    expect(e).toBeInstanceOf(ClientError);
    expect((e as Error).message.startsWith("ClientError: ")).toBe(true);
    return e as HyperparameterError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("the hyperparameter table", () => {
  it("lists every documented hyperparameter once", () => {
    const names = HYPERPARAMETERS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(
      [
        "augmentation_type", "beta_1", "beta_2", "checkpoint_frequency", "early_stopping", "early_stopping_min_epochs",
        "early_stopping_patience", "early_stopping_tolerance", "epochs", "eps", "gamma", "image_shape", "kv_store",
        "learning_rate", "lr_scheduler_factor", "lr_scheduler_step", "mini_batch_size", "momentum", "multi_label",
        "num_classes", "num_layers", "num_training_samples", "optimizer", "precision_dtype", "resize", "top_k",
        "use_pretrained_model", "use_weighted_loss", "weight_decay",
      ].sort(),
    );
    for (const spec of HYPERPARAMETERS) {
      expect(spec.description.length, spec.name).toBeGreaterThan(5);
      expect(spec.allowed.length, spec.name).toBeGreaterThan(0);
    }
  });

  it("has defaults that pass its own rules", () => {
    for (const spec of HYPERPARAMETERS.filter((s) => s.default !== null)) {
      expect(() => parseHyperParameters({ num_classes: "10", num_training_samples: "100", [spec.name]: spec.default! }), spec.name).not.toThrow();
    }
  });
});

describe("parseHyperParameters", () => {
  it("parses the tutorial's values and fills in the documented defaults", () => {
    const hp = parseHyperParameters(TUTORIAL);
    expect(hp).toEqual({
      num_classes: 257,
      num_training_samples: 15420,
      augmentation_type: null,
      beta_1: 0.9,
      beta_2: 0.999,
      checkpoint_frequency: null,
      early_stopping: false,
      early_stopping_min_epochs: 10,
      early_stopping_patience: 5,
      early_stopping_tolerance: 0,
      epochs: 2,
      eps: 1e-8,
      gamma: 0.9,
      image_shape: [3, 224, 224],
      kv_store: null,
      learning_rate: 0.01,
      lr_scheduler_factor: 0.1,
      lr_scheduler_step: null,
      mini_batch_size: 64,
      momentum: 0.9,
      multi_label: false,
      num_layers: 18,
      optimizer: "sgd",
      precision_dtype: "float32",
      resize: null,
      top_k: null,
      use_pretrained_model: false,
      use_weighted_loss: false,
      weight_decay: 0.0001,
    });
  });

  it("parses every kind of value", () => {
    const hp = parseHyperParameters({
      ...TUTORIAL,
      augmentation_type: "crop_color_transform",
      checkpoint_frequency: "2",
      early_stopping: "True",
      early_stopping_tolerance: "0.05",
      lr_scheduler_step: "10, 20,30",
      multi_label: "1",
      use_weighted_loss: "1",
      optimizer: "adam",
      eps: "1e-7",
      top_k: "5",
      resize: "256",
      kv_store: "dist_sync",
      precision_dtype: "float16",
      image_shape: " 3, 32 ,48 ",
    });
    expect(hp.augmentation_type).toBe("crop_color_transform");
    expect(hp.checkpoint_frequency).toBe(2);
    expect(hp.early_stopping).toBe(true);
    expect(hp.early_stopping_tolerance).toBe(0.05);
    expect(hp.lr_scheduler_step).toEqual([10, 20, 30]);
    expect(hp.multi_label).toBe(true);
    expect(hp.use_weighted_loss).toBe(true);
    expect(hp.optimizer).toBe("adam");
    expect(hp.eps).toBe(1e-7);
    expect(hp.top_k).toBe(5);
    expect(hp.resize).toBe(256);
    expect(hp.kv_store).toBe("dist_sync");
    expect(hp.precision_dtype).toBe("float16");
    expect(hp.image_shape).toEqual([3, 32, 48]);
    expect(parseHyperParameters({ ...TUTORIAL, early_stopping: "false" }).early_stopping).toBe(false);
  });

  it("accepts the tuning job's objective metric entry", () => {
    expect(() => parseHyperParameters({ ...TUTORIAL, _tuning_objective_metric: "validation:accuracy" })).not.toThrow();
  });

  it("rejects unknown names in the real algorithm's words and suggests the nearest name", () => {
    const e = failure({ ...TUTORIAL, mini_batch_siz: "64" });
    expect(e.field).toBe("mini_batch_siz");
    expect(e.message).toContain("Additional properties are not allowed ('mini_batch_siz' was unexpected).");
    expect(e.message).toContain("Did you mean 'mini_batch_size'?");
    expect(failure({ ...TUTORIAL, zzzzzzzzzzzz: "1" }).message).not.toContain("Did you mean");
  });

  it.each(["num_classes", "num_training_samples"])("requires %s", (name) => {
    const raw: Record<string, string> = { ...TUTORIAL };
    delete raw[name];
    const e = failure(raw);
    expect(e.field).toBe(name);
    expect(e.message).toContain(`Missing required hyperparameter '${name}'`);
  });

  it.each([
    ["num_classes", "0", "must be an integer >= 1"],
    ["num_classes", "2.5", "must be an integer >= 1"],
    ["num_training_samples", "-3", "must be an integer >= 1"],
    ["epochs", "abc", "must be an integer >= 1"],
    ["mini_batch_size", "", "must be an integer >= 1"],
    ["early_stopping_min_epochs", "0", "must be an integer >= 1"],
    ["early_stopping_patience", "1.5", "must be an integer >= 1"],
    ["checkpoint_frequency", "0", "must be an integer >= 1"],
    ["resize", "x", "must be an integer >= 1"],
    ["top_k", "1", "must be an integer >= 2"],
    ["learning_rate", "1.5", "must be a number between 0 and 1"],
    ["learning_rate", "nan", "must be a number between 0 and 1"],
    ["momentum", "-0.1", "must be a number between 0 and 1"],
    ["weight_decay", "inf", "must be a number between 0 and 1"],
    ["beta_1", "2", "must be a number between 0 and 1"],
    ["beta_2", "0.9.9", "must be a number between 0 and 1"],
    ["eps", "1e3", "must be a number between 0 and 1"],
    ["gamma", "two", "must be a number between 0 and 1"],
    ["lr_scheduler_factor", "10", "must be a number between 0 and 1"],
    ["early_stopping_tolerance", "1.01", "must be a number between 0 and 1"],
    ["optimizer", "adagrad", "must be one of sgd, adam, rmsprop, nag"],
    ["augmentation_type", "flip", "must be one of crop, crop_color, crop_color_transform"],
    ["precision_dtype", "float64", "must be one of float32, float16"],
    ["kv_store", "nccl", "must be one of dist_sync, dist_async"],
    ["num_layers", "17", "must be one of 18, 34, 50, 101, 152, 200 (ImageNet style) or 20, 32, 44, 56, 110 (small images)"],
    ["multi_label", "true", "must be 0 or 1"],
    ["use_pretrained_model", "2", "must be 0 or 1"],
    ["use_weighted_loss", "yes", "must be 0 or 1"],
    ["early_stopping", "1", "must be True or False"],
    ["image_shape", "224,224", "must be three integers"],
    ["image_shape", "3,224,x", "must be three integers"],
    ["image_shape", "4,224,224", "must have 1 or 3 channels"],
    ["image_shape", "3,4,224", "must have height and width of at least 8"],
    ["lr_scheduler_step", "10,x", "must be positive epoch numbers"],
    ["lr_scheduler_step", "0", "must be positive epoch numbers"],
    ["lr_scheduler_step", "20,10", "must list epochs in increasing order"],
  ])("rejects %s=%j: %s", (name, value, why) => {
    const e = failure({ ...TUTORIAL, [name]: value });
    expect(e.field).toBe(name);
    expect(e.message).toContain(`ClientError: Invalid value for hyperparameter '${name}': '${value}' ${why}`);
  });

  it("rejects values that are not strings", () => {
    const e = failure({ ...TUTORIAL, epochs: 3 as unknown as string });
    expect(e.field).toBe("epochs");
    expect(e.message).toContain("values must be strings");
  });

  it("requires checkpoint_frequency <= epochs", () => {
    expect(parseHyperParameters({ ...TUTORIAL, checkpoint_frequency: "2" }).checkpoint_frequency).toBe(2);
    const e = failure({ ...TUTORIAL, checkpoint_frequency: "3" });
    expect(e.field).toBe("checkpoint_frequency");
    expect(e.message).toContain("3 is larger than epochs (2)");
  });

  it("requires top_k <= num_classes", () => {
    const e = failure({ ...TUTORIAL, num_classes: "4", top_k: "5" });
    expect(e.field).toBe("top_k");
    expect(e.message).toContain("larger than num_classes (4)");
  });

  it("requires resize for image content types only", () => {
    expect(() => parseHyperParameters(TUTORIAL, { inputContentTypes: ["application/x-recordio"] })).not.toThrow();
    for (const type of ["application/x-image", "image/jpeg", "image/png", "Image/PNG; charset=binary"]) {
      const e = failure(TUTORIAL, { inputContentTypes: ["application/x-recordio", type] });
      expect(e.field).toBe("resize");
      expect(e.message).toContain("Missing required hyperparameter 'resize'");
      expect(e.message).toContain("at least the image_shape height and width (224)");
    }
    expect(parseHyperParameters({ ...TUTORIAL, resize: "256" }, { inputContentTypes: ["application/x-image"] }).resize).toBe(256);
  });

  it("requires resize to cover image_shape", () => {
    expect(parseHyperParameters({ ...TUTORIAL, resize: "224" }).resize).toBe(224);
    const e = failure({ ...TUTORIAL, resize: "200" });
    expect(e.field).toBe("resize");
    expect(e.message).toContain("set it to at least 224");
  });

  it("allows pretrained models only for ImageNet-style depths", () => {
    expect(parseHyperParameters({ ...TUTORIAL, use_pretrained_model: "1" }).use_pretrained_model).toBe(true);
    const e = failure({ ...TUTORIAL, num_layers: "20", use_pretrained_model: "1" });
    expect(e.field).toBe("num_layers");
    expect(e.message).toContain("use one of 18, 34, 50, 101, 152, 200");
  });

  it("rejects a non-object", () => {
    expect(failure(null as unknown as Record<string, string>).message).toContain("JSON object");
  });
});

describe("formatHyperParameters", () => {
  it("writes the API's string form of only the values given", () => {
    expect(
      formatHyperParameters({
        num_classes: 257,
        num_training_samples: 15420,
        num_layers: 18,
        image_shape: [3, 224, 224],
        mini_batch_size: 64,
        epochs: 2,
        learning_rate: 0.01,
        early_stopping: true,
        multi_label: false,
        lr_scheduler_step: [10, 20],
        eps: 1e-8,
        top_k: null,
      }),
    ).toEqual({
      num_classes: "257",
      num_training_samples: "15420",
      num_layers: "18",
      image_shape: "3,224,224",
      mini_batch_size: "64",
      epochs: "2",
      learning_rate: "0.01",
      early_stopping: "True",
      multi_label: "0",
      lr_scheduler_step: "10,20",
      eps: "1e-8",
    });
  });

  it("round-trips a fully parsed set", () => {
    const parsed = parseHyperParameters({ ...TUTORIAL, top_k: "3", lr_scheduler_step: "5,8", use_pretrained_model: "1" });
    expect(parseHyperParameters(formatHyperParameters(parsed))).toEqual(parsed);
  });

  it("validates what it formats", () => {
    expect(() => formatHyperParameters({ num_classes: 10, num_training_samples: 100, learning_rate: 3 })).toThrow(
      "ClientError: Invalid value for hyperparameter 'learning_rate': '3' must be a number between 0 and 1.",
    );
    expect(() => formatHyperParameters({ num_classes: 10, num_training_samples: 100, multi_label: 1 as unknown as boolean })).toThrow(
      "expected a boolean",
    );
    expect(() => formatHyperParameters({ num_classes: 10, num_training_samples: 100, learning_rte: 0.1 } as never)).toThrow(
      "Did you mean 'learning_rate'?",
    );
  });
});

describe("isImageContentType", () => {
  it("recognises the image content types and nothing else", () => {
    expect(isImageContentType("application/x-image")).toBe(true);
    expect(isImageContentType("image/jpeg")).toBe(true);
    expect(isImageContentType("application/x-recordio")).toBe(false);
    expect(isImageContentType("application/x-recordio; label-format=class-id")).toBe(false);
  });
});
