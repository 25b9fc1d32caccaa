/** The page's only stylesheet, inlined: readable on screen and in print, no external fonts. */
export const NOTEBOOK_CSS = `
:root { color-scheme: light; --border: #d0d7de; --muted: #57606a; --code-bg: #f6f8fa; --err-bg: #fff5f5; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1f2328;
  font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 16px 64px; }
.cell { margin: 0 0 14px; }
.prompt { color: var(--muted); font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0 0 2px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.source { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 8px 10px; overflow-x: auto; }
.outputs { margin-top: 6px; padding-left: 10px; border-left: 3px solid #e6e8eb; }
.output { margin: 4px 0; overflow-x: auto; }
.stream.stderr pre { background: #fff8e6; padding: 4px 6px; }
.error pre { background: var(--err-bg); border: 1px solid #f3c2c2; border-radius: 6px; padding: 8px 10px; }
.error .ename { font-weight: bold; color: #b31d28; }
.markdown img, .output img { max-width: 100%; height: auto; }
.output svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid var(--border); padding: 3px 8px; text-align: right; }
th { background: var(--code-bg); }
.markdown h1, .markdown h2, .markdown h3 { line-height: 1.25; margin: 18px 0 8px; }
.markdown code { background: var(--code-bg); padding: 1px 4px; border-radius: 4px; }
.markdown pre code { background: none; padding: 0; }
.markdown pre { background: var(--code-bg); padding: 8px 10px; border-radius: 6px; }
.note { color: var(--muted); font-style: italic; }
header.run { color: var(--muted); font-size: 13px; border-bottom: 1px solid var(--border); margin-bottom: 18px; padding-bottom: 8px; }
header.run.failed { color: #b31d28; }
`;
