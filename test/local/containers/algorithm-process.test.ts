import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlgorithmProcess } from "../../../src/local/containers/algorithm-process";
import { ProcessRecords } from "../../../src/local/containers/process-records";

let dir: string;
let records: ProcessRecords;
const started: number[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "proc-"));
  records = new ProcessRecords(path.join(dir, "processes"));
});
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A program that starts a sleeping grandchild (pid written to `pidFile`), prints, and handles SIGTERM as told. */
function program(pidFile: string, onTerm: "exit" | "ignore"): string[] {
  const source = `
    process.on("SIGTERM", () => { ${onTerm === "exit" ? 'console.log("bye"); process.exit(0);' : 'console.log("ignored");'} });
    const { spawn } = require("node:child_process");
    const g = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
    require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
    console.log("started " + process.env.SM_ML_ROOT);
    setInterval(() => {}, 1000);
  `;
  return [process.execPath, "-e", source];
}

function start(argv: string[], lines: string[]): AlgorithmProcess {
  const root = path.join(dir, "root");
  fs.mkdirSync(root, { recursive: true });
  const p = AlgorithmProcess.start({ argv, env: { SM_ML_ROOT: root, SECRET: "x" }, cwd: root, root, owner: "test/job", records, onLine: (l) => lines.push(l) });
  return p;
}

describe("algorithm processes", () => {
  it("delivers stdout and stderr lines, passes only the given environment, and reports the exit code", async () => {
    const lines: string[] = [];
    const p = start([process.execPath, "-e", 'console.log("a\\nb"); console.error(process.env.SECRET, process.env.HOME !== undefined, process.env.VITEST ?? "none"); process.exit(3)'], lines);
    const exit = await p.exited;
    expect(exit).toEqual({ code: 3, killed: false });
    expect(lines.sort()).toEqual(["a", "b", "x true none"]);
    expect(fs.readdirSync(path.join(dir, "processes"))).toEqual([]);
  });

  it("stops the whole process group with SIGTERM, grandchildren included", async () => {
    const pidFile = path.join(dir, "grandchild.pid");
    const lines: string[] = [];
    const p = start(program(pidFile, "exit"), lines);
    await until(() => fs.existsSync(pidFile) && lines.some((l) => l.startsWith("started")));
    const grandchild = Number(fs.readFileSync(pidFile, "utf8"));
    started.push(grandchild);
    expect(fs.readdirSync(path.join(dir, "processes"))).toHaveLength(1);
    const exit = await p.stop(5000);
    expect(exit).toEqual({ code: 0, killed: false });
    expect(lines).toContain("bye");
    await until(() => !alive(grandchild));
    expect(fs.readdirSync(path.join(dir, "processes"))).toEqual([]);
  });

  it("kills a program that ignores SIGTERM once the grace period is over", async () => {
    const pidFile = path.join(dir, "grandchild.pid");
    const lines: string[] = [];
    const p = start(program(pidFile, "ignore"), lines);
    await until(() => fs.existsSync(pidFile) && lines.some((l) => l.startsWith("started")));
    const grandchild = Number(fs.readFileSync(pidFile, "utf8"));
    const exit = await p.stop(300);
    expect(exit.killed).toBe(true);
    expect(exit.code).toBe(137);
    expect(lines).toContain("ignored");
    await until(() => !alive(grandchild));
  });

  it("ends the group when the server that started it dies without a word (SIGKILL)", async () => {
    const pidFile = path.join(dir, "grandchild.pid");
    const root = path.join(dir, "root");
    fs.mkdirSync(root, { recursive: true });
    const serverScript = `
      const { AlgorithmProcess } = require(${JSON.stringify(path.resolve(__dirname, "../../../src/local/containers/algorithm-process.ts"))});
      const { ProcessRecords } = require(${JSON.stringify(path.resolve(__dirname, "../../../src/local/containers/process-records.ts"))});
      const p = AlgorithmProcess.start({ argv: ${JSON.stringify(program(pidFile, "ignore"))}, env: { SM_ML_ROOT: ${JSON.stringify(root)} }, cwd: ${JSON.stringify(root)}, root: ${JSON.stringify(root)}, owner: "t", records: new ProcessRecords(${JSON.stringify(path.join(dir, "processes"))}), onLine: (l) => console.log(l) });
      setInterval(() => {}, 1000);
    `;
    const server = spawn(process.execPath, ["--import", "tsx", "-e", serverScript], { stdio: ["ignore", "pipe", "inherit"], cwd: path.resolve(__dirname, "../../..") });
    let out = "";
    server.stdout.on("data", (d) => (out += d));
    await until(() => fs.existsSync(pidFile) && out.includes("started"), 20_000);
    const grandchild = Number(fs.readFileSync(pidFile, "utf8"));
    const [record] = fs.readdirSync(path.join(dir, "processes"));
    const pgid = Number(record.replace(".json", ""));
    started.push(pgid);
    expect(alive(pgid)).toBe(true);
    server.kill("SIGKILL");
    await until(() => !alive(grandchild) && !alive(pgid));
  });

  it("kills leftover groups recorded by a crashed server, but only those still running the job", async () => {
    const root = path.join(dir, "root");
    fs.mkdirSync(root, { recursive: true });
    const spawnGroup = (envRoot: string) => {
      const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore", env: { SM_ML_ROOT: envRoot } });
      c.unref();
      started.push(c.pid!);
      return c.pid!;
    };
    const leftover = spawnGroup(root);
    const stranger = spawnGroup(path.join(dir, "someone-else"));
    await until(() => fs.existsSync(`/proc/${leftover}/environ`) && fs.readFileSync(`/proc/${leftover}/environ`, "utf8").includes(root));
    records.add({ pgid: leftover, root, owner: "training-job/a" });
    records.add({ pgid: stranger, root, owner: "training-job/b" });
    records.add({ pgid: 999_999_999, root, owner: "training-job/c" });
    const killed = records.killLeftovers();
    expect(killed.map((k) => k.owner)).toEqual(["training-job/a"]);
    await until(() => !fs.existsSync(`/proc/${leftover}`) || fs.readFileSync(`/proc/${leftover}/stat`, "utf8").includes(") Z "));
    expect(alive(stranger)).toBe(true);
    expect(fs.readdirSync(path.join(dir, "processes"))).toEqual([]);
  });
});
