/**
 * The full-disk fault's scratch file system: unmounting waits while a process
 * that is ending still holds the mount, and names the holder when one does
 * not let go. Mounting needs root or CAP_SYS_ADMIN, which CI has; without
 * them these tests fail rather than skip.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mountScratchDisk, type ScratchDisk } from "../../src/reliability/faults/scratch-disk";
import { isProcessRunning } from "../../src/system/process-state";

describe("the scratch disk of the full-disk fault", () => {
  let base: string;
  let disk: ScratchDisk | undefined;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "scratch-disk-"));
    disk = mountScratchDisk(base, 4);
  });
  afterEach(async () => {
    await disk?.unmount().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
  });

  const holdFor = (seconds: number) => spawn("sleep", [String(seconds)], { cwd: disk!.mountPoint, stdio: "ignore" });

  it("unmounts once a process working in it has exited", async () => {
    const holder = holdFor(1);
    await disk!.unmount(10_000);
    // A umount cannot succeed while the holder runs in the mount: it waited.
    expect(isProcessRunning(holder.pid!)).toBe(false);
    expect(fs.readFileSync("/proc/mounts", "utf8")).not.toContain(disk!.mountPoint);
    disk = undefined;
  });

  it("fails naming the process that keeps it busy", async () => {
    const holder = holdFor(30);
    try {
      await expect(disk!.unmount(600)).rejects.toThrow(new RegExp(`still busy after 0.6 s; held by ${holder.pid} \\(sleep 30\\)`));
    } finally {
      holder.kill();
    }
  });
});
