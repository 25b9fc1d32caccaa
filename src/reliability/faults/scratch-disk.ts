/**
 * A small file system the checks can fill: a tmpfs, or where mounting one is
 * not allowed, an ext4 image on a loop device. Both need root (or
 * CAP_SYS_ADMIN); without them the full-disk fault is reported as skipped.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface ScratchDisk {
  mountPoint: string;
  kind: "tmpfs" | "loop";
  unmount(): void;
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

function why(err: unknown): string {
  const e = err as Error & { stderr?: Buffer };
  return (e.stderr?.toString().trim() || e.message).split("\n")[0];
}

/** Mounts a `sizeMiB` file system at `<base>/disk`; throws with every reason it could not. */
export function mountScratchDisk(base: string, sizeMiB: number): ScratchDisk {
  const mountPoint = path.join(base, "disk");
  fs.mkdirSync(mountPoint, { recursive: true });
  const reasons: string[] = [];
  try {
    run("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0700`, "tmpfs", mountPoint]);
    return { mountPoint, kind: "tmpfs", unmount: () => run("umount", [mountPoint]) };
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
      unmount: () => {
        run("umount", [mountPoint]);
        fs.rmSync(image, { force: true });
      },
    };
  } catch (err) {
    reasons.push(`loop device: ${why(err)}`);
    fs.rmSync(image, { force: true });
  }
  throw new Error(`cannot mount a small file system (${reasons.join("; ")})`);
}
