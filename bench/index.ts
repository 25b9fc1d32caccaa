/**
 * `npm run bench [-- --json] [-- --quick] [-- --only <name>]`: runs every
 * `bench/*.bench.ts`, prints a table of figures beside their references, and
 * with `--json` ends with one line `{"results": [...]}`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchModule, BenchResult } from "./types";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const quick = args.includes("--quick");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => !only || f.startsWith(only))
    .sort();
  if (files.length === 0) {
    console.error(only ? `No benchmark named "${only}" in bench/.` : "No benchmarks in bench/.");
    process.exit(2);
  }
  const results: BenchResult[] = [];
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as BenchModule;
    console.log(`\n== ${mod.title} (${file})`);
    const got = await mod.run({ quick, log: (line) => console.log(`   ${line}`) });
    for (const r of got) console.log(formatRow(r));
    results.push(...got);
  }
  if (json) console.log(JSON.stringify({ results }));
}

function formatRow(r: BenchResult): string {
  const num = (v: number | null) => (v === null ? "-" : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
  const ratio = r.ratio === null ? "" : `  ratio ${r.ratio.toFixed(2)}x`;
  const note = r.note ? `  (${r.note})` : "";
  return `${r.name.padEnd(44)} ${num(r.project).padStart(9)} ${r.unit.padEnd(6)} ref ${num(r.reference).padStart(9)}${ratio}${note}`;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
