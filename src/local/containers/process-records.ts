/**
 * A file per running algorithm process group, so that a server that died
 * without stopping its processes can end them when it starts again. A group is
 * killed only when one of its processes still carries the job's `SM_ML_ROOT`,
 * so a recycled process id never kills a stranger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ENV } from "../../container/contract";
import { writeFileAtomic } from "../../system/atomic-file";

export interface ProcessRecord {
  pgid: number;
  /** The job's `SM_ML_ROOT`. */
  root: string;
  /** e.g. "training-job/my-job". */
  owner: string;
}

/** Process ids of the group's live members (Linux /proc). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

function carriesRoot(pid: number, root: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${ENV.root}=${root}`);
  } catch {
    return false;
  }
}

export class ProcessRecords {
  constructor(private readonly dir: string) {}

  add(record: ProcessRecord): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(path.join(this.dir, `${record.pgid}.json`), JSON.stringify(record));
  }

  remove(pgid: number): void {
    fs.rmSync(path.join(this.dir, `${pgid}.json`), { force: true });
  }

  /** Kills the recorded groups that still run; returns what was killed. */
  killLeftovers(): ProcessRecord[] {
    if (!fs.existsSync(this.dir)) return [];
    const killed: ProcessRecord[] = [];
    for (const file of fs.readdirSync(this.dir).filter((f) => f.endsWith(".json"))) {
      let record: ProcessRecord | undefined;
      try {
        record = JSON.parse(fs.readFileSync(path.join(this.dir, file), "utf8")) as ProcessRecord;
      } catch {
        record = undefined;
      }
      if (record && fs.existsSync("/proc/self/stat")) {
        const { pgid, root } = record;
        if (groupMembers(pgid).some((pid) => carriesRoot(pid, root))) {
          try {
            process.kill(-pgid, "SIGKILL");
            killed.push(record);
          } catch {
            // Already gone.
          }
        }
      }
      fs.rmSync(path.join(this.dir, file), { force: true });
    }
    return killed;
  }
}
