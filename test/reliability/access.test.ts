/**
 * Access to a live local server: loopback only, AWS's refusals of unsigned,
 * wrongly signed, expired and replayed requests, bounded headers and bodies;
 * and no secret in anything the server wrote.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runAccess, secretOf } from "../../src/reliability/access";
import { setUpCases } from "../../src/reliability/bad-input/run";
import { scanForSecrets } from "../../src/reliability/secrets";
import { failures, liveTarget } from "./helpers";

const live = liveTarget("access");

describe("access", () => {
  it("listens on loopback only, refuses bad signatures as AWS does, bounds sizes, and logs no secret", async () => {
    const setup = await setUpCases(live.target, live.ws.data);
    const figures = await runAccess({ server: live.target.info, clients: live.target.clients, dataDir: live.target.dataDir, sentinel: setup.sentinel });
    expect(failures(figures.results)).toBe("");
    expect(figures.passed).toBe(figures.tried);
    const ids = figures.results.map((r) => r.id);
    for (const kind of ["loopback.listening-socket", "loopback.connect-127.0.0.2", "auth.unsigned.s3", "auth.wrong-secret.sagemaker", "auth.expired.s3", "replay.other-body.s3", "bounds.header-size"]) {
      expect(ids).toContain(kind);
    }

    const scan = scanForSecrets([live.target.dataDir], [secretOf(live.target.dataDir)]);
    expect(scan.findings).toEqual([]);
    expect(scan.filesScanned).toBeGreaterThan(5);
    expect(scan.signaturesKnown).toBeGreaterThan(50);
  }, 300_000);

  it("the secret search finds a secret or a signature that did get into a log", async () => {
    const fs = await import("node:fs");
    const secret = secretOf(live.target.dataDir);
    const leaky = path.join(live.ws.dir, "leaky");
    fs.mkdirSync(path.join(leaky, "logs"), { recursive: true });
    fs.writeFileSync(path.join(leaky, "logs", "a.log"), `debug: secret=${secret}\n`);
    fs.writeFileSync(path.join(leaky, "logs", "b.log"), "Authorization: AWS4-HMAC-SHA256 Credential=LSIA/20260101/us-east-1/s3/aws4_request, Signature=00\n");
    const findings = scanForSecrets([leaky], [secret]).findings;
    expect(findings.some((f) => f.endsWith("a.log: the secret access key"))).toBe(true);
    expect(findings.some((f) => f.endsWith("b.log: an Authorization header"))).toBe(true);
  });
});
