import { describe, expect, it } from "vitest";
import { lineChart, niceTicks } from "../../src/tutorial/svg-chart";
import { parseEpochMetrics } from "../../src/tutorial/metrics";
import { accuracyChartSvg } from "../../src/tutorial/report";

/** Tags balance and attributes are quoted: enough to know a renderer will parse it. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(svg.replace(/<[^>]*>/g, "")).not.toMatch(/[<>]/);
}

const LOG = `
[11/26/2026 10:00:00 INFO 140] ---- Parameters ----
[11/26/2026 10:00:09 INFO 140] Epoch[0] Batch [20]\tSpeed: 111.3 samples/sec\taccuracy=0.1
[11/26/2026 10:00:10 INFO 140] Epoch[0] Train-accuracy=0.150391
[11/26/2026 10:00:10 INFO 140] Epoch[0] Time cost=8.095
[11/26/2026 10:00:12 INFO 140] Epoch[0] Validation-accuracy=0.253906
[11/26/2026 10:00:12 INFO 140] Storing the best model with validation accuracy: 0.253906
[11/26/2026 10:00:20 INFO 140] Epoch[1] Train-accuracy=0.3125
[11/26/2026 10:00:20 INFO 140] Epoch[1] Train-top_k_accuracy_2=0.5
[11/26/2026 10:00:20 INFO 140] Epoch[1] Time cost=7.5
[11/26/2026 10:00:22 INFO 140] Epoch[1] Validation-accuracy=0.4
`.split("\n");

describe("parseEpochMetrics", () => {
  it("collects train and validation accuracy and time per epoch, ignoring other lines", () => {
    expect(parseEpochMetrics(LOG)).toEqual([
      { epoch: 0, trainAccuracy: 0.150391, timeCost: 8.095, validationAccuracy: 0.253906 },
      { epoch: 1, trainAccuracy: 0.3125, timeCost: 7.5, validationAccuracy: 0.4 },
    ]);
  });

  it("orders epochs and keeps an epoch whose validation line is missing", () => {
    expect(parseEpochMetrics(["Epoch[2] Train-accuracy=0.5", "Epoch[1] Validation-accuracy=0.25"])).toEqual([
      { epoch: 1, validationAccuracy: 0.25 },
      { epoch: 2, trainAccuracy: 0.5 },
    ]);
    expect(parseEpochMetrics(["nothing here"])).toEqual([]);
  });
});

describe("lineChart", () => {
  it("draws one path per multi-point series, a marker per point, ticks and a legend", () => {
    const svg = lineChart(
      [
        { name: "train", points: [[0, 0.1], [1, 0.3], [2, 0.5]] },
        { name: "validation", points: [[0, 0.2], [1, 0.4], [2, 0.45]] },
      ],
      { title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", yDomain: [0, 1], width: 600, height: 300, integerX: true },
    );
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="600" height="300"/);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain(">train</text>");
    expect(svg).toContain(">validation</text>");
    expect(svg).toContain(">Accuracy</text>");
    // x ticks are the epochs only, y ticks cover [0, 1].
    expect([...svg.matchAll(/text-anchor="middle">(\d+(?:\.\d+)?)<\/text>/g)].map((m) => m[1])).toEqual(["0", "1", "2"]);
    expect(svg).toContain('text-anchor="end">0</text>');
    expect(svg).toContain('text-anchor="end">1</text>');
  });

  it("maps values into the plot area: higher accuracy is drawn higher", () => {
    const svg = lineChart([{ name: "s", points: [[0, 0], [1, 1]] }], { yDomain: [0, 1], width: 400, height: 200 });
    const ys = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => Number(m[2]));
    expect(ys[0]).toBeGreaterThan(ys[1]);
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[0]).toBeLessThan(xs[1]);
    for (const v of [...xs, ...ys]) expect(v).toBeGreaterThanOrEqual(0);
    for (const x of xs) expect(x).toBeLessThanOrEqual(400);
    for (const y of ys) expect(y).toBeLessThanOrEqual(200);
  });

  it("shows a single point as a marker without a path, and skips non-finite values", () => {
    const svg = lineChart([{ name: "s", points: [[0, 0.5], [1, Number.NaN]] }]);
    assertWellFormed(svg);
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toContain("<path");
    expect(svg).not.toContain("NaN");
  });

  it("says 'no data' when there is nothing to draw", () => {
    const svg = lineChart([{ name: "s", points: [] }], { title: "t" });
    assertWellFormed(svg);
    expect(svg).toContain(">no data</text>");
  });

  it("escapes names and titles", () => {
    const svg = lineChart([{ name: "a<b & \"c\"", points: [[0, 1], [1, 2]] }], { title: "x < y" });
    assertWellFormed(svg);
    expect(svg).toContain("a&lt;b &amp; &quot;c&quot;");
    expect(svg).toContain("x &lt; y");
  });
});

describe("niceTicks", () => {
  it("gives round steps that cover the range", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 9)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe("accuracyChartSvg", () => {
  it("draws the train and validation accuracy of the log", () => {
    const svg = accuracyChartSvg(parseEpochMetrics(LOG));
    assertWellFormed(svg);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("<title>validation: 0.253906</title>");
    expect(svg).toContain("<title>train: 0.3125</title>");
  });
});
