import { describe, expect, it } from "vitest";
import { HYPERPARAMETERS } from "../../src/algorithms/image-classification/hyperparameters";
import { checkAgainstData, checkHyperParameters, hyperParameterTable } from "../../src/tutorial/hyperparameters";

const required = { num_classes: "10", num_training_samples: "600" };

/**
 * A value each rule accepts, for the fields without a default; chosen to pass the
 * cross-field rules too (resize >= image_shape, top_k <= num_classes, checkpoint_frequency <= epochs).
 */
const VALID: Record<string, string> = {
  num_classes: "10",
  num_training_samples: "600",
  augmentation_type: "crop_color",
  checkpoint_frequency: "1",
  kv_store: "dist_sync",
  lr_scheduler_step: "10,20",
  resize: "256",
  top_k: "2",
};

/** Values each rule refuses. */
const INVALID: Record<string, string[]> = {
  int: ["0", "-1", "1.5", "ten"],
  float: ["-0.1", "1.5", "abc"],
  enum: ["bogus"],
  numLayers: ["19", "0", "eighteen"],
  zeroOne: ["2", "true"],
  trueFalse: ["yes", "1"],
  imageShape: ["3,224", "2,224,224", "3,4,4", "3,a,224"],
  epochList: ["20,10", "0", "a"],
};

describe("checkHyperParameters: every rule of the algorithm's table", () => {
  for (const spec of HYPERPARAMETERS) {
    const valid = spec.default ?? VALID[spec.name];
    it(`${spec.name}: accepts ${JSON.stringify(valid)} and sends it as a string`, () => {
      const values = { ...required, [spec.name]: valid };
      const { api, typed } = checkHyperParameters(values);
      expect(api[spec.name]).toBe(valid);
      expect(typed[spec.name]).not.toBeNull();
    });

    const kind = spec.rule.kind === "int" && spec.rule.min === 2 ? "int" : spec.rule.kind;
    for (const bad of INVALID[kind]) {
      if (spec.rule.kind === "int" && spec.rule.min === 2 && bad === "0") continue;
      it(`${spec.name}: refuses ${JSON.stringify(bad)}, naming the field`, () => {
        expect(() => checkHyperParameters({ ...required, [spec.name]: bad })).toThrow(new RegExp(`'${spec.name}'`));
      });
    }
  }

  it("top_k below 2 is refused", () => {
    expect(() => checkHyperParameters({ ...required, top_k: "1" })).toThrow(/'top_k'/);
  });

  it("requires num_classes and num_training_samples", () => {
    expect(() => checkHyperParameters({ num_training_samples: "600" } as never)).toThrow(/Missing required hyperparameter 'num_classes'/);
    expect(() => checkHyperParameters({ num_classes: "10" } as never)).toThrow(/Missing required hyperparameter 'num_training_samples'/);
  });

  it("refuses unknown names and suggests the nearest one", () => {
    expect(() => checkHyperParameters({ ...required, mini_batch_siz: "32" } as never)).toThrow(
      /'mini_batch_siz' was unexpected.*Did you mean 'mini_batch_size'/,
    );
  });

  it("refuses empty values, naming the field", () => {
    expect(() => checkHyperParameters({ ...required, epochs: "" })).toThrow(/hyperparameters\.epochs: empty value/);
  });

  it("applies the cross-field rules", () => {
    expect(() => checkHyperParameters({ ...required, epochs: "2", checkpoint_frequency: "3" })).toThrow(/'checkpoint_frequency'.*larger than epochs/);
    expect(() => checkHyperParameters({ ...required, top_k: "11" })).toThrow(/'top_k'.*larger than num_classes/);
    expect(() => checkHyperParameters({ ...required, resize: "100" })).toThrow(/'resize'.*smaller than the image_shape/);
    expect(() => checkHyperParameters({ ...required, num_layers: "20", use_pretrained_model: "1" })).toThrow(/'num_layers'.*no pretrained model/);
    expect(() => checkHyperParameters(required, ["application/x-image"])).toThrow(/Missing required hyperparameter 'resize'/);
    expect(checkHyperParameters({ ...required, resize: "256" }, ["application/x-image"]).typed.resize).toBe(256);
  });

  it("takes the tutorial's values as strings or numbers and applies the defaults", () => {
    const { api, typed } = checkHyperParameters({
      num_layers: "18",
      image_shape: "3,224,224",
      num_training_samples: 15420,
      num_classes: "257",
      mini_batch_size: "64",
      epochs: 2,
      learning_rate: "0.01",
    });
    expect(api).toEqual({
      num_layers: "18",
      image_shape: "3,224,224",
      num_training_samples: "15420",
      num_classes: "257",
      mini_batch_size: "64",
      epochs: "2",
      learning_rate: "0.01",
    });
    expect(typed).toMatchObject({ num_layers: 18, image_shape: [3, 224, 224], epochs: 2, optimizer: "sgd", momentum: 0.9, weight_decay: 0.0001 });
  });
});

describe("checkAgainstData", () => {
  const typed = (over: Record<string, string> = {}) => checkHyperParameters({ ...required, image_shape: "3,64,64", mini_batch_size: "32", ...over }).typed;
  const data = { numClasses: 10, numTrainingSamples: 600, minImageSize: [72, 72] as const };

  it("accepts hyperparameters that fit the data", () => {
    expect(() => checkAgainstData(typed(), data, "synthetic")).not.toThrow();
  });

  it("names the field and the right value when they do not", () => {
    expect(() => checkAgainstData(typed({ num_classes: "257" }), data, "synthetic")).toThrow(/num_classes: 257, .* 10 classes; set num_classes = "10"/);
    expect(() => checkAgainstData(typed({ num_training_samples: "15420" }), data, "synthetic")).toThrow(/set num_training_samples = "600"/);
    expect(() => checkAgainstData(typed({ image_shape: "3,224,224" }), data, "synthetic")).toThrow(/image_shape: 3,224,224 is larger .* at most "3,72,72"/);
    expect(() => checkAgainstData(typed({ mini_batch_size: "1000" }), data, "synthetic")).toThrow(/mini_batch_size: 1000 is larger than the 600/);
  });
});

describe("hyperParameterTable", () => {
  it("lists every hyperparameter with required, default and allowed values", () => {
    const table = hyperParameterTable();
    expect(table.map((r) => r.name)).toEqual(HYPERPARAMETERS.map((s) => s.name));
    expect(table.find((r) => r.name === "num_classes")).toMatchObject({ required: "yes", default: "(not set)" });
    expect(table.find((r) => r.name === "resize")).toMatchObject({ required: "for image input" });
    expect(table.find((r) => r.name === "epochs")).toMatchObject({ required: "no", default: "30" });
  });
});
