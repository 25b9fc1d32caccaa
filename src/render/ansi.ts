/**
 * Terminal colour codes (SGR) in tracebacks and streams as HTML spans; every
 * other escape sequence is dropped and all text is escaped.
 */
import { escapeHtml } from "./escape";

const PALETTE = ["#000000", "#c23621", "#25bc24", "#adad27", "#492ee1", "#d338d3", "#33bbc8", "#cbcccd"];
const BRIGHT = ["#818383", "#fc391f", "#31e722", "#eaec23", "#5833ff", "#f935f8", "#14f0f0", "#e9ebeb"];

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
}

const ESCAPE = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}

export function ansiToHtml(text: string): string {
  let html = "";
  let style: Style = {};
  let last = 0;
  for (const m of text.matchAll(ESCAPE)) {
    html += span(text.slice(last, m.index), style);
    last = (m.index as number) + m[0].length;
    if (m[1] !== undefined) style = applySgr(style, m[1]);
  }
  return html + span(text.slice(last), style);
}

function span(text: string, style: Style): string {
  if (text === "") return "";
  const css: string[] = [];
  if (style.fg) css.push(`color:${style.fg}`);
  if (style.bg) css.push(`background-color:${style.bg}`);
  if (style.bold) css.push("font-weight:bold");
  if (style.italic) css.push("font-style:italic");
  if (style.underline) css.push("text-decoration:underline");
  return css.length ? `<span style="${css.join(";")}">${escapeHtml(text)}</span>` : escapeHtml(text);
}

function applySgr(current: Style, params: string): Style {
  const codes = params === "" ? [0] : params.split(";").map((p) => Number(p) || 0);
  let s: Style = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) s = {};
    else if (c === 1) s.bold = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = PALETTE[c - 30];
    else if (c >= 90 && c <= 97) s.fg = BRIGHT[c - 90];
    else if (c >= 40 && c <= 47) s.bg = PALETTE[c - 40];
    else if (c >= 100 && c <= 107) s.bg = BRIGHT[c - 100];
    else if (c === 39) s.fg = undefined;
    else if (c === 49) s.bg = undefined;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const colour = xterm256(codes[i + 2] ?? 0);
      if (c === 38) s.fg = colour;
      else s.bg = colour;
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      const [r, g, b] = [codes[i + 2], codes[i + 3], codes[i + 4]].map((v) => Math.max(0, Math.min(255, v ?? 0)));
      if (c === 38) s.fg = `rgb(${r},${g},${b})`;
      else s.bg = `rgb(${r},${g},${b})`;
      i += 4;
    }
  }
  return s;
}

function xterm256(n: number): string {
  if (n < 8) return PALETTE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n < 232) {
    const v = n - 16;
    const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${level(Math.floor(v / 36))},${level(Math.floor(v / 6) % 6)},${level(v % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}
