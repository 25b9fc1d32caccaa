/** `npm run reliability`: its command line, its report and the JSON line it ends with. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

function reliability(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reliability.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run reliability", () => {
  it("refuses an unknown part with exit code 2", () => {
    const r = reliability(["--only", "access,bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown part\(s\) bogus; the parts are bad-input, access, load, faults, cloud-safety/);
  });

  it("prints the report and, with --json, ends with one JSON object of figures", () => {
    const r = reliability(["--only", "access", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}access: \d+ of \d+ checks/m);
    const lines = r.stdout.trimEnd().split("\n");
    const figures = JSON.parse(lines[lines.length - 1]);
    expect(figures.ok).toBe(true);
    expect(figures.access.passed).toBe(figures.access.tried);
    expect(figures.access.tried).toBeGreaterThanOrEqual(25);
    expect(figures.secretsInLogs.findings).toBe(0);
    expect(figures.badInput).toBeUndefined();
  }, 240_000);
});
