/**
 * Log groups and streams of the local CloudWatch Logs, kept under
 * `<dataDir>/logs/`: a directory per group, and per stream a small JSON file
 * (its name and creation time) and a JSON-lines file of events appended as
 * they come. Streams are read into memory when their group is first used.
 * Appends are not flushed one by one (a training job logs thousands of
 * lines); `flush()` makes them durable, and the job runners call it whenever
 * a job's status changes, so a finished job's log survives a power cut.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { syncFile, writeFileAtomic } from "../../system/atomic-file";

export interface LogEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
}

export interface LogStream {
  name: string;
  creationTime: number;
  events: LogEvent[];
}

export interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
}

/** File names from hashes: group and stream names may hold `/` and be 512 characters long. */
function fileKey(name: string): string {
  return createHash("sha1").update(name).digest("hex").slice(0, 24);
}

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private loaded = false;
  /** Event files appended to since the last flush. */
  private readonly unflushed = new Set<string>();

  constructor(private readonly dir: string) {}

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!fs.existsSync(this.dir)) return;
    for (const g of fs.readdirSync(this.dir)) {
      const groupDir = path.join(this.dir, g);
      let meta: { name: string; creationTime: number };
      try {
        meta = JSON.parse(fs.readFileSync(path.join(groupDir, "group.json"), "utf8"));
      } catch {
        continue;
      }
      const group: LogGroup = { ...meta, streams: new Map() };
      for (const f of fs.readdirSync(groupDir).filter((x) => x.endsWith(".stream.json"))) {
        const s = JSON.parse(fs.readFileSync(path.join(groupDir, f), "utf8")) as { name: string; creationTime: number };
        const eventsFile = path.join(groupDir, f.replace(/\.stream\.json$/, ".events.jsonl"));
        const events: LogEvent[] = [];
        if (fs.existsSync(eventsFile)) {
          for (const line of fs.readFileSync(eventsFile, "utf8").split("\n")) {
            // A line cut short by a crash is dropped, not fatal.
            try {
              const [timestamp, ingestionTime, message] = JSON.parse(line) as [number, number, string];
              events.push({ timestamp, ingestionTime, message });
            } catch {
              continue;
            }
          }
        }
        group.streams.set(s.name, { ...s, events });
      }
      this.groups.set(group.name, group);
    }
  }

  private groupDir(name: string): string {
    return path.join(this.dir, fileKey(name));
  }

  group(name: string): LogGroup | undefined {
    this.load();
    return this.groups.get(name);
  }

  allGroups(): LogGroup[] {
    this.load();
    return [...this.groups.values()];
  }

  /** Creates the stream (and its group) if missing. */
  ensureStream(groupName: string, streamName: string): LogStream {
    this.load();
    let group = this.groups.get(groupName);
    if (!group) {
      group = { name: groupName, creationTime: Date.now(), streams: new Map() };
      fs.mkdirSync(this.groupDir(groupName), { recursive: true });
      writeFileAtomic(path.join(this.groupDir(groupName), "group.json"), JSON.stringify({ name: group.name, creationTime: group.creationTime }));
      this.groups.set(groupName, group);
    }
    let stream = group.streams.get(streamName);
    if (!stream) {
      stream = { name: streamName, creationTime: Date.now(), events: [] };
      writeFileAtomic(
        path.join(this.groupDir(groupName), `${fileKey(streamName)}.stream.json`),
        JSON.stringify({ name: stream.name, creationTime: stream.creationTime }),
      );
      group.streams.set(streamName, stream);
    }
    return stream;
  }

  append(groupName: string, streamName: string, message: string, timestamp = Date.now()): void {
    const stream = this.ensureStream(groupName, streamName);
    const event: LogEvent = { timestamp, ingestionTime: Date.now(), message };
    const file = path.join(this.groupDir(groupName), `${fileKey(streamName)}.events.jsonl`);
    fs.appendFileSync(file, JSON.stringify([event.timestamp, event.ingestionTime, event.message]) + "\n");
    this.unflushed.add(file);
    stream.events.push(event);
  }

  /**
   * Flushes every event appended so far to disk. Best effort: a status change
   * must not fail because a log could not be flushed; such a file is tried
   * again at the next flush.
   */
  flush(): void {
    for (const file of this.unflushed) {
      try {
        syncFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") continue;
      }
      this.unflushed.delete(file);
    }
  }
}
