import { afterEach, describe, expect, it, vi } from "vitest";
import { formatBytes, formatDuration, formatTransfer, startProgress } from "../../src/tutorial/progress";
import {
  inTslabKernel,
  richDisplay,
  setDisplayFactory,
  showImage,
  showSvg,
  showTable,
  tableHtml,
  tableText,
  type RichDisplay,
} from "../../src/tutorial/display";

/** Records what would go to the notebook. */
function recorder(): { outputs: Array<{ id: number; type: string; value: string }>; factory: { display: RichDisplay; newDisplay(): RichDisplay } } {
  const outputs: Array<{ id: number; type: string; value: string }> = [];
  let next = 0;
  const make = (id: number): RichDisplay => ({
    text: (s) => outputs.push({ id, type: "text", value: s }),
    html: (s) => outputs.push({ id, type: "html", value: s }),
    svg: (s) => outputs.push({ id, type: "svg", value: s }),
    png: (b) => outputs.push({ id, type: "png", value: String(b.length) }),
    jpeg: (b) => outputs.push({ id, type: "jpeg", value: String(b.length) }),
  });
  return { outputs, factory: { display: make(-1), newDisplay: () => make(next++) } };
}

afterEach(() => setDisplayFactory(undefined));

describe("progress", () => {
  it("updates one notebook display in place and always shows the final line", () => {
    const { outputs, factory } = recorder();
    setDisplayFactory(factory);
    const p = startProgress("upload x", { minIntervalMs: 0 });
    p.update("1 / 3");
    p.update("1 / 3");
    p.update("2 / 3");
    p.done("3 files");
    p.update("late");
    expect(outputs).toEqual([
      { id: 0, type: "text", value: "upload x: 1 / 3" },
      { id: 0, type: "text", value: "upload x: 2 / 3" },
      { id: 0, type: "text", value: "upload x: 3 files" },
    ]);
  });

  it("drops updates that come faster than the interval, but not the final line", () => {
    const lines: string[] = [];
    const p = startProgress("t", { sink: (l) => lines.push(l), minIntervalMs: 60_000 });
    p.update("a");
    p.update("b");
    p.done("c");
    expect(lines).toEqual(["t: a", "t: c"]);
  });

  it("writes to stderr outside a notebook", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const p = startProgress("job");
      p.update("InProgress");
      p.done("Completed");
      const written = write.mock.calls.map((c) => String(c[0])).join("");
      expect(written).toContain("job: InProgress");
      expect(written).toContain("job: Completed");
    } finally {
      write.mockRestore();
    }
  });

  it("formats sizes and durations", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatTransfer(512, 2048)).toBe("512 B / 2.0 KiB (25%)");
    expect(formatTransfer(512, undefined)).toBe("512 B");
    expect(formatDuration(4_400)).toBe("4 s");
    expect(formatDuration(125_000)).toBe("2 min 05 s");
  });
});

describe("display", () => {
  it("is not the tslab kernel in tests, and then prints text instead", () => {
    expect(inTslabKernel()).toBe(false);
    expect(richDisplay()).toBeUndefined();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      showSvg("<svg/>", "chart");
      showImage(new Uint8Array(10), "jpeg", "test.jpg");
      showTable([{ a: 1 }]);
      expect(log.mock.calls.map((c) => c[0])).toEqual([
        "[chart: SVG, 6 characters; run in a notebook to see it]",
        "[test.jpg: JPEG image, 10 bytes]",
        "a\n-\n1",
      ]);
    } finally {
      log.mockRestore();
    }
  });

  it("sends SVG, images and HTML tables to the notebook", () => {
    const { outputs, factory } = recorder();
    setDisplayFactory(factory);
    showSvg("<svg/>");
    showImage(new Uint8Array(3), "png", "x");
    showImage(new Uint8Array(4), "jpeg", "y");
    showTable([{ label: "<b>", p: 0.5 }]);
    expect(outputs.map((o) => o.type)).toEqual(["svg", "png", "jpeg", "html"]);
    expect(outputs[3].value).toContain("<td>&lt;b&gt;</td><td>0.5</td>");
  });

  it("renders tables as HTML and aligned text", () => {
    const rows = [
      { label: "bathtub", probability: 0.75 },
      { label: "ak47", probability: 0.1 },
    ];
    expect(tableHtml(rows)).toContain("<thead><tr><th>label</th><th>probability</th></tr></thead>");
    expect(tableText(rows)).toBe("label    probability\n-------  -----------\nbathtub  0.75\nak47     0.1");
    expect(tableText([])).toBe("(no rows)");
  });
});
