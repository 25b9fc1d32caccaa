/**
 * A standalone HTML page of an executed notebook (no nbconvert): markdown via
 * marked, code with execution counts, and outputs by MIME priority.
 *
 * Text outputs are escaped. HTML, markdown and SVG from the notebook are
 * inserted as they are, and the page's Content-Security-Policy forbids every
 * script and every network load, so nothing in a notebook can run code or
 * call out when the page is opened (images must be inline data: URIs).
 */
import { marked } from "marked";
import type { Cell, CodeCell, Notebook, Output } from "../runner/notebook";
import { ansiToHtml } from "./ansi";
import { escapeHtml } from "./escape";
import { NOTEBOOK_CSS } from "./style";

export interface RenderOptions {
  /** Page title; default: the first markdown heading, else "Notebook". */
  title?: string;
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:";
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
/** nbconvert's display priority, without what a script-free page cannot show. */
const MIME_PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/latex", "text/plain"];

export function renderNotebookHtml(nb: Notebook, opts: RenderOptions = {}): string {
  const title = opts.title ?? firstHeading(nb) ?? "Notebook";
  const body = nb.cells.map((cell, i) => renderCell(cell, i)).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${NOTEBOOK_CSS}</style>
</head>
<body>
<main class="notebook">
${runHeader(nb)}${body}
</main>
</body>
</html>
`;
}

function runHeader(nb: Notebook): string {
  const pm = nb.metadata.papermill as { start_time?: string; duration?: number; exception?: boolean } | undefined;
  if (!pm?.start_time) return "";
  const ks = nb.metadata.kernelspec as { display_name?: string } | undefined;
  const parts = [`Executed ${pm.start_time}`];
  if (typeof pm.duration === "number") parts.push(`in ${pm.duration.toFixed(1)} s`);
  if (ks?.display_name) parts.push(`with ${ks.display_name}`);
  const failed = pm.exception === true;
  return `<header class="run${failed ? " failed" : ""}">${escapeHtml(parts.join(" "))}${failed ? " — a cell failed" : ""}</header>\n`;
}

function firstHeading(nb: Notebook): string | undefined {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const m = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(cell.source);
    if (m) return m[1];
  }
  return undefined;
}

function renderCell(cell: Cell, index: number): string {
  const id = `cell-${index}`;
  if (cell.cell_type === "markdown") {
    return `<section class="cell markdown" id="${id}">${renderMarkdown(withAttachments(cell))}</section>`;
  }
  if (cell.cell_type === "raw") {
    return `<section class="cell raw" id="${id}"><pre>${escapeHtml(cell.source)}</pre></section>`;
  }
  return renderCodeCell(cell, id);
}

function renderCodeCell(cell: CodeCell, id: string): string {
  const hidden = (cell.metadata.jupyter as { source_hidden?: boolean } | undefined)?.source_hidden === true;
  const count = cell.execution_count ?? " ";
  const input = hidden
    ? ""
    : `<div class="input"><div class="prompt">In [${count}]:</div><pre class="source"><code class="language-typescript">${escapeHtml(cell.source)}</code></pre></div>`;
  const outputs = cell.outputs.map(renderOutput).join("\n");
  return `<section class="cell code" id="${id}">${input}${outputs ? `<div class="outputs">${outputs}</div>` : ""}</section>`;
}

function renderOutput(out: Output): string {
  switch (out.output_type) {
    case "stream":
      return `<div class="output stream ${out.name}"><pre>${ansiToHtml(out.text)}</pre></div>`;
    case "error": {
      // Like Jupyter: the traceback already names the error; without one, ename and evalue do.
      const body = out.traceback.length
        ? ansiToHtml(out.traceback.join("\n"))
        : `<span class="ename">${escapeHtml(out.ename)}</span>: ${ansiToHtml(out.evalue)}`;
      return `<div class="output error"><pre>${body}</pre></div>`;
    }
    case "display_data":
    case "execute_result": {
      const mime = MIME_PRIORITY.find((m) => typeof out.data[m] === "string");
      if (!mime) {
        const kinds = Object.keys(out.data).join(", ") || "no data";
        return `<div class="output note">[output not shown: ${escapeHtml(kinds)}]</div>`;
      }
      return `<div class="output ${out.output_type === "execute_result" ? "result" : "display"}" data-mime="${escapeHtml(mime)}">${renderMime(
        mime,
        out.data[mime] as string,
        out.metadata[mime],
      )}</div>`;
    }
  }
}

function renderMime(mime: string, value: string, meta: unknown): string {
  switch (mime) {
    case "text/html":
      return value;
    case "text/markdown":
      return `<div class="markdown">${renderMarkdown(value)}</div>`;
    case "image/svg+xml":
      return value;
    case "image/png":
    case "image/jpeg":
    case "image/gif": {
      if (!BASE64.test(value)) return `<div class="note">[${mime} output is not valid base64]</div>`;
      const size = meta as { width?: unknown; height?: unknown } | undefined;
      const dims = ["width", "height"]
        .filter((k) => typeof size?.[k as "width"] === "number")
        .map((k) => ` ${k}="${Number(size?.[k as "width"])}"`)
        .join("");
      return `<img src="data:${mime};base64,${value.replace(/\s/g, "")}" alt="${mime} output"${dims}>`;
    }
    default:
      return `<pre>${ansiToHtml(value)}</pre>`;
  }
}

function renderMarkdown(source: string): string {
  return marked.parse(source, { async: false, gfm: true });
}

/** Inlines `attachment:NAME` references of a markdown cell as data: URIs. */
function withAttachments(cell: Cell): string {
  const attachments = cell.attachments as Record<string, Record<string, string | string[]>> | undefined;
  if (!attachments) return cell.source;
  return cell.source.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
    const bundle = attachments[decodeURIComponent(name)];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
    const raw = mime ? bundle[mime] : undefined;
    const data = Array.isArray(raw) ? raw.join("") : raw;
    if (!mime || typeof data !== "string" || !BASE64.test(data)) return whole;
    return `data:${mime};base64,${data.replace(/\s/g, "")}`;
  });
}
