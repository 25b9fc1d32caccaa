/**
 * The kernelspec written by `npm run kernel:install` is a standard one:
 * Jupyter lists it, and Jupyter's own runners (jupyter execute, nbclient)
 * run this project's tslab kernel with it from any directory.
 * Needs Debian's jupyter-core, jupyter-client and python3-nbclient.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture, isolatedEnv, ROOT, tempDir } from "./helpers";

function sh(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }) {
  const r = spawnSync(cmd, args, { env: opts.env, cwd: opts.cwd ?? ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the tslab kernelspec seen by Jupyter", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let elsewhere: string;

  beforeAll(() => {
    dir = tempDir();
    env = isolatedEnv(dir, { PYDEVD_DISABLE_FILE_VALIDATION: "1" });
    elsewhere = path.join(dir, "elsewhere");
    fs.mkdirSync(elsewhere);
    const installed = sh("npm", ["run", "-s", "kernel:install"], { env });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`Installed kernelspec tslab (TypeScript (tslab)) in ${path.join(dir, "jupyter-data", "kernels", "tslab")}`);
  });

  it("is listed by `jupyter kernelspec list`", () => {
    const listed = sh("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const tslab = JSON.parse(listed.stdout).kernelspecs.tslab;
    expect(tslab.resource_dir).toBe(path.join(dir, "jupyter-data", "kernels", "tslab"));
    expect(tslab.spec).toMatchObject({ display_name: "TypeScript (tslab)", language: "typescript" });
    expect(tslab.spec.argv).toEqual([process.execPath, path.join(ROOT, "scripts", "tslab-kernel.js"), "{connection_file}"]);
  });

  it("runs a notebook under `jupyter execute` from another directory, local imports included", () => {
    const copy = path.join(elsewhere, "imports-local.ipynb");
    fs.copyFileSync(fixture("imports-local.ipynb"), copy);
    const ok = sh("/usr/bin/jupyter-execute", ["--kernel_name=tslab", copy], { env, cwd: elsewhere });
    expect(ok.code, ok.stderr).toBe(0);
    const failing = path.join(elsewhere, "type-error.ipynb");
    fs.copyFileSync(fixture("type-error.ipynb"), failing);
    const bad = sh("/usr/bin/jupyter-execute", ["--kernel_name=tslab", failing], { env, cwd: elsewhere });
    expect(bad.code).not.toBe(0);
  });

  it("gives nbclient the cells' outputs, with the kernel in the repository root", () => {
    const script = [
      "import json, sys, nbformat",
      "from nbclient import NotebookClient",
      "nb = nbformat.read(sys.argv[1], as_version=4)",
      "NotebookClient(nb, kernel_name='tslab', timeout=60).execute()",
      "print(json.dumps([''.join(o.get('text', '') for o in c.outputs) for c in nb.cells]))",
    ].join("\n");
    const r = sh("/usr/bin/python3", ["-c", script, fixture("imports-local.ipynb")], { env, cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string)).toEqual([`${ROOT}\n`, "hello from the repo root, jupyter\n"]);
  });

  it("is removed by --uninstall", () => {
    const removed = sh("npm", ["run", "-s", "kernel:install", "--", "--uninstall"], { env });
    expect(removed.code, removed.stderr).toBe(0);
    const listed = sh("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { env });
    expect(Object.keys(JSON.parse(listed.stdout).kernelspecs)).not.toContain("tslab");
  });
});
