/**
 * A small file system the checks can fill: a tmpfs, or where mounting one is
 * not allowed, an ext4 image on a loop device. Both need root (or
 * CAP_SYS_ADMIN); without them the full-disk fault is reported as skipped.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { processesUsing } from "../processes";

export interface ScratchDisk {
  mountPoint: string;
  kind: "tmpfs" | "loop";
  /** Waits out a busy mount for up to `busyWaitMs`; then fails naming the processes that hold it. */
  unmount(busyWaitMs?: number): Promise<void>;
}

/** A process that has just exited can hold its files a moment longer (its other threads are still ending). */
const BUSY_WAIT_MS = 15_000;

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

function why(err: unknown): string {
  const e = err as Error & { stderr?: Buffer };
  return (e.stderr?.toString().trim() || e.message).split("\n")[0];
}

async function unmountWhenFree(mountPoint: string, busyWaitMs = BUSY_WAIT_MS): Promise<void> {
  const deadline = Date.now() + busyWaitMs;
  for (;;) {
    try {
      run("umount", [mountPoint]);
      return;
    } catch (err) {
      if (!/busy/i.test(why(err))) throw err;
      if (Date.now() > deadline) {
        const holders = processesUsing(mountPoint).map((p) => `${p.pid} (${p.command.slice(0, 120)})`);
        throw new Error(`umount ${mountPoint}: still busy after ${busyWaitMs / 1000} s; held by ${holders.join(", ") || "no process found in /proc"}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Mounts a `sizeMiB` file system at `<base>/disk`; throws with every reason it could not. */
export function mountScratchDisk(base: string, sizeMiB: number): ScratchDisk {
  const mountPoint = path.join(base, "disk");
  fs.mkdirSync(mountPoint, { recursive: true });
  const reasons: string[] = [];
  try {
    run("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0700`, "tmpfs", mountPoint]);
    return { mountPoint, kind: "tmpfs", unmount: (busyWaitMs) => unmountWhenFree(mountPoint, busyWaitMs) };
  } catch (err) {
    reasons.push(`tmpfs: ${why(err)}`);
  }
  const image = path.join(base, "disk.img");
  try {
    fs.writeFileSync(image, "");
    fs.truncateSync(image, sizeMiB * 1024 * 1024);
    run("mkfs.ext4", ["-q", "-F", image]);
    run("mount", ["-o", "loop", image, mountPoint]);
    return {
      mountPoint,
      kind: "loop",
      unmount: async (busyWaitMs) => {
        await unmountWhenFree(mountPoint, busyWaitMs);
        fs.rmSync(image, { force: true });
      },
    };
  } catch (err) {
    reasons.push(`loop device: ${why(err)}`);
    fs.rmSync(image, { force: true });
  }
  throw new Error(`cannot mount a small file system (${reasons.join("; ")})`);
}
