/** The main job's summary as the terminal shows it. */
import type { MainJobReport } from "./job";

const acc = (x: number | null): string => (x === null ? "n/a" : x.toFixed(3));
const mark = (ok: boolean): string => (ok ? "ok" : "FAILED");

export function formatSummary(r: MainJobReport): string {
  const lines: string[] = ["", "Summary"];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(17)}${text}`);
  const check = (name: string) => r.checks.find((c) => c.name === name);

  if (r.failure) {
    const f = r.failure;
    row("notebook", `FAILED at In [${f.executionCount ?? " "}] (notebook cell ${f.cellIndex}, stage ${f.stage}): ${f.firstLine}`);
    row("", `${f.ename}: ${f.evalue}`);
  } else {
    row("notebook", r.status === "completed" ? "completed, every cell ran" : `${r.status}${r.error ? `: ${r.error}` : ""}`);
  }

  const t = r.results.training;
  const learned = check("model learned");
  if (t) {
    row("training", `${t.epochs.length} epoch(s); last epoch: train accuracy ${acc(t.finalTrainAccuracy)}, validation accuracy ${acc(t.finalValidationAccuracy)}`);
    row("", `kept model Epoch[${t.keptEpoch}]: validation accuracy ${acc(t.keptValidationAccuracy)} (required >= ${r.bar.minValidationAccuracy}: ${mark(learned?.ok ?? false)})`);
  } else if (learned) row("training", `${learned.detail}: FAILED`);

  const b = r.results.batchTransform;
  const batch = check("batch transform");
  if (b) {
    row("batch transform", `${b.outFiles} .out file(s) for ${b.testImages ?? "?"} test image(s): ${mark(batch?.ok ?? false)}; ${b.predictedTestClass} of ${b.outFiles} predicted '${b.testClass}'`);
  } else if (batch) row("batch transform", `${batch.detail}: FAILED`);

  const e = r.results.endpoint;
  const endpoint = check("endpoint prediction");
  if (e) {
    const verdict = b ? (endpoint?.ok ? "correct" : `WRONG, the image is of class '${b.testClass}'`) : "unchecked";
    row("endpoint", `top label '${e.label}', probability ${e.probability.toFixed(4)}: ${verdict}`);
  } else if (endpoint) row("endpoint", `${endpoint.detail}: FAILED`);

  if (r.stages.length > 0) {
    row("time per stage", r.stages.map((s) => `${s.title} ${s.seconds.toFixed(1)} s`).join(", "));
  }
  row("total", `${r.wallSeconds.toFixed(1)} s`);

  if (r.server) {
    const s = r.server;
    const fate = s.startedByJob
      ? s.stoppedByJob
        ? "started by this job and stopped again (--keep-server keeps it running)"
        : "started by this job and left running (--keep-server); stop it with npm run local:stop"
      : "was already running; left running";
    row("local server", `${s.endpoint}: ${fate}`);
  }
  row("outputs", [r.outputs.notebook, r.outputs.html, r.outputs.summary].filter((f): f is string => f !== null).join(", "));

  const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`);
  lines.push("");
  if (r.passed) lines.push("PASSED: the model learned, the batch transform and the endpoint answered correctly.");
  else if (r.failure) lines.push(`FAILED: the notebook stopped at In [${r.failure.executionCount ?? " "}] (notebook cell ${r.failure.cellIndex}); ${r.outputs.notebook} shows it marked.`);
  else if (r.status !== "completed") lines.push(`FAILED: the notebook did not complete (${r.error ?? r.status}).`);
  else lines.push(`FAILED: ${failed.join("; ")}.`);
  return lines.join("\n") + "\n";
}
