/**
 * Access to a live local server: loopback only, AWS's refusals of unsigned,
 * wrongly signed, expired and replayed requests, bounded headers and bodies;
 * and no secret in anything the server wrote.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAccess, secretOf } from "../../src/reliability/access";
import { setUpCases } from "../../src/reliability/bad-input/run";
import { scanForSecrets } from "../../src/reliability/secrets";
import { Target } from "../../src/reliability/target";
import { failures, workspace, type Workspace } from "./helpers";

let ws: Workspace;
let target: Target;

beforeAll(async () => {
  ws = await workspace("access");
  target = await Target.start({ dataDir: path.join(ws.dir, "server") });
});

afterAll(async () => {
  await target?.stop();
  ws?.remove();
});

describe("access", () => {
  it("listens on loopback only, refuses bad signatures as AWS does, bounds sizes, and logs no secret", async () => {
    const setup = await setUpCases(target, ws.data);
    const figures = await runAccess({ server: target.info, clients: target.clients, dataDir: target.dataDir, sentinel: setup.sentinel });
    expect(failures(figures.results)).toBe("");
    expect(figures.passed).toBe(figures.tried);
    const ids = figures.results.map((r) => r.id);
    for (const kind of ["loopback.listening-socket", "loopback.connect-127.0.0.2", "auth.unsigned.s3", "auth.wrong-secret.sagemaker", "auth.expired.s3", "replay.other-body.s3", "bounds.header-size"]) {
      expect(ids).toContain(kind);
    }

    const scan = scanForSecrets([target.dataDir], [secretOf(target.dataDir)]);
    expect(scan.findings).toEqual([]);
    expect(scan.filesScanned).toBeGreaterThan(5);
    expect(scan.signaturesKnown).toBeGreaterThan(50);
  }, 300_000);

  it("the secret search finds a secret or a signature that did get into a log", async () => {
    const fs = await import("node:fs");
    const secret = secretOf(target.dataDir);
    const leaky = path.join(ws.dir, "leaky");
    fs.mkdirSync(path.join(leaky, "logs"), { recursive: true });
    fs.writeFileSync(path.join(leaky, "logs", "a.log"), `debug: secret=${secret}\n`);
    fs.writeFileSync(path.join(leaky, "logs", "b.log"), "Authorization: AWS4-HMAC-SHA256 Credential=LSIA/20260101/us-east-1/s3/aws4_request, Signature=00\n");
    const findings = scanForSecrets([leaky], [secret]).findings;
    expect(findings.some((f) => f.endsWith("a.log: the secret access key"))).toBe(true);
    expect(findings.some((f) => f.endsWith("b.log: an Authorization header"))).toBe(true);
  });
});
