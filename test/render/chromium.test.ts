/**
 * The rendered page in a real headless Chromium: it loads without console
 * errors or network requests, shows the SVG chart, the PNG and the table,
 * runs no script from the notebook, and a screenshot shows real content.
 * Needs Debian's chromium at /usr/bin/chromium.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNotebookHtml } from "../../src/render/html";
import type { Notebook } from "../../src/runner/notebook";
import { tempDir } from "../runner/helpers";

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const VIEWPORT = { width: 1000, height: 900 };

const BAR_CHART = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120">
<rect x="10" y="60" width="60" height="60" fill="#1f77b4"/><rect x="90" y="20" width="60" height="100" fill="#ff7f0e"/>
<rect x="170" y="40" width="60" height="80" fill="#2ca02c"/><text x="250" y="110">acc</text></svg>`;

async function redPng(): Promise<string> {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  return png.toString("base64");
}

function notebook(png: string): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (tslab)", language: "typescript" } },
    cells: [
      { cell_type: "markdown", source: "# Training report\n\nAccuracy by **epoch**:\n\n- fast\n- readable", metadata: {} },
      {
        cell_type: "code",
        source: 'console.log("<script>window.__pwned = 1</script>");\ntslab.display.svg(chart);',
        metadata: {},
        execution_count: 1,
        outputs: [
          { output_type: "stream", name: "stdout", text: "<script>window.__pwned = 1</script>\n" },
          { output_type: "display_data", data: { "image/svg+xml": BAR_CHART, "text/plain": "<Chart>" }, metadata: {} },
        ],
      },
      {
        cell_type: "code",
        source: "showImage(sample)",
        metadata: {},
        execution_count: 2,
        outputs: [
          { output_type: "display_data", data: { "image/png": png }, metadata: {} },
          {
            output_type: "display_data",
            data: { "text/html": "<table><thead><tr><th>label</th><th>probability</th></tr></thead><tbody><tr><td>cat</td><td>0.91</td></tr></tbody></table>" },
            metadata: {},
          },
        ],
      },
      {
        cell_type: "code",
        source: "explode()",
        metadata: {},
        execution_count: 3,
        outputs: [{ output_type: "error", ename: "RangeError", evalue: "bad", traceback: ["\x1b[31mRangeError\x1b[0m: bad", "    at explode (cell:1:1)"] }],
      },
    ],
  };
}

describe("the rendered notebook in headless Chromium", () => {
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir("render-test-");
    context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: VIEWPORT,
    });
  });

  afterAll(async () => {
    await context?.close();
  });

  async function open(html: string, name: string): Promise<{ page: Page; consoleErrors: string[]; requests: string[] }> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, html);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    page.on("requestfailed", (r) => requests.push(`${r.url()} FAILED ${r.failure()?.errorText}`));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    return { page, consoleErrors, requests };
  }

  it("shows the chart, the image and the table, without errors, scripts or network", async () => {
    const { page, consoleErrors, requests } = await open(renderNotebookHtml(notebook(await redPng())), "report.html");
    expect(consoleErrors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://") && !u.startsWith("data:"))).toEqual([]);
    expect(await page.title()).toBe("Training report");
    expect(await page.locator("svg rect").count()).toBe(3);
    const img = page.locator('img[src^="data:image/png"]');
    const loaded = await img.evaluate((el) => {
      // The tsconfig has no DOM library: describe the element's fields used here.
      const image = el as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
      return [image.complete, image.naturalWidth, image.naturalHeight];
    });
    expect(loaded).toEqual([true, 40, 30]);
    expect(await page.locator("table th").allTextContents()).toEqual(["label", "probability"]);
    expect(await page.locator(".stream.stdout pre").textContent()).toBe("<script>window.__pwned = 1</script>\n");
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator(".error pre span[style]").first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color)).toBe("rgb(194, 54, 33)");

    // The image as painted: red.
    const [r, g, b] = (await sharp(await img.screenshot()).stats()).channels.map((c) => c.mean);
    expect(r).toBeGreaterThan(240);
    expect(g).toBeLessThan(30);
    expect(b).toBeLessThan(30);

    // The whole viewport: the expected size, and far from blank.
    const shot = await page.screenshot();
    fs.writeFileSync(path.join(dir, "report.png"), shot);
    if (process.env.KEEP_RENDER_SCREENSHOT) fs.copyFileSync(path.join(dir, "report.png"), process.env.KEEP_RENDER_SCREENSHOT);
    const meta = await sharp(shot).metadata();
    expect([meta.width, meta.height]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let inked = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) inked++;
    const share = inked / (info.width * info.height);
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.6);
    await page.close();
  });

  it("runs no script from HTML or SVG outputs (the page's CSP blocks them)", async () => {
    const hostile: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: "code",
          source: "",
          metadata: {},
          execution_count: 1,
          outputs: [
            { output_type: "display_data", data: { "text/html": '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">' }, metadata: {} },
            { output_type: "display_data", data: { "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned = 3"><script>window.__pwned = 4</script></svg>' }, metadata: {} },
          ],
        },
        // A loopback address: a test must never reach out, even when the policy under test fails.
        { cell_type: "markdown", source: '<img src="http://127.0.0.1:9/tracker.png">', metadata: {} },
      ],
    };
    const { page, requests } = await open(renderNotebookHtml(hostile), "hostile.html");
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    // Chromium announces the image request, then refuses it before any network access.
    await expect.poll(() => requests.filter((r) => r.startsWith("http://"))).toEqual([
      "http://127.0.0.1:9/tracker.png",
      "http://127.0.0.1:9/tracker.png FAILED csp",
    ]);
    await page.close();
  });
});
