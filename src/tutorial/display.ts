/**
 * Rich output for the notebook: inside the tslab kernel through its display
 * API (an updatable display per progress line, SVG, images, HTML); anywhere
 * else as plain text on the terminal. Tests install their own sink.
 */
import * as path from "node:path";

/** The part of tslab's `Display` the tutorial uses. */
export interface RichDisplay {
  text(s: string): void;
  html(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
}

export interface DisplayFactory {
  /** Appends a new output each call. */
  display: RichDisplay;
  /** An output that later calls overwrite (tslab's `newDisplay`). */
  newDisplay(): RichDisplay;
}

let installed: DisplayFactory | undefined;

/** Replaces the display (tests, or another front end); `undefined` restores detection. */
export function setDisplayFactory(factory: DisplayFactory | undefined): void {
  installed = factory;
}

/**
 * True when this process is the tslab kernel. tslab's Jupyter module is then
 * loaded; looking for it avoids loading tslab (and its TypeScript compiler)
 * in scripts and tests.
 */
export function inTslabKernel(): boolean {
  if (typeof require === "undefined" || !require.cache) return false;
  const marker = `${path.sep}tslab${path.sep}dist${path.sep}jupyter.js`;
  return Object.keys(require.cache).some((key) => key.endsWith(marker));
}

/** The active rich display, or undefined when output goes to a terminal. */
export function richDisplay(): DisplayFactory | undefined {
  if (installed) return installed;
  if (!inTslabKernel()) return undefined;
  // Inside the kernel tslab hooks require("tslab") to its own instance.
  const tslab = require("tslab") as DisplayFactory;
  return { display: tslab.display, newDisplay: () => tslab.newDisplay() };
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Shows an SVG document; on a terminal says where it would be. */
export function showSvg(svg: string, caption = "chart"): void {
  const rich = richDisplay();
  if (rich) rich.display.svg(svg);
  else console.log(`[${caption}: SVG, ${svg.length} characters; run in a notebook to see it]`);
}

export function showHtml(html: string, textFallback: string): void {
  const rich = richDisplay();
  if (rich) rich.display.html(html);
  else console.log(textFallback);
}

/** Shows JPEG or PNG bytes (the caller knows which). */
export function showImage(bytes: Uint8Array, format: "jpeg" | "png", caption: string): void {
  const rich = richDisplay();
  if (!rich) {
    console.log(`[${caption}: ${format.toUpperCase()} image, ${bytes.length} bytes]`);
  } else if (format === "png") {
    rich.display.png(bytes);
  } else {
    rich.display.jpeg(bytes);
  }
}

/** Rows as an HTML table (header from the first row's keys) plus a plain-text twin. */
export function tableHtml(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return "<p>(no rows)</p>";
  const columns = Object.keys(rows[0]);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(String(row[c] ?? ""))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function tableText(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export function showTable(rows: ReadonlyArray<Record<string, string | number>>): void {
  showHtml(tableHtml(rows), tableText(rows));
}
