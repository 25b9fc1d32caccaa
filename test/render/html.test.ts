import { describe, expect, it } from "vitest";
import { ansiToHtml, stripAnsi } from "../../src/render/ansi";
import { renderNotebookHtml } from "../../src/render/html";
import type { Cell, Notebook, Output } from "../../src/runner/notebook";

function code(source: string, outputs: Output[], extra: Partial<Cell> = {}): Cell {
  return { cell_type: "code", source, metadata: {}, execution_count: 3, outputs, ...extra } as Cell;
}
function page(cells: Cell[], metadata: Record<string, unknown> = {}): string {
  const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata, cells };
  return renderNotebookHtml(nb);
}

describe("notebook HTML", () => {
  it("escapes code and text outputs", () => {
    const html = page([
      code('const s = "<script>alert(1)</script>";', [
        { output_type: "stream", name: "stdout", text: "<img src=x onerror=alert(1)> & more" },
        { output_type: "execute_result", execution_count: 3, data: { "text/plain": "<b>not bold</b>" }, metadata: {} },
      ]),
    ]);
    expect(html).toContain("const s = &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; more");
    expect(html).toContain("&lt;b&gt;not bold&lt;/b&gt;");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("In [3]:");
  });

  it("forbids scripts and network loads with a Content-Security-Policy", () => {
    expect(page([])).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:">`);
  });

  it("picks the richest MIME type and renders images as data URIs", () => {
    const html = page([
      code("x", [
        { output_type: "display_data", data: { "text/plain": "<Table>", "text/html": "<table><tr><td>1</td></tr></table>" }, metadata: {} },
        { output_type: "display_data", data: { "image/png": "iVBORw0K\nGgo=", "text/plain": "<Figure>" }, metadata: { "image/png": { width: 40 } } },
        { output_type: "display_data", data: { "text/markdown": "**bold**" }, metadata: {} },
        { output_type: "display_data", data: { "image/jpeg": "not base64 <script>" }, metadata: {} },
        { output_type: "display_data", data: { "application/vnd.custom": {} }, metadata: {} },
      ]),
    ]);
    expect(html).toContain("<table><tr><td>1</td></tr></table>");
    expect(html).not.toContain("&lt;Table&gt;");
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="image/png output" width="40">');
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("[image/jpeg output is not valid base64]");
    expect(html).toContain("[output not shown: application/vnd.custom]");
  });

  it("renders markdown cells, with attachments inlined", () => {
    const html = page([
      { cell_type: "markdown", source: "# Title\n\n![plot](attachment:plot.png)", metadata: {}, attachments: { "plot.png": { "image/png": "AAAA" } } },
    ]);
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain('<img src="data:image/png;base64,AAAA" alt="plot">');
    expect(html).toContain("<title>Title</title>");
  });

  it("shows errors with colours and hides inputs in report mode", () => {
    const html = page([
      code("secret source", [{ output_type: "error", ename: "RangeError", evalue: "bad", traceback: ["\x1b[31mRangeError\x1b[0m: bad <here>"] }], {
        metadata: { jupyter: { source_hidden: true } },
      }),
    ]);
    expect(html).not.toContain("secret source");
    expect(html).toContain('<div class="output error"><pre><span style="color:#c23621">RangeError</span>: bad &lt;here&gt;</pre></div>');
    expect(page([code("x", [{ output_type: "error", ename: "CellTimeoutError", evalue: "after <5> s", traceback: [] }])])).toContain(
      '<pre><span class="ename">CellTimeoutError</span>: after &lt;5&gt; s</pre>',
    );
  });

  it("shows the run's header from papermill metadata", () => {
    const html = page([], { papermill: { start_time: "2026-01-01T00:00:00Z", duration: 12.34, exception: true }, kernelspec: { display_name: "TypeScript (tslab)" } });
    expect(html).toContain('<header class="run failed">Executed 2026-01-01T00:00:00Z in 12.3 s with TypeScript (tslab) — a cell failed</header>');
  });
});

describe("ANSI escapes", () => {
  it("maps SGR colours, bold, 256 and true colours, and drops other sequences", () => {
    expect(ansiToHtml("\x1b[1;32mok\x1b[0m plain")).toBe('<span style="color:#25bc24;font-weight:bold">ok</span> plain');
    expect(ansiToHtml("\x1b[38;5;196mx\x1b[39m")).toBe('<span style="color:rgb(255,0,0)">x</span>');
    expect(ansiToHtml("\x1b[48;2;1;2;3my")).toBe('<span style="background-color:rgb(1,2,3)">y</span>');
    expect(ansiToHtml("a\x1b[2Kb\x1b[?25l<")).toBe("ab&lt;");
    expect(stripAnsi("\x1b[31mred\x1b[0m")).toBe("red");
  });
});
