/** Set-up and the S3 steps against a real local SageMaker (in this process, its own data directory). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HeadBucketCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestServer, type TestServer } from "../helpers/local-server";
import { activeSessions, setup, type TutorialSession } from "../../src/tutorial/session";
import {
  downloadObject,
  ensureBucket,
  listKeys,
  readJsonObject,
  uploadFile,
  uploadFolder,
} from "../../src/tutorial/s3";
import { imageClassificationImageUri } from "../../src/tutorial/image-uri";

/** Everything this file writes goes under one folder, removed at the end. */
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tutorial-session-s3-test-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

let srv: TestServer;
let session: TutorialSession;
const stateDir = fs.mkdtempSync(path.join(TMP, "session-test-state-"));

const connectLocal = async () => ({
  endpoint: srv.endpoint,
  region: srv.region,
  accessKeyId: srv.credentials.accessKeyId,
  secretAccessKey: srv.credentials.secretAccessKey,
});

beforeAll(async () => {
  srv = await startTestServer();
  session = await setup({ backend: "local", connectLocal, stateDir, guard: false });
});
afterAll(async () => {
  await srv?.stop();
});

describe("setup on the local backend", () => {
  it("finds the role like get_execution_role, with its path from IAM", () => {
    expect(session.role).toBe(`arn:aws:iam::${srv.accountId}:role/service-role/AmazonSageMaker-ExecutionRole-Local`);
  });

  it("creates the default bucket sagemaker-<region>-<account>", async () => {
    expect(session.bucket).toBe(`sagemaker-${srv.region}-${srv.accountId}`);
    await session.clients.s3.send(new HeadBucketCommand({ Bucket: session.bucket }));
  });

  it("sets the region, the account, the algorithm image and registers the session", () => {
    expect(session).toMatchObject({ backend: "local", region: srv.region, account: srv.accountId });
    expect(session.trainingImage).toBe(imageClassificationImageUri(srv.region));
    expect(activeSessions()).toContain(session);
  });

  it("reuses an existing bucket, and takes a given role and bucket as they are", async () => {
    const again = await setup({
      backend: "local",
      connectLocal,
      stateDir,
      guard: false,
      bucket: "my-tutorial-bucket",
      role: "arn:aws:iam::123456789012:role/Given",
    });
    expect(again.role).toBe("arn:aws:iam::123456789012:role/Given");
    expect(again.bucket).toBe("my-tutorial-bucket");
    expect(await ensureBucket(again.clients.s3, "my-tutorial-bucket", again.region)).toBe(false);
    const buckets = await again.clients.s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining([session.bucket, "my-tutorial-bucket"]));
  });

  it("refuses bad parameters before any request, naming them", async () => {
    await expect(setup({ backend: "azure" })).rejects.toThrow(/backend: "azure" is not a backend/);
    await expect(setup({ backend: "local", connectLocal, region: "eu-west-1" })).rejects.toThrow(/region: the local server serves region/);
    await expect(setup({ backend: "local", connectLocal, bucket: "Bad_Bucket" })).rejects.toThrow(/bucket: "Bad_Bucket"/);
    await expect(setup({ backend: "local", connectLocal, role: "admin" })).rejects.toThrow(/role: "admin" is not an IAM role ARN/);
  });
});

describe("S3 helpers", () => {
  const dir = fs.mkdtempSync(path.join(TMP, "s3-helpers-"));

  it("uploads a file with progress and downloads it back unchanged", async () => {
    const file = path.join(dir, "data.rec");
    const bytes = Buffer.alloc(6 * 1024 * 1024 + 123, 7);
    bytes.write("start", 0);
    fs.writeFileSync(file, bytes);
    const lines: string[] = [];
    const { startProgress } = await import("../../src/tutorial/progress");
    const uri = await uploadFile(session.clients.s3, file, session.bucket, "train/data.rec", {
      progress: startProgress("up", { sink: (l) => lines.push(l), minIntervalMs: 0 }),
    });
    expect(uri).toBe(`s3://${session.bucket}/train/data.rec`);
    expect(lines.at(-1)).toBe(`up: 6.0 MiB / 6.0 MiB (100%) to s3://${session.bucket}/train/data.rec`);
    const back = await downloadObject(session.clients.s3, session.bucket, "train/data.rec", path.join(dir, "back", "data.rec"));
    expect(fs.readFileSync(back).equals(bytes)).toBe(true);
  });

  it("uploads a folder recursively and lists keys across pages", async () => {
    const folder = path.join(dir, "images");
    fs.mkdirSync(path.join(folder, "sub"), { recursive: true });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(folder, `img${i}.jpg`), `image ${i}`);
    fs.writeFileSync(path.join(folder, "sub", "deep.jpg"), "deep");
    const keys = await uploadFolder(session.clients.s3, folder, session.bucket, "test", { progress: false });
    expect(keys).toEqual(["test/img0.jpg", "test/img1.jpg", "test/img2.jpg", "test/img3.jpg", "test/img4.jpg", "test/sub/deep.jpg"]);
    // Enough objects for several pages of 1000.
    for (let i = 0; i < 1005; i++) {
      await session.clients.s3.send(new PutObjectCommand({ Bucket: session.bucket, Key: `many/${String(i).padStart(4, "0")}.out`, Body: "x" }));
    }
    const listed = await listKeys(session.clients.s3, session.bucket, "many/");
    expect(listed).toHaveLength(1005);
    expect(new Set(listed).size).toBe(1005);
    expect(await listKeys(session.clients.s3, session.bucket, "test/sub/")).toEqual(["test/sub/deep.jpg"]);
  });

  it("reads JSON objects and says which object is not JSON", async () => {
    await session.clients.s3.send(new PutObjectCommand({ Bucket: session.bucket, Key: "a.out", Body: '{"prediction": [0.5, 0.5]}' }));
    await session.clients.s3.send(new PutObjectCommand({ Bucket: session.bucket, Key: "b.out", Body: "not json" }));
    expect(await readJsonObject(session.clients.s3, session.bucket, "a.out")).toEqual({ prediction: [0.5, 0.5] });
    await expect(readJsonObject(session.clients.s3, session.bucket, "b.out")).rejects.toThrow(/s3:\/\/.*\/b\.out is not JSON/);
  });

  it("says what is wrong with a missing file or an empty folder", async () => {
    await expect(uploadFile(session.clients.s3, path.join(dir, "nope"), session.bucket, "k")).rejects.toThrow(/file: .*nope does not exist/);
    const empty = fs.mkdtempSync(path.join(TMP, "empty-"));
    await expect(uploadFolder(session.clients.s3, empty, session.bucket, "k")).rejects.toThrow(/holds no files/);
  });
});
