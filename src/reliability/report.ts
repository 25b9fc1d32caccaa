/**
 * The suite's figures for people (a report of each part) and for machines
 * (one JSON object: cases tried and passed, faults injected and survived,
 * objects lost, requests and errors under load, p50/p99, RSS before/after,
 * cloud-safety injections and leaks).
 */
import type { SuiteResult } from "./suite";

export interface Figures {
  mode: "fast" | "full";
  seconds: number;
  ok: boolean;
  badInput?: { tried: number; passed: number };
  access?: { tried: number; passed: number };
  faults?: { injected: number; survived: number; skipped: string[]; objectsAcknowledged: number; objectsLost: number; partialObjects: number; orphanProcesses: number };
  load?: {
    clients: number;
    invocations: { requests: number; errors: number; p50Ms: number; p99Ms: number; perSecond: number };
    s3Put: { requests: number; errors: number; p50Ms: number; p99Ms: number; perSecond: number };
    s3Get: { requests: number; errors: number; p50Ms: number; p99Ms: number; perSecond: number };
    rssMiB: { serverBefore: number; serverAfter: number; servingBefore?: number; servingAfter?: number; serverBeforeS3: number; serverAfterS3: number };
  };
  cloudSafety?: { injections: number; passed: number; runsWithLeaks: number; leakedResources: number };
  secretsInLogs: { filesScanned: number; findings: number };
}

const runFigures = (r: { requests: number; errors: number; latency: { p50Ms: number; p99Ms: number }; requestsPerSecond: number }) => ({
  requests: r.requests,
  errors: r.errors,
  p50Ms: r.latency.p50Ms,
  p99Ms: r.latency.p99Ms,
  perSecond: r.requestsPerSecond,
});

export function figuresOf(r: SuiteResult): Figures {
  const f: Figures = { mode: r.mode, seconds: r.seconds, ok: true, secretsInLogs: { filesScanned: r.secrets.filesScanned, findings: r.secrets.findings.length } };
  if (r.badInput) f.badInput = { tried: r.badInput.tried, passed: r.badInput.passed };
  if (r.access) f.access = { tried: r.access.tried, passed: r.access.passed };
  if (r.faults) {
    const { injected, survived, objectsAcknowledged, objectsLost, partialObjects, orphanProcesses } = r.faults;
    const skipped = r.faults.results.filter((x) => x.skipped).map((x) => `${x.fault}: ${x.skipped}`);
    f.faults = { injected, survived, skipped, objectsAcknowledged, objectsLost, partialObjects, orphanProcesses };
  }
  if (r.load) {
    const m = r.load.invocationMemory;
    f.load = {
      clients: r.load.invocations.clients,
      invocations: runFigures(r.load.invocations),
      s3Put: runFigures(r.load.s3Put),
      s3Get: runFigures(r.load.s3Get),
      rssMiB: {
        serverBefore: m.serverBeforeMiB,
        serverAfter: m.serverAfterMiB,
        servingBefore: m.servingBeforeMiB,
        servingAfter: m.servingAfterMiB,
        serverBeforeS3: r.load.s3Memory.serverBeforeMiB,
        serverAfterS3: r.load.s3Memory.serverAfterMiB,
      },
    };
  }
  if (r.cloudSafety) {
    const { injections, passed, runsWithLeaks, leakedResources } = r.cloudSafety;
    f.cloudSafety = { injections, passed, runsWithLeaks, leakedResources };
  }
  f.ok =
    (!f.badInput || f.badInput.passed === f.badInput.tried) &&
    (!f.access || f.access.passed === f.access.tried) &&
    (!f.faults || (f.faults.survived === f.faults.injected && f.faults.objectsLost === 0 && f.faults.partialObjects === 0 && f.faults.orphanProcesses === 0)) &&
    (!f.load || f.load.invocations.errors + f.load.s3Put.errors + f.load.s3Get.errors === 0) &&
    (!f.cloudSafety || (f.cloudSafety.passed === f.cloudSafety.injections && f.cloudSafety.leakedResources === 0)) &&
    f.secretsInLogs.findings === 0;
  return f;
}

const mark = (ok: boolean): string => (ok ? "ok  " : "FAIL");

/** The report for people: each part's figures, then every problem found. */
export function formatReport(r: SuiteResult): string {
  const f = figuresOf(r);
  const lines: string[] = [`Reliability of the local backend (${r.mode} run, ${r.seconds} s)`, ""];
  if (r.badInput) {
    lines.push(`${mark(r.badInput.passed === r.badInput.tried)} bad input: ${r.badInput.passed} of ${r.badInput.tried} cases answered as AWS does, nothing left behind, the server serving after each`);
    for (const [area, n] of Object.entries(r.badInput.byArea)) lines.push(`       ${area.padEnd(16)} ${n.passed}/${n.tried}`);
  }
  if (r.access) lines.push(`${mark(r.access.passed === r.access.tried)} access: ${r.access.passed} of ${r.access.tried} checks (loopback only, unsigned/wrong/expired/replayed signatures refused, bounded headers and bodies)`);
  if (f.load && r.load) {
    const l = f.load;
    lines.push(`${mark(l.invocations.errors + l.s3Put.errors + l.s3Get.errors === 0)} load, ${l.clients} concurrent clients:`);
    for (const [name, x] of [["InvokeEndpoint", l.invocations], ["PutObject 4 KiB", l.s3Put], ["GetObject 4 KiB", l.s3Get]] as const) {
      lines.push(`       ${name.padEnd(16)} ${x.requests} requests, ${x.errors} errors, p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms, ${x.perSecond}/s`);
    }
    lines.push(`       RSS server       ${l.rssMiB.serverBefore} -> ${l.rssMiB.serverAfter} MiB during the invocations, ${l.rssMiB.serverBeforeS3} -> ${l.rssMiB.serverAfterS3} MiB during S3`);
    lines.push(`       RSS serving      ${l.rssMiB.servingBefore ?? "?"} -> ${l.rssMiB.servingAfter ?? "?"} MiB (the endpoint's algorithm process)`);
  }
  if (f.faults && r.faults) {
    const x = f.faults;
    lines.push(
      `${mark(x.survived === x.injected && x.objectsLost === 0)} faults: ${x.survived} of ${x.injected} survived; ${x.objectsAcknowledged} acknowledged objects, ${x.objectsLost} lost, ${x.partialObjects} partial, ${x.orphanProcesses} orphan processes`,
    );
    for (const res of r.faults.results) lines.push(`       ${res.fault.padEnd(38)} ${res.skipped ? `SKIPPED: ${res.skipped}` : res.survived ? "survived" : "FAILED"}${res.notes.length ? `: ${res.notes.join("; ")}` : ""}`);
  }
  if (r.cloudSafety) {
    const c = r.cloudSafety;
    lines.push(`${mark(c.passed === c.injections && c.leakedResources === 0)} cloud safety: ${c.injections} notebook runs with an injected failure, ${c.leakedResources} resources left behind`);
    for (const res of c.results) lines.push(`       ${res.injection.padEnd(48)} ${res.problems.length ? "FAILED" : "clean"} (cleaned by ${res.cleanedBy}, ${res.seconds} s)`);
  }
  lines.push(`${mark(r.secrets.findings.length === 0)} secrets in logs: ${r.secrets.findings.length} found in ${r.secrets.filesScanned} files (${Math.round(r.secrets.bytesScanned / 1024)} KiB), ${r.secrets.signaturesKnown} request signatures searched`);

  const problems = [
    ...(r.badInput?.results ?? []).filter((x) => !x.passed).map((x) => `bad input ${x.id}: ${x.problems.join("; ")}`),
    ...(r.access?.results ?? []).filter((x) => !x.passed).map((x) => `access ${x.id}: ${x.problems.join("; ")}`),
    ...(r.faults?.results ?? []).flatMap((x) => x.problems.map((p) => `fault ${x.fault}: ${p}`)),
    ...(r.cloudSafety?.results ?? []).flatMap((x) => x.problems.map((p) => `cloud safety, ${x.injection}: ${p}`)),
    ...r.secrets.findings.map((x) => `secret in a log: ${x}`),
    ...(r.load ? [r.load.invocations, r.load.s3Put, r.load.s3Get].flatMap((run) => Object.entries(run.errorTypes).map(([t, n]) => `load, ${run.what}: ${n} x ${t}`)) : []),
  ];
  lines.push("", problems.length === 0 ? "Nothing lost, nothing left behind." : `Problems (${problems.length}):`, ...problems.map((p) => `  - ${p}`));
  return lines.join("\n");
}
