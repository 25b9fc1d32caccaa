/**
 * `.idx` files of MXIndexedRecordIO: one line per record, `"%s\t%d\n" % (key, offset)`,
 * key = the image index, offset = byte position of the record's first header.
 */
import { FormatError } from "./errors";

export interface IdxEntry {
  key: number;
  offset: number;
}

export function formatIdx(entries: readonly IdxEntry[]): string {
  return entries.map((e) => `${e.key}\t${e.offset}\n`).join("");
}

export function parseIdx(text: string, source = ".idx file"): IdxEntry[] {
  const entries: IdxEntry[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^\s*(\d+)\t(\d+)\s*$/.exec(line);
    if (!m) {
      throw new FormatError(`${source} line ${i + 1}: expected "<key>\\t<byte offset>", got ${JSON.stringify(line.slice(0, 80))}.`);
    }
    entries.push({ key: Number(m[1]), offset: Number(m[2]) });
  });
  return entries;
}
