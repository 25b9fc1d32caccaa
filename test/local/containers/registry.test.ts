import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMAGE_CLASSIFICATION_ACCOUNTS, imageClassificationUri } from "../../../src/local/containers/builtin-images";
import { ImageNotRegisteredError, ImageRegistry, ImageRegistryFileError, IMAGES_ENV } from "../../../src/local/containers/registry";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const main = path.resolve(__dirname, "../../../src/algorithms/image-classification/main.ts");

describe("image registry", () => {
  it("maps the built-in image-classification URI of every region, tags 1 and latest, to the local algorithm", () => {
    const registry = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", {});
    for (const region of Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS)) {
      for (const tag of ["1", "latest"] as const) {
        const image = registry.resolve(imageClassificationUri(region, tag));
        expect(image.argv[0]).toBe(process.execPath);
        expect(image.argv[image.argv.length - 1]).toBe(main);
        expect(image.metricDefinitions.map((m) => m.Name)).toEqual(["train:accuracy", "validation:accuracy"]);
      }
    }
    expect(imageClassificationUri("cn-north-1")).toBe("390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/image-classification:1");
    expect(imageClassificationUri("us-west-2")).toBe("433757028032.dkr.ecr.us-west-2.amazonaws.com/image-classification:1");
  });

  it("passes the algorithm's own IMAGE_CLASSIFICATION_* settings from the server's environment, and nothing else", () => {
    const env = { IMAGE_CLASSIFICATION_ENGINE_PATH: "portable", IMAGE_CLASSIFICATION_SEED: "7", AWS_SECRET_ACCESS_KEY: "secret", HOME: "/root" };
    const image = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", env).resolve(imageClassificationUri("us-east-1"));
    expect(image.environment).toEqual({ IMAGE_CLASSIFICATION_ENGINE_PATH: "portable", IMAGE_CLASSIFICATION_SEED: "7" });
  });

  it("runs TypeScript programs through tsx, with an absolute loader URL", () => {
    const image = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", {}).resolve(imageClassificationUri("eu-west-1"));
    expect(image.argv.slice(1, 3)).toEqual(["--import", expect.stringMatching(/^file:\/\/.*tsx.*loader\.mjs$/)]);
  });

  it("says which URI is right when the account, domain or tag is wrong", () => {
    const registry = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", {});
    expect(() => registry.resolve("811284229777.dkr.ecr.us-west-2.amazonaws.com/image-classification:1")).toThrow(
      /In us-west-2 the image-classification image is 433757028032\.dkr\.ecr\.us-west-2\.amazonaws\.com\/image-classification:1/,
    );
    expect(() => registry.resolve("811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:2")).toThrow(/published with the tags 1 and latest/);
    expect(() => registry.resolve("811284229777.dkr.ecr.mars-1.amazonaws.com/image-classification:1")).toThrow(/no region named "mars-1"/);
  });

  it("refuses unknown images with a message that names the image and how to register one", () => {
    const registry = new ImageRegistry(path.join(dir, "images.json"), "eu-west-1", {});
    const attempt = () => registry.resolve("123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1");
    expect(attempt).toThrow(ImageNotRegisteredError);
    expect(attempt).toThrow(/The image "123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/xgboost:1" has no local implementation/);
    expect(attempt).toThrow(new RegExp(`${path.join(dir, "images.json").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(attempt).toThrow(/685385470294\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/image-classification:1/);
  });

  it("reads local images from the data directory's images.json and from the file in LOCAL_SAGEMAKER_IMAGES, that one first", () => {
    fs.writeFileSync(
      path.join(dir, "images.json"),
      JSON.stringify({
        "my/algo:1": { command: ["./algo.js", "--flag"], environment: { A: "1" }, metricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] },
        "my/shared:1": { command: ["/usr/bin/env", "true"] },
      }),
    );
    const other = path.join(dir, "other.json");
    fs.writeFileSync(other, JSON.stringify({ "my/shared:1": { command: ["node", "../x.js"] }, "my/ts:1": { command: ["./t.ts"] } }));
    const registry = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", { [IMAGES_ENV]: other });
    const algo = registry.resolve("my/algo:1");
    expect(algo.argv).toEqual([process.execPath, path.join(dir, "algo.js"), "--flag"]);
    expect(algo.environment).toEqual({ A: "1" });
    expect(algo.metricDefinitions).toEqual([{ Name: "loss", Regex: "loss=([0-9.]+)" }]);
    expect(registry.resolve("my/shared:1").argv).toEqual([process.execPath, path.resolve(dir, "../x.js")]);
    expect(registry.resolve("my/ts:1").argv).toEqual([process.execPath, "--import", expect.any(String), path.join(dir, "t.ts")]);
  });

  it("sees entries added while it is in use", () => {
    const registry = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", {});
    expect(() => registry.resolve("late:1")).toThrow(ImageNotRegisteredError);
    fs.writeFileSync(path.join(dir, "images.json"), JSON.stringify({ "late:1": { command: ["/bin/true"] } }));
    expect(registry.resolve("late:1").argv).toEqual(["/bin/true"]);
  });

  it.each([
    ["not json", "{", /is not valid JSON/],
    ["an array", "[]", /must hold a JSON object/],
    ["an entry without a command", JSON.stringify({ "x:1": { environment: {} } }), /entry "x:1" has no "command"/],
    ["an environment of numbers", JSON.stringify({ "x:1": { command: ["a"], environment: { A: 1 } } }), /entry "x:1" has an "environment" that is not an object of strings/],
    ["a metric regex that does not compile", JSON.stringify({ "x:1": { command: ["a"], metricDefinitions: [{ Name: "m", Regex: "(" }] } }), /metric "m" whose Regex does not compile/],
  ])("explains a registry file with %s, naming the file", (_what, text, message) => {
    fs.writeFileSync(path.join(dir, "images.json"), text);
    const registry = new ImageRegistry(path.join(dir, "images.json"), "us-east-1", {});
    expect(() => registry.resolve("x:1")).toThrow(ImageRegistryFileError);
    expect(() => registry.resolve("x:1")).toThrow(message);
    expect(() => registry.resolve("x:1")).toThrow(path.join(dir, "images.json"));
  });
});
