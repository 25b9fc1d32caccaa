import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { foreignTslabWarning, tslabKernelSpec } from "../../src/runner/builtin-kernel";
import { installKernel, kernelDir, uninstallKernel } from "../../src/runner/kernel-install";
import { findKernelSpec, jupyterDataPath, listKernelSpecs, readKernelSpec, userDataDir } from "../../src/runner/kernelspec";
import { fixture, isolatedEnv, ROOT, runCli, tempDir } from "./helpers";

function writeSpec(dataDir: string, name: string, spec: Record<string, unknown>): string {
  const dir = path.join(dataDir, "kernels", name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec));
  return dir;
}

describe("Jupyter's search path", () => {
  it("puts JUPYTER_PATH first, then the user data dir, then the system dirs", () => {
    const env = { JUPYTER_PATH: ["/a", "/b"].join(path.delimiter), JUPYTER_DATA_DIR: "/user/data", HOME: "/home/x" };
    expect(jupyterDataPath(env)).toEqual(["/a", "/b", "/user/data", "/usr/local/share/jupyter", "/usr/share/jupyter"]);
  });

  it("derives the user data dir from XDG_DATA_HOME or HOME when JUPYTER_DATA_DIR is unset", () => {
    expect(userDataDir({ XDG_DATA_HOME: "/xdg", HOME: "/home/x" })).toBe("/xdg/jupyter");
    expect(userDataDir({ HOME: "/home/x" })).toBe("/home/x/.local/share/jupyter");
  });

  it("finds the first kernelspec of a name, case-insensitively", () => {
    const dir = tempDir();
    const first = path.join(dir, "first");
    const second = path.join(dir, "second");
    writeSpec(first, "MyKernel", { argv: ["one", "{connection_file}"], display_name: "One", language: "x" });
    writeSpec(second, "mykernel", { argv: ["two"], display_name: "Two", language: "x" });
    const env = { JUPYTER_PATH: [first, second].join(path.delimiter), JUPYTER_DATA_DIR: path.join(dir, "none") };
    expect(listKernelSpecs(env).get("mykernel")).toBe(path.join(first, "kernels", "MyKernel"));
    const spec = findKernelSpec("mykernel", { env });
    expect(spec).toMatchObject({ name: "mykernel", argv: ["one", "{connection_file}"], display_name: "One", interrupt_mode: "signal", env: {} });
  });

  it("falls back to the built-in tslab spec only when Jupyter has none", () => {
    const dir = tempDir();
    const env = { JUPYTER_PATH: path.join(dir, "p"), JUPYTER_DATA_DIR: path.join(dir, "d") };
    expect(findKernelSpec("tslab", { env, fallbacks: [tslabKernelSpec()] }).argv[1]).toMatch(/scripts[/\\]tslab-kernel\.js$/);
    writeSpec(path.join(dir, "p"), "tslab", { argv: ["custom-tslab"], display_name: "Custom", language: "typescript" });
    expect(findKernelSpec("tslab", { env, fallbacks: [tslabKernelSpec()] }).argv).toEqual(["custom-tslab"]);
  });

  it("lists what exists when a kernel is missing", () => {
    const dir = tempDir();
    writeSpec(path.join(dir, "p"), "alpha", { argv: ["a"] });
    const env = { JUPYTER_PATH: path.join(dir, "p"), JUPYTER_DATA_DIR: path.join(dir, "d") };
    expect(() => findKernelSpec("nope", { env })).toThrow(/No such kernel named 'nope'. Kernels found: alpha.*Pass -k/);
  });

  it("names the bad field of a kernel.json", () => {
    const dir = tempDir();
    expect(() => readKernelSpec(writeSpec(dir, "a", { argv: [] }))).toThrow(/'argv' must be a non-empty array of strings/);
    expect(() => readKernelSpec(writeSpec(dir, "b", { argv: ["x"], env: { A: 1 } }))).toThrow(/'env' must be an object of string values/);
    expect(() => readKernelSpec(writeSpec(dir, "c", { argv: ["x"], interrupt_mode: "poke" }))).toThrow(/'interrupt_mode' must be "signal" or "message"/);
  });
});

describe("kernel registration (npm run kernel:install)", () => {
  it("writes the tslab kernelspec into JUPYTER_DATA_DIR, idempotently, and removes it", () => {
    const dir = tempDir();
    const env = { JUPYTER_DATA_DIR: path.join(dir, "data") };
    const installed = installKernel({ env });
    expect(installed).toBe(path.join(dir, "data", "kernels", "tslab"));
    const first = fs.readFileSync(path.join(installed, "kernel.json"), "utf8");
    installKernel({ env });
    expect(fs.readFileSync(path.join(installed, "kernel.json"), "utf8")).toBe(first);
    expect(fs.readdirSync(installed)).toEqual(["kernel.json"]);
    const spec = JSON.parse(first);
    expect(spec).toMatchObject({ display_name: "TypeScript (tslab)", language: "typescript", interrupt_mode: "signal" });
    expect(spec.argv).toEqual([process.execPath, path.resolve(__dirname, "..", "..", "scripts", "tslab-kernel.js"), "{connection_file}"]);
    expect(uninstallKernel({ env })).toBe(true);
    expect(fs.existsSync(installed)).toBe(false);
    expect(uninstallKernel({ env })).toBe(false);
  });

  it("installs under PREFIX/share/jupyter with a prefix", () => {
    const dir = tempDir();
    expect(kernelDir({ prefix: dir })).toBe(path.join(dir, "share", "jupyter", "kernels", "tslab"));
    expect(fs.existsSync(path.join(installKernel({ prefix: dir }), "kernel.json"))).toBe(true);
  });
});

describe("a tslab kernelspec that is not this repository's", () => {
  it("is named in a warning that says how to replace it; this repository's own is not", () => {
    const dir = tempDir();
    expect(foreignTslabWarning(tslabKernelSpec())).toBeNull();
    expect(foreignTslabWarning(readKernelSpec(installKernel({ env: { JUPYTER_DATA_DIR: path.join(dir, "data") } })))).toBeNull();
    const foreign = readKernelSpec(writeSpec(path.join(dir, "p"), "tslab", { argv: ["tslab", "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript", language: "typescript" }));
    expect(foreignTslabWarning(foreign)).toMatch(/'tslab' kernelspec in .*kernels[/\\]tslab does not start this repository's launcher .*npm run kernel:install/);
    expect(foreignTslabWarning({ ...foreign, name: "python3" })).toBeNull();
  });

  it("still runs the notebook, with the warning on stderr", async () => {
    const dir = tempDir();
    // What `tslab install` writes, pointing at the tslab package itself.
    writeSpec(path.join(dir, "jupyter-path"), "tslab", {
      argv: [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript",
      language: "typescript",
    });
    const out = path.join(dir, "out.ipynb");
    const result = await runCli([fixture("passing.ipynb"), out, "--no-progress-bar"], { env: isolatedEnv(dir) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Warning: The 'tslab' kernelspec in .* does not start this repository's launcher.*npm run kernel:install/);
  }, 60_000);
});
