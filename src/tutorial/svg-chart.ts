/**
 * A small SVG line chart: a few series over a shared numeric x axis, with
 * axes, ticks, a legend and a marker on every point (so a one-epoch run still
 * shows something). Plain strings, no dependencies, so it renders anywhere.
 */
import { escapeHtml } from "./display";

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color?: string;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Fixed y range, e.g. [0, 1] for accuracies; otherwise from the data. */
  yDomain?: readonly [number, number];
  /** Only integer x ticks (epochs). */
  integerX?: boolean;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** Round tick values covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

export function lineChart(series: readonly Series[], options: LineChartOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const margin = { top: options.title ? 36 : 16, right: 140, bottom: 48, left: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const clean = series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length],
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const all = clean.flatMap((s) => s.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) {
    parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeHtml(options.title)}</text>`);
  }
  if (all.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">no data</text>`, "</svg>");
    return parts.join("\n");
  }

  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = options.yDomain ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMin === yMax) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const sx = (x: number): number => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;

  const xTicks = niceTicks(xMin, xMax).filter((t) => !options.integerX || Number.isInteger(t));
  const yTicks = niceTicks(yMin, yMax);
  const bottom = margin.top + plotH;
  parts.push(`<g stroke="#ddd">`);
  for (const t of yTicks) parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(t)}" y2="${sy(t)}"/>`);
  parts.push(`</g>`);
  parts.push(
    `<g stroke="#333"><line x1="${margin.left}" x2="${margin.left + plotW}" y1="${bottom}" y2="${bottom}"/>` +
      `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${bottom}"/></g>`,
  );
  for (const t of xTicks) {
    parts.push(`<text x="${sx(t)}" y="${bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yTicks) {
    parts.push(`<text x="${margin.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  if (options.xLabel) {
    parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`);
  }
  if (options.yLabel) {
    const cy = margin.top + plotH / 2;
    parts.push(`<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeHtml(options.yLabel)}</text>`);
  }
  clean.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) {
      const d = pts.map(([x, y], j) => `${j === 0 ? "M" : "L"}${fmt(sx(x))},${fmt(sy(y))}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    }
    for (const [x, y] of pts) {
      parts.push(`<circle cx="${fmt(sx(x))}" cy="${fmt(sy(y))}" r="3.5" fill="${s.color}"><title>${escapeHtml(s.name)}: ${fmt(y)}</title></circle>`);
    }
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>` +
        `<text x="${lx + 26}" y="${ly + 4}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
