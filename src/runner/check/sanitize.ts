/**
 * nbval's sanitizers: regex -> replacement rules applied to every compared
 * string, so values that change from run to run (times, ids, paths) do not
 * count as drift. Built-in rules cover what this project's notebooks print;
 * files in nbval's format add more.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { UsageError } from "../errors";

export interface Sanitizer {
  name: string;
  regex: RegExp;
  replace: string;
}

const ANSI: Sanitizer = { name: "ansi-escapes", regex: /\x1b\[[0-9;?]*[ -/]*[@-~]/g, replace: "" };

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function tempDirs(): string[] {
  const dirs = new Set(["/tmp", "/var/tmp", "/var/folders", "/private/var/folders", os.tmpdir()]);
  return [...dirs].sort((a, b) => b.length - a.length).map(escapeRegex);
}

/** Applied after ANSI stripping and the user's sanitizers, in this order. */
function valueSanitizers(): Sanitizer[] {
  return [
    { name: "temp-paths", regex: new RegExp(`(?:${tempDirs().join("|")})(?:/[^\\s"'\`:,;)\\]}]*)?`, "g"), replace: "<TMPPATH>" },
    { name: "arns", regex: /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s"'`,;)\]}]+/g, replace: "<ARN>" },
    { name: "job-name-timestamps", regex: /-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(?:-\d{1,6})?\b/g, replace: "-<TIMESTAMP>" },
    {
      name: "iso-timestamps",
      regex: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
      replace: "<TIMESTAMP>",
    },
    { name: "uuids", regex: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, replace: "<UUID>" },
    { name: "hex-ids", regex: /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/g, replace: "<HEXID>" },
    { name: "clock-durations", regex: /\b\d+:\d{2}:\d{2}(?:\.\d+)?\b/g, replace: "<DURATION>" },
    {
      name: "durations",
      regex: /\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?)\b/g,
      replace: "<DURATION>",
    },
  ];
}

export interface SanitizerSet {
  /** Applied first, always (colour codes are never content). */
  ansi: boolean;
  user: Sanitizer[];
  builtin: Sanitizer[];
}

export function sanitizerSet(opts: { files: string[]; defaults: boolean }): SanitizerSet {
  const user = opts.files.flatMap((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`--sanitize-with ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    return parseSanitizerFile(text, file);
  });
  return { ansi: true, user, builtin: opts.defaults ? valueSanitizers() : [] };
}

export function sanitize(text: string, set: SanitizerSet): string {
  let out = set.ansi ? text.replace(ANSI.regex, ANSI.replace) : text;
  for (const s of [...set.user, ...set.builtin]) out = out.replace(s.regex, s.replace);
  return out;
}

/**
 * nbval's sanitizer file (Python configparser): sections each holding
 * `regex: PATTERN` and `replace: TEXT`. Python regex syntax is translated
 * where it differs: `(?P<name>` groups, `\1`/`\g<name>` in replacements.
 */
export function parseSanitizerFile(text: string, file: string): Sanitizer[] {
  const sections: { name: string; line: number; values: Record<string, string> }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === "" || /^\s*[#;]/.test(line)) return;
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) {
      sections.push({ name: header[1].trim(), line: i + 1, values: {} });
      return;
    }
    const kv = /^\s*([A-Za-z_]+)\s*[:=]\s?(.*)$/.exec(line);
    if (!kv) throw new UsageError(`${file}:${i + 1}: expected '[section]', 'regex: ...' or 'replace: ...', got: ${line.trim()}`);
    const section = sections[sections.length - 1];
    if (!section) throw new UsageError(`${file}:${i + 1}: '${kv[1]}' comes before any [section] header.`);
    section.values[kv[1].toLowerCase()] = kv[2];
  });
  return sections.map((s) => {
    const pattern = s.values.regex;
    if (pattern === undefined) throw new UsageError(`${file}: section [${s.name}] (line ${s.line}) has no 'regex:' entry.`);
    let regex: RegExp;
    try {
      regex = new RegExp(pattern.replace(/\(\?P</g, "(?<"), "g");
    } catch (err) {
      throw new UsageError(`${file}: section [${s.name}]: invalid regex ${pattern} (${(err as Error).message}).`);
    }
    const replace = (s.values.replace ?? "").replace(/\$/g, "$$$$").replace(/\\g<(\w+)>/g, "$$<$1>").replace(/\\(\d+)/g, "$$$1");
    return { name: s.name, regex, replace };
  });
}
