/**
 * nbval's comparison of one cell's outputs: streams coalesced per name, rich
 * outputs compared per MIME type (image/* by presence only, SVG included), errors by
 * ename/evalue (tracebacks hold paths and line numbers), `execute_result`
 * and `display_data` alike, every string sanitized first.
 */
import type { Output } from "../notebook";
import { sanitize, type SanitizerSet } from "./sanitize";

/** MIME types whose content is never compared (nbval skips these too). */
const IGNORED_MIMES = new Set(["application/vnd.jupyter.widget-view+json"]);

export interface ComparableItem {
  label: string;
  /** null: only its presence is compared (images). */
  text: string | null;
}

export function comparableItems(outputs: Output[], set: SanitizerSet): ComparableItem[] {
  const items: ComparableItem[] = [];
  const streams = new Map<string, ComparableItem>();
  for (const out of outputs) {
    switch (out.output_type) {
      case "stream": {
        const existing = streams.get(out.name);
        if (existing) existing.text += out.text;
        else {
          const item = { label: out.name, text: out.text };
          streams.set(out.name, item);
          items.push(item);
        }
        break;
      }
      case "display_data":
      case "execute_result":
        for (const mime of Object.keys(out.data).sort()) {
          if (IGNORED_MIMES.has(mime)) continue;
          const value = out.data[mime];
          if (mime.startsWith("image/")) items.push({ label: mime, text: null });
          else items.push({ label: mime, text: typeof value === "string" ? value : JSON.stringify(value, null, 1) });
        }
        break;
      case "error":
        items.push({ label: "error", text: `${out.ename}: ${out.evalue}` });
        break;
    }
  }
  return items.map((it) => ({ label: it.label, text: it.text === null ? null : sanitize(it.text, set) }));
}

/** The items as text, one block per output item, for equality and diffs. */
export function renderItems(items: ComparableItem[]): string {
  return items
    .map((it) => `[${it.label}]` + (it.text === null ? " (present)" : `\n${it.text.replace(/\n$/, "")}`))
    .join("\n");
}
