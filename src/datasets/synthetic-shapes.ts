/**
 * The drawings of the synthetic dataset: one SVG per image, rendered by sharp.
 * Each class is a shape; colour, position, size, rotation, background and
 * clutter are random, so only the shape tells the class.
 */
import type { SeededRandom } from "../formats/seeded-random";

export const SHAPE_CLASSES = ["circle", "square", "triangle", "cross", "ring", "star", "stripes", "crescent", "arrow", "dots"] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

const f = (x: number): string => x.toFixed(2);

function polygon(points: Array<[number, number]>, r: number): string {
  return `<polygon points="${points.map(([x, y]) => `${f(x * r)},${f(y * r)}`).join(" ")}"/>`;
}

function regular(n: number, r: number, inner?: number): string {
  const pts: Array<[number, number]> = [];
  const steps = inner ? 2 * n : n;
  for (let i = 0; i < steps; i++) {
    const a = -Math.PI / 2 + (i * 2 * Math.PI) / steps;
    const rr = inner && i % 2 === 1 ? inner : 1;
    pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
  }
  return polygon(pts, r);
}

/** The shape's elements around (0, 0) with radius r, filled with the current fill colour. */
function shapeBody(shape: ShapeClass, r: number): string {
  switch (shape) {
    case "circle":
      return `<circle r="${f(r)}"/>`;
    case "square":
      return `<rect x="${f(-0.8 * r)}" y="${f(-0.8 * r)}" width="${f(1.6 * r)}" height="${f(1.6 * r)}"/>`;
    case "triangle":
      return regular(3, r);
    case "cross":
      return `<rect x="${f(-r)}" y="${f(-0.25 * r)}" width="${f(2 * r)}" height="${f(0.5 * r)}"/><rect x="${f(-0.25 * r)}" y="${f(-r)}" width="${f(0.5 * r)}" height="${f(2 * r)}"/>`;
    case "ring":
      return `<circle r="${f(0.82 * r)}" fill="none" stroke="currentColor" stroke-width="${f(0.32 * r)}"/>`;
    case "star":
      return regular(5, r, 0.42);
    case "stripes":
      return [-0.7, 0, 0.7].map((y) => `<rect x="${f(-0.9 * r)}" y="${f((y - 0.16) * r)}" width="${f(1.8 * r)}" height="${f(0.32 * r)}"/>`).join("");
    case "crescent":
      return `<path d="M 0 ${f(-r)} A ${f(r)} ${f(r)} 0 1 0 0 ${f(r)} A ${f(0.45 * r)} ${f(r)} 0 1 1 0 ${f(-r)} Z"/>`;
    case "arrow":
      return polygon([[-1, -0.2], [0.15, -0.2], [0.15, -0.6], [1, 0], [0.15, 0.6], [0.15, 0.2], [-1, 0.2]], r);
    case "dots":
      return [[-1, -1], [1, -1], [-1, 1], [1, 1]].map(([x, y]) => `<circle cx="${f(0.5 * x * r)}" cy="${f(0.5 * y * r)}" r="${f(0.27 * r)}"/>`).join("");
  }
}

const hsl = (h: number, s: number, l: number): string => `hsl(${f(h)},${f(s)}%,${f(l)}%)`;

/** One image of class `shape` as SVG text; all randomness comes from `rng`. */
export function shapeSvg(shape: ShapeClass, size: number, rng: SeededRandom): string {
  const darkBackground = rng.next() < 0.5;
  const bgL = darkBackground ? rng.uniform(12, 35) : rng.uniform(65, 88);
  const fgL = darkBackground ? rng.uniform(55, 80) : rng.uniform(15, 40);
  const bg1 = hsl(rng.uniform(0, 360), rng.uniform(5, 25), bgL);
  const bg2 = hsl(rng.uniform(0, 360), rng.uniform(5, 25), bgL + rng.uniform(-8, 8));
  const fg = hsl(rng.uniform(0, 360), rng.uniform(45, 95), fgL);
  const seed = rng.int(1, 100000);
  const clutter: string[] = [];
  const clutterCount = rng.int(1, 4);
  for (let i = 0; i < clutterCount; i++) {
    const color = hsl(rng.uniform(0, 360), rng.uniform(20, 90), rng.uniform(20, 80));
    const x = rng.uniform(0, size);
    const y = rng.uniform(0, size);
    if (rng.next() < 0.5) {
      clutter.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${f(rng.uniform(0.01, 0.035) * size)}" fill="${color}" opacity="0.6"/>`);
    } else {
      const a = rng.uniform(0, 2 * Math.PI);
      const len = rng.uniform(0.05, 0.15) * size;
      clutter.push(
        `<line x1="${f(x)}" y1="${f(y)}" x2="${f(x + len * Math.cos(a))}" y2="${f(y + len * Math.sin(a))}" stroke="${color}" stroke-width="${f(0.012 * size)}" opacity="0.6"/>`,
      );
    }
  }
  // The shape stays inside the central 8/9 of the image, which a centre crop keeps.
  const r = rng.uniform(0.24, 0.32) * size;
  const cx = size / 2 + rng.uniform(-0.08, 0.08) * size;
  const cy = size / 2 + rng.uniform(-0.08, 0.08) * size;
  // Upright within +-20 degrees: 60 images per class are too few to also learn full rotation invariance.
  const angle = rng.uniform(-20, 20);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<defs><linearGradient id="bg" x1="${f(rng.next())}" y1="0" x2="${f(rng.next())}" y2="1"><stop offset="0" stop-color="${bg1}"/><stop offset="1" stop-color="${bg2}"/></linearGradient>` +
    `<filter id="noise" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${f(rng.uniform(0.2, 0.6))}" numOctaves="2" seed="${seed}"/><feColorMatrix type="saturate" values="0"/></filter></defs>` +
    `<rect width="${size}" height="${size}" fill="url(#bg)"/>` +
    `<rect width="${size}" height="${size}" filter="url(#noise)" opacity="${f(rng.uniform(0.1, 0.25))}"/>` +
    clutter.join("") +
    `<g transform="translate(${f(cx)},${f(cy)}) rotate(${f(angle)})" fill="${fg}" color="${fg}">${shapeBody(shape, r)}</g>` +
    `</svg>`
  );
}
