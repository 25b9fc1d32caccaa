/**
 * Whether a process still runs, as every part that watches pids needs it (the
 * local server's data-dir lock, the notebook's guard, the reliability checks).
 * `kill(pid, 0)` alone also succeeds for a zombie: a process that has died
 * but was not yet reaped, which in containers whose PID 1 reaps lazily lasts
 * seconds. A zombie holds no resources and never runs again, so it counts as
 * gone, but only once all its threads have ended: the thread-group leader
 * shows Z as soon as its own thread exits, while the other threads, still
 * ending, hold the process's files (a mount it used stays busy). Kept free of
 * other imports: the tslab kernel compiles it.
 */
import * as fs from "node:fs";

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // Where /proc exists, a zombie ("Z") or dead ("X") entry is not running, unless threads of it still end.
  const state = statFields(pid)?.[0];
  return (state !== "Z" && state !== "X") || threadCount(pid) > 1;
}

function threadCount(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

/** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined where /proc does not exist. */
export function processStartTicks(pid: number): string | undefined {
  return statFields(pid)?.[19];
}
