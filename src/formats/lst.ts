/**
 * `.lst` image lists (MXNet tools/im2rec.py): tab-separated
 * `index \t label_1 [\t label_2 ...] \t relative/path`, labels written as `%f`.
 */
import { FormatError } from "./errors";

export interface LstItem {
  index: number;
  /** One entry for single-label lists; several for multi-label lists. */
  labels: number[];
  /** Path relative to the image root, forward slashes. */
  path: string;
}

/** Python's `'%f' % x`: six decimals. */
function pyFloat(x: number): string {
  return x.toFixed(6);
}

export function formatLst(items: readonly LstItem[]): string {
  return items.map((item) => `${item.index}\t${item.labels.map(pyFloat).join("\t")}${item.labels.length ? "\t" : ""}${item.path}\n`).join("");
}

/**
 * Parses a list strictly: where im2rec skips bad lines with a printed
 * warning, a training job must not silently lose images, so any bad line
 * is an error naming the line.
 */
export function parseLst(text: string, source = ".lst file"): LstItem[] {
  const items: LstItem[] = [];
  const seen = new Map<number, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source} line ${i + 1}`;
    const cols = line.split("\t").map((c) => c.trim());
    if (cols.length < 3) {
      throw new FormatError(
        `${where}: expected at least 3 tab-separated columns (index, label, path), got ${cols.length}: ${JSON.stringify(line.slice(0, 120))}. Separate the columns with tabs.`,
      );
    }
    const index = /^\d+$/.test(cols[0]) ? Number(cols[0]) : NaN;
    if (!Number.isSafeInteger(index)) throw new FormatError(`${where}: the image index ${JSON.stringify(cols[0])} is not a non-negative integer.`);
    const labels = cols.slice(1, -1).map((c) => {
      const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(c) ? Number(c) : NaN;
      if (!Number.isFinite(v)) throw new FormatError(`${where}: the label ${JSON.stringify(c)} is not a number.`);
      return v;
    });
    const path = cols[cols.length - 1];
    if (path === "") throw new FormatError(`${where}: the image path (last column) is empty.`);
    const previous = seen.get(index);
    if (previous !== undefined) throw new FormatError(`${where}: image index ${index} is already used on line ${previous}; indexes must be unique.`);
    seen.set(index, i + 1);
    items.push({ index, labels, path });
  });
  return items;
}
