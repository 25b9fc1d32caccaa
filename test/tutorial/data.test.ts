import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  caltech256BaseUrls,
  datasetInfo,
  listPublicKeys,
  parseDataset,
  testImage,
  testImagesFolder,
  trainingFiles,
} from "../../src/tutorial/data";
import { CALTECH256_S3_KEYS } from "../../src/datasets/caltech256";
import { SYNTHETIC_GENERATOR_VERSION } from "../../src/datasets/synthetic";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-data-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

describe("datasets", () => {
  it("knows the two datasets and names the parameter otherwise", () => {
    expect(parseDataset("synthetic")).toBe("synthetic");
    expect(parseDataset("caltech-256")).toBe("caltech-256");
    expect(() => parseDataset("cifar")).toThrow(/dataset: "cifar" is not a dataset/);
  });

  it("downloads Caltech-256 from the region's public bucket first, then the global one", () => {
    expect(caltech256BaseUrls("eu-west-1")).toEqual([
      "https://sagemaker-example-files-prod-eu-west-1.s3.eu-west-1.amazonaws.com/",
      "https://sagemaker-sample-files.s3.amazonaws.com/",
    ]);
    expect(caltech256BaseUrls("cn-north-1")[0]).toBe("https://sagemaker-example-files-prod-cn-north-1.s3.cn-north-1.amazonaws.com.cn/");
  });

  it("describes Caltech-256 as the tutorial uses it", async () => {
    const info = await datasetInfo("caltech-256");
    expect(info).toMatchObject({ numClasses: 257, numTrainingSamples: 15420, imageShape: "3,224,224", testClass: { label: 7, name: "bathtub" } });
    expect(info.categories).toHaveLength(257);
    expect(info.categories[7]).toBe("bathtub");
  });
});

describe("the synthetic dataset", () => {
  const dataDir = fs.mkdtempSync(path.join(TMP, "synthetic-data-"));

  it("is generated once and gives the tutorial's files: train/validation .rec, a test folder, a test image", async () => {
    const info = await datasetInfo("synthetic", { dataDir });
    expect(info).toMatchObject({ name: "synthetic", numClasses: 10, numTrainingSamples: 600, imageShape: "3,64,64", minImageSize: [72, 72] });
    expect(info.categories[info.testClass.label]).toBe(info.testClass.name);
    const files = await trainingFiles("synthetic", { dataDir });
    expect(fs.statSync(files.train).size).toBeGreaterThan(100_000);
    expect(fs.statSync(files.validation).size).toBeGreaterThan(10_000);
    const folder = await testImagesFolder("synthetic", { dataDir });
    expect(fs.readdirSync(folder).filter((f) => f.endsWith(".jpg")).length).toBe(20);
    const image = await testImage("synthetic", { dataDir });
    expect(path.dirname(image)).toBe(folder);
    // The second call reuses what is there.
    const before = fs.statSync(files.train).mtimeMs;
    await trainingFiles("synthetic", { dataDir });
    expect(fs.statSync(files.train).mtimeMs).toBe(before);
  }, 60_000);

  it("draws a dataset of an older generator again instead of reusing it", async () => {
    const manifestFile = path.join(dataDir, "synthetic", "dataset.json");
    await trainingFiles("synthetic", { dataDir });
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    delete manifest.generator;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const files = await trainingFiles("synthetic", { dataDir });
    expect(JSON.parse(fs.readFileSync(manifestFile, "utf8")).generator).toBe(SYNTHETIC_GENERATOR_VERSION);
    expect(fs.statSync(files.train).size).toBeGreaterThan(100_000);
  }, 60_000);
});

describe("Caltech-256 downloads (against a local stand-in for the public bucket)", () => {
  let server: http.Server;
  let good: string;
  let missing: string;
  let nolist: string;
  const bathtubs = Array.from({ length: 5 }, (_, i) => `${CALTECH256_S3_KEYS.testFolder}008_000${i + 1}.jpg`);
  const objects = new Map<string, Buffer>([
    [CALTECH256_S3_KEYS.train, Buffer.alloc(4096, 1)],
    [CALTECH256_S3_KEYS.validation, Buffer.alloc(2048, 2)],
    ...bathtubs.map((k, i) => [k, Buffer.from(`jpeg ${i}`)] as [string, Buffer]),
    [`${CALTECH256_S3_KEYS.testFolder}notes.txt`, Buffer.from("not an image")],
  ]);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/nolist/" && url.searchParams.get("list-type") === "2") {
        res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
        return;
      }
      if (url.pathname.startsWith("/missing/")) {
        res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
        return;
      }
      if (url.pathname === "/good/" && url.searchParams.get("list-type") === "2") {
        // Two keys per page, to exercise continuation tokens.
        const keys = [...objects.keys()].filter((k) => k.startsWith(url.searchParams.get("prefix") ?? "")).sort();
        const start = Number(url.searchParams.get("continuation-token") ?? 0);
        const page = keys.slice(start, start + 2);
        const truncated = start + 2 < keys.length;
        res.writeHead(200, { "content-type": "application/xml" }).end(
          `<ListBucketResult>${page.map((k) => `<Contents><Key>${k}</Key></Contents>`).join("")}` +
            `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${start + 2}</NextContinuationToken>` : ""}</ListBucketResult>`,
        );
        return;
      }
      const body = objects.get(decodeURIComponent(url.pathname.replace(/^\/(good|nolist)\//, "")));
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    good = `${base}/good/`;
    missing = `${base}/missing/`;
    nolist = `${base}/nolist/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("lists a public prefix across pages", async () => {
    expect(await listPublicKeys(good, CALTECH256_S3_KEYS.testFolder)).toEqual([...bathtubs, `${CALTECH256_S3_KEYS.testFolder}notes.txt`].sort());
  });

  it("downloads the RecordIO files, moving on from a source that refuses", async () => {
    const dataDir = fs.mkdtempSync(path.join(TMP, "caltech-"));
    const files = await trainingFiles("caltech-256", { dataDir, baseUrls: [missing, good] });
    expect(path.basename(files.train)).toBe("caltech-256-60-train.rec");
    expect(fs.readFileSync(files.train).equals(objects.get(CALTECH256_S3_KEYS.train) as Buffer)).toBe(true);
    expect(fs.statSync(files.validation).size).toBe(2048);
  });

  it("downloads every image of 008.bathtub and the single test image", async () => {
    const dataDir = fs.mkdtempSync(path.join(TMP, "caltech-"));
    const folder = await testImagesFolder("caltech-256", { dataDir, baseUrls: [missing, good] });
    expect(path.basename(folder)).toBe("008.bathtub");
    expect(fs.readdirSync(folder).sort()).toEqual(["008_0001.jpg", "008_0002.jpg", "008_0003.jpg", "008_0004.jpg", "008_0005.jpg"]);
    await expect(testImage("caltech-256", { dataDir, baseUrls: [good] })).rejects.toThrow(/008_0007\.jpg could not be downloaded from any source/);
    objects.set(CALTECH256_S3_KEYS.testImage, Buffer.from("bathtub 7"));
    const image = await testImage("caltech-256", { dataDir, baseUrls: [good] });
    expect(fs.readFileSync(image, "utf8")).toBe("bathtub 7");
  });

  it("fetches the numbered images in order where the bucket refuses anonymous listing", async () => {
    const dataDir = fs.mkdtempSync(path.join(TMP, "caltech-"));
    const folder = await testImagesFolder("caltech-256", { dataDir, baseUrls: [nolist] });
    expect(fs.readdirSync(folder).sort()).toEqual(["008_0001.jpg", "008_0002.jpg", "008_0003.jpg", "008_0004.jpg", "008_0005.jpg"]);
    expect(fs.readFileSync(path.join(folder, "008_0003.jpg"), "utf8")).toBe("jpeg 2");
  });

  it("says which sources failed when none has the data", async () => {
    const dataDir = fs.mkdtempSync(path.join(TMP, "caltech-"));
    await expect(trainingFiles("caltech-256", { dataDir, baseUrls: [missing] })).rejects.toThrow(
      /caltech-256-60-train\.rec could not be downloaded from any source:\n .*HTTP 403/,
    );
    await expect(testImagesFolder("caltech-256", { dataDir, baseUrls: [missing] })).rejects.toThrow(/test images could not be downloaded:\n .*no \.jpg under/);
  });
});
