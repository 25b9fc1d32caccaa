import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { isProcessRunning, processStartTicks } from "../../src/system/process-state";

function procState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0];
}

describe("isProcessRunning", () => {
  it("is true for a running process and false once it has exited", async () => {
    const child = spawn("sleep", ["5"]);
    expect(isProcessRunning(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(isProcessRunning(child.pid!)).toBe(false);
  });

  it("counts a zombie (dead, not yet reaped) as not running, although kill(pid, 0) still succeeds", async () => {
    // The shell's background child exits first; `exec sleep` never reaps it, so it stays a zombie for 5 s.
    const parent = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 5"]);
    try {
      const [line] = (await once(parent.stdout!, "data")) as [Buffer];
      const zombie = Number(line.toString().trim());
      const deadline = Date.now() + 5000;
      while (procState(zombie) !== "Z" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(procState(zombie)).toBe("Z");
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessRunning(zombie)).toBe(false);
      expect(isProcessRunning(parent.pid!)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("counts a zombie leader as running while another thread of the process is still ending", async () => {
    // The main thread ends with pthread_exit while a second thread sleeps 1.5 s: the leader shows Z, the process lives on.
    // (Python is only the fixture here: Node cannot end its main thread alone.)
    const child = spawn("python3", ["-c", "import ctypes, threading, time; threading.Thread(target=time.sleep, args=(1.5,)).start(); print('started', flush=True); ctypes.CDLL(None).pthread_exit(None)"]);
    try {
      await once(child.stdout!, "data");
      const pid = child.pid!;
      const deadline = Date.now() + 1000;
      while (procState(pid) !== "Z" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(procState(pid)).toBe("Z");
      expect(fs.readdirSync(`/proc/${pid}/task`).length).toBeGreaterThan(1);
      expect(isProcessRunning(pid)).toBe(true);
      await once(child, "exit");
      expect(isProcessRunning(pid)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("is false for a pid no process has", () => {
    expect(isProcessRunning(2 ** 22 + 1)).toBe(false);
  });
});

describe("processStartTicks", () => {
  it("tells a process from a later one with the same pid by its start time", () => {
    const mine = processStartTicks(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(processStartTicks(process.pid)).toBe(mine);
    expect(processStartTicks(2 ** 22 + 1)).toBeUndefined();
  });
});
