/**
 * The same bytes over the wire for every client: Debian's boto3 and AWS CLI
 * (apt: python3-boto3, awscli) pointed at the local server with --endpoint-url.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startTestServer, type TestServer } from "../../helpers/local-server";

const run = promisify(execFile);
let srv: TestServer;
let s3: S3Client;
let work: string;

beforeAll(async () => {
  srv = await startTestServer();
  s3 = new S3Client(srv.clientConfig);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "lsm-wire-"));
});
afterAll(async () => {
  s3?.destroy();
  await srv?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Environment of a shell user whose only AWS configuration is the local server's. */
function clientEnv(): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/bin:/bin",
    HOME: work,
    LOCAL_ENDPOINT: srv.endpoint,
    AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: srv.region,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(work, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
    AWS_PAGER: "",
  };
}

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run("/usr/bin/aws", ["--endpoint-url", srv.endpoint, ...args], { env: clientEnv(), maxBuffer: 16 << 20 });
  return stdout;
}

describe("boto3", () => {
  it("runs test/python/s3_boto3.py: objects, ranges, paginators, multipart transfers, presigned URLs, errors, STS/IAM", async () => {
    const { stdout } = await run("/usr/bin/python3", [path.join(__dirname, "..", "..", "python", "s3_boto3.py")], { env: clientEnv(), maxBuffer: 16 << 20 });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { ok: boolean; checks: string[] };
    expect(result.ok).toBe(true);
    expect(result.checks).toContain("download equals upload");
    expect(result.checks).toContain("presigned get");
    expect(result.checks.length).toBeGreaterThanOrEqual(20);
  }, 120_000);
});

describe("AWS CLI (aws s3, aws s3api)", () => {
  const bucket = "cli-bucket";

  it("makes a bucket, copies files in (one of them multipart), lists and syncs", async () => {
    await aws("s3", "mb", `s3://${bucket}`);
    const small = path.join(work, "small.txt");
    fs.writeFileSync(small, "from the aws cli\n");
    const big = path.join(work, "big.bin");
    const bigData = crypto.randomBytes(9 * 1024 * 1024 + 17);
    fs.writeFileSync(big, bigData);
    await aws("s3", "cp", "--only-show-errors", small, `s3://${bucket}/files/small.txt`);
    await aws("s3", "cp", "--only-show-errors", big, `s3://${bucket}/files/big.bin`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "files/big.bin" }));
    expect(head.ETag).toMatch(/-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "files/big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bigData)).toBe(true);

    const listing = await aws("s3", "ls", `s3://${bucket}/files/`);
    expect(listing).toMatch(/\s17 small\.txt/);
    expect(listing).toMatch(new RegExp(`\\s${bigData.length} big\\.bin`));
    expect(await aws("s3", "ls", `s3://${bucket}/`)).toContain("PRE files/");

    const tree = path.join(work, "tree");
    fs.mkdirSync(path.join(tree, "sub"), { recursive: true });
    fs.writeFileSync(path.join(tree, "a.txt"), "a");
    fs.writeFileSync(path.join(tree, "sub", "b.txt"), "b");
    expect(await aws("s3", "sync", "--no-progress", tree, `s3://${bucket}/tree/`)).toContain("upload:");
    expect((await aws("s3", "sync", "--no-progress", tree, `s3://${bucket}/tree/`)).trim()).toBe("");
    const keys = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "tree/" }));
    expect(keys.Contents?.map((c) => c.Key)).toEqual(["tree/a.txt", "tree/sub/b.txt"]);

    const down = path.join(work, "down");
    await aws("s3", "cp", "--recursive", "--only-show-errors", `s3://${bucket}/files/`, down);
    expect(fs.readFileSync(path.join(down, "small.txt"), "utf8")).toBe("from the aws cli\n");
    expect(fs.readFileSync(path.join(down, "big.bin")).equals(bigData)).toBe(true);
  }, 120_000);

  it("answers s3api calls with the shapes the CLI expects", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "api/obj", Body: "api body", ContentType: "text/plain", Metadata: { m: "1" } }));
    const head = JSON.parse(await aws("s3api", "head-object", "--bucket", bucket, "--key", "api/obj")) as Record<string, unknown>;
    expect(head).toMatchObject({ ContentLength: 8, ContentType: "text/plain", Metadata: { m: "1" } });
    // The CLI merges pages itself and drops per-page fields such as KeyCount.
    const listed = JSON.parse(await aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "api/", "--page-size", "1")) as { Contents: Array<{ Key: string; Size: number }> };
    expect(listed.Contents.map((c) => [c.Key, c.Size])).toEqual([["api/obj", 8]]);
    const out = path.join(work, "api-obj");
    await aws("s3api", "get-object", "--bucket", bucket, "--key", "api/obj", "--range", "bytes=4-7", out);
    expect(fs.readFileSync(out, "utf8")).toBe("body");
    const missing = await aws("s3api", "head-object", "--bucket", bucket, "--key", "api/none").catch((e: { stderr: string }) => e.stderr);
    expect(missing).toContain("404");
  }, 60_000);

  it("presigns a URL that fetch can read", async () => {
    const url = (await aws("s3", "presign", `s3://${bucket}/api/obj`, "--expires-in", "120")).trim();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("api body");
  }, 60_000);

  it("removes everything recursively, then the bucket", async () => {
    await aws("s3", "rm", "--recursive", "--only-show-errors", `s3://${bucket}/`);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    await aws("s3", "rb", `s3://${bucket}`);
    expect(await aws("s3", "ls")).not.toContain(bucket);
  }, 60_000);
});
