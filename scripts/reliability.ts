/**
 * `npm run reliability [-- options]`: the reliability and security suite of
 * the local backend (src/reliability/). Prints a report; with --json its last
 * line is one JSON object with the figures. Exit code 0 when everything held,
 * 1 when something did not, 2 for a bad command line.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { figuresOf, formatReport } from "../src/reliability/report";
import { PARTS, runSuite, SIZES, type Part } from "../src/reliability/suite";

process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const USAGE = `Usage: npm run reliability -- [options]

Runs the reliability and security checks of the local SageMaker, each part
against its own local server in a temporary folder:

  bad-input     ${"AWS's answers to >= 60 bad requests, data and payloads"}
  access        loopback only; unsigned, wrong, expired, replayed signatures; size bounds
  load          ${SIZES.full.clients} clients: ${SIZES.full.invocations} invocations, ${SIZES.full.s3Objects} PutObject + GetObject (fast: ${SIZES.fast.invocations})
  faults        kill -9 of the server during training, multipart upload, batch
                transform; kill -9 of algorithm processes; a full disk (fast: one)
  cloud-safety  the notebook with a failure injected at every step (fast: one)
and finally searches every log for secrets.

Options:
  --fast             the subset CI runs (about 2 minutes)
  --json             end with one line of JSON holding the figures
  --only PARTS       comma-separated parts (default: all)
  --work-dir DIR     where servers and runs keep their files (default: a new temporary folder)
  --keep             keep the work folder afterwards
  -h, --help         show this text
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        fast: { type: "boolean" },
        json: { type: "boolean" },
        only: { type: "string" },
        "work-dir": { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const parts = (values.only ?? PARTS.join(",")).split(",").map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    process.stderr.write(`--only: unknown part(s) ${unknown.join(", ")}; the parts are ${PARTS.join(", ")}.\n`);
    return 2;
  }
  const workDir = values["work-dir"] ? path.resolve(values["work-dir"]) : fs.mkdtempSync(path.join(os.tmpdir(), "reliability-"));
  const started = Date.now();
  try {
    const result = await runSuite({
      workDir,
      fast: values.fast === true,
      parts: parts as Part[],
      log: (line) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`),
    });
    const figures = figuresOf(result);
    process.stdout.write(`${formatReport(result)}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
    return figures.ok ? 0 : 1;
  } finally {
    if (values.keep) process.stderr.write(`work folder kept: ${workDir}\n`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`reliability: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
