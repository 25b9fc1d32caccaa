/**
 * A plain float64 implementation of a training step over a NetSpec, written
 * independently of the engine's graphs: the yardstick of the step tests.
 * Straightforward loops, no attempt at speed.
 */
import type { NamedTensors, OptimizerConfig } from "../../src/nn/api";
import { IMAGE, paramsOf, type NetSpec } from "../../src/nn/net/spec";

type T = { shape: number[]; data: Float64Array };

const EPS = 1e-5;
const MOMENTUM = 0.9;

function zeros(shape: number[]): T {
  return { shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) };
}

export function normalise(images: Float32Array, n: number, c: number, h: number, w: number): T {
  const mean = c === 3 ? [0.485, 0.456, 0.406] : new Array(c).fill(0.5);
  const std = c === 3 ? [0.229, 0.224, 0.225] : new Array(c).fill(0.5);
  const out = zeros([n, c, h, w]);
  for (let i = 0; i < out.data.length; i++) {
    const ch = Math.floor(i / (h * w)) % c;
    out.data[i] = (images[i] / 255 - mean[ch]) / std[ch];
  }
  return out;
}

function conv(x: T, w: T, stride: number, pad: number): T {
  const [n, c, h, wd] = x.shape;
  const [o, , k] = w.shape;
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((wd + 2 * pad - k) / stride) + 1;
  const y = zeros([n, o, ho, wo]);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let s = 0;
          for (let ic = 0; ic < c; ic++)
            for (let kh = 0; kh < k; kh++)
              for (let kw = 0; kw < k; kw++) {
                const iy = oy * stride - pad + kh;
                const ix = ox * stride - pad + kw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += x.data[((b * c + ic) * h + iy) * wd + ix] * w.data[((oc * c + ic) * k + kh) * k + kw];
              }
          y.data[((b * o + oc) * ho + oy) * wo + ox] = s;
        }
  return y;
}

function convBackward(x: T, w: T, dy: T, stride: number, pad: number): { dx: T; dw: T } {
  const [n, c, h, wd] = x.shape;
  const [o, , k] = w.shape;
  const [, , ho, wo] = dy.shape;
  const dx = zeros(x.shape);
  const dw = zeros(w.shape);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          const g = dy.data[((b * o + oc) * ho + oy) * wo + ox];
          for (let ic = 0; ic < c; ic++)
            for (let kh = 0; kh < k; kh++)
              for (let kw = 0; kw < k; kw++) {
                const iy = oy * stride - pad + kh;
                const ix = ox * stride - pad + kw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const xi = ((b * c + ic) * h + iy) * wd + ix;
                const wi = ((oc * c + ic) * k + kh) * k + kw;
                dw.data[wi] += g * x.data[xi];
                dx.data[xi] += g * w.data[wi];
              }
        }
  return { dx, dw };
}

interface BnCache {
  xhat: Float64Array;
  invstd: Float64Array;
  gamma: Float64Array;
}

function bnForward(x: T, gamma: Float64Array, beta: Float64Array): { y: T; mean: Float64Array; variance: Float64Array; cache: BnCache } {
  const [n, c, h, w] = x.shape;
  const m = n * h * w;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const at = (b: number, ch: number, i: number) => (b * c + ch) * h * w + i;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) s += x.data[at(b, ch, i)];
    mean[ch] = s / m;
    let v = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) v += (x.data[at(b, ch, i)] - mean[ch]) ** 2;
    variance[ch] = v / m;
  }
  const y = zeros(x.shape);
  const xhat = new Float64Array(x.data.length);
  const invstd = variance.map((v) => 1 / Math.sqrt(v + EPS));
  for (let i = 0; i < x.data.length; i++) {
    const ch = Math.floor(i / (h * w)) % c;
    xhat[i] = (x.data[i] - mean[ch]) * invstd[ch];
    y.data[i] = xhat[i] * gamma[ch] + beta[ch];
  }
  return { y, mean, variance, cache: { xhat, invstd, gamma } };
}

function bnBackward(dy: T, cache: BnCache): { dx: T; dgamma: Float64Array; dbeta: Float64Array } {
  const [n, c, h, w] = dy.shape;
  const m = n * h * w;
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let i = 0; i < dy.data.length; i++) {
    const ch = Math.floor(i / (h * w)) % c;
    dgamma[ch] += dy.data[i] * cache.xhat[i];
    dbeta[ch] += dy.data[i];
  }
  const dx = zeros(dy.shape);
  for (let i = 0; i < dy.data.length; i++) {
    const ch = Math.floor(i / (h * w)) % c;
    dx.data[i] = ((cache.gamma[ch] * cache.invstd[ch]) / m) * (m * dy.data[i] - dbeta[ch] - cache.xhat[i] * dgamma[ch]);
  }
  return { dx, dgamma, dbeta };
}

function maxPool(x: T, k: number, stride: number, pad: number): { y: T; argmax: Int32Array } {
  const [n, c, h, w] = x.shape;
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - k) / stride) + 1;
  const y = zeros([n, c, ho, wo]);
  const argmax = new Int32Array(y.data.length);
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++) {
        let best = -Infinity;
        let arg = -1;
        for (let kh = 0; kh < k; kh++)
          for (let kw = 0; kw < k; kw++) {
            const iy = oy * stride - pad + kh;
            const ix = ox * stride - pad + kw;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const i = (p * h + iy) * w + ix;
            if (x.data[i] > best) {
              best = x.data[i];
              arg = i;
            }
          }
        const o = (p * ho + oy) * wo + ox;
        y.data[o] = best;
        argmax[o] = arg;
      }
  return { y, argmax };
}

export interface ReferenceStep {
  loss: number;
  probabilities: Float64Array;
  /** Parameter gradients by parameter name (standard layout). */
  grads: Record<string, Float64Array>;
  /** Weights and running statistics after the update. */
  next: Record<string, Float64Array>;
  /** Optimizer state after the update, by `${param}#${slot}`. */
  nextState: Record<string, Float64Array>;
}

export interface ReferenceInput {
  spec: NetSpec;
  weights: Record<string, Float64Array>;
  /** Optimizer state by `${param}#${slot}` (absent: zeros). */
  state: Record<string, Float64Array>;
  images: Float32Array;
  labels: Float32Array;
  batch: number;
  lr: number;
  /** Adam's step number (1-based). */
  step: number;
  optimizer: OptimizerConfig;
  multiLabel: boolean;
  classWeights?: Float32Array;
}

export function referenceStep(r: ReferenceInput): ReferenceStep {
  const { spec, weights, batch: n } = r;
  const [c, h, w] = spec.imageShape;
  const acts = new Map<string, T>([[IMAGE, normalise(r.images, n, c, h, w)]]);
  const caches: unknown[] = [];
  const param = (name: string) => weights[name];
  const next: Record<string, Float64Array> = {};
  for (const node of spec.nodes) {
    if (node.op === "conv") {
      const x = acts.get(node.input) as T;
      const wt = { shape: [node.cout, node.cin, node.k, node.k], data: param(`${node.name}.weight`) };
      acts.set(node.output, conv(x, wt, node.stride, node.pad));
      caches.push({ x, wt });
    } else if (node.op === "bn") {
      const x = acts.get(node.input) as T;
      const f = bnForward(x, param(`${node.name}.gamma`), param(`${node.name}.beta`));
      if (node.relu) f.y.data = f.y.data.map((v) => Math.max(v, 0));
      acts.set(node.output, f.y);
      caches.push({ cache: f.cache, y: f.y });
      next[`${node.name}.running_mean`] = param(`${node.name}.running_mean`).map((v, i) => MOMENTUM * v + (1 - MOMENTUM) * f.mean[i]);
      next[`${node.name}.running_var`] = param(`${node.name}.running_var`).map((v, i) => MOMENTUM * v + (1 - MOMENTUM) * f.variance[i]);
    } else if (node.op === "maxpool") {
      const x = acts.get(node.input) as T;
      const f = maxPool(x, node.k, node.stride, node.pad);
      acts.set(node.output, f.y);
      caches.push({ x, argmax: f.argmax });
    } else if (node.op === "add") {
      const a = acts.get(node.a) as T;
      const b = acts.get(node.b) as T;
      const y = { shape: a.shape, data: a.data.map((v, i) => (node.relu ? Math.max(v + b.data[i], 0) : v + b.data[i])) };
      acts.set(node.output, y);
      caches.push({ y });
    } else if (node.op === "gap") {
      const x = acts.get(node.input) as T;
      const [, ch, hh, ww] = x.shape;
      const y = zeros([n, ch]);
      for (let i = 0; i < x.data.length; i++) y.data[Math.floor(i / (hh * ww))] += x.data[i] / (hh * ww);
      acts.set(node.output, y);
      caches.push({ x });
    } else {
      const x = acts.get(node.input) as T;
      const wt = param(`${node.name}.weight`);
      const bias = param(`${node.name}.bias`);
      const y = zeros([n, node.cout]);
      for (let b = 0; b < n; b++)
        for (let o = 0; o < node.cout; o++) {
          let s = bias[o];
          for (let i = 0; i < node.cin; i++) s += x.data[b * node.cin + i] * wt[o * node.cin + i];
          y.data[b * node.cout + o] = s;
        }
      acts.set(node.output, y);
      caches.push({ x });
    }
  }

  const logits = acts.get(spec.output) as T;
  const k = spec.numClasses;
  const probabilities = new Float64Array(n * k);
  const dlogits = zeros([n, k]);
  let loss = 0;
  for (let b = 0; b < n; b++) {
    const z = logits.data.subarray(b * k, b * k + k);
    if (r.multiLabel) {
      for (let j = 0; j < k; j++) {
        const p = 1 / (1 + Math.exp(-z[j]));
        const y = r.labels[b * k + j];
        const wpos = r.classWeights ? r.classWeights[j] : 1;
        probabilities[b * k + j] = p;
        loss += (-wpos * y * Math.log(p) - (1 - y) * Math.log(1 - p)) / n;
        dlogits.data[b * k + j] = (p * (wpos * y + 1 - y) - wpos * y) / n;
      }
    } else {
      const max = Math.max(...z);
      const sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
      for (let j = 0; j < k; j++) {
        const p = Math.exp(z[j] - max) / sum;
        probabilities[b * k + j] = p;
        dlogits.data[b * k + j] = (p - (j === r.labels[b] ? 1 : 0)) / n;
      }
      loss -= (z[r.labels[b]] - max - Math.log(sum)) / n;
    }
  }

  const grads: Record<string, Float64Array> = {};
  const gradOf = new Map<string, T>([[spec.output, dlogits]]);
  const addGrad = (name: string, g: T) => {
    const cur = gradOf.get(name);
    if (cur) cur.data = cur.data.map((v, i) => v + g.data[i]);
    else gradOf.set(name, { shape: g.shape, data: g.data.slice() });
  };
  for (let i = spec.nodes.length - 1; i >= 0; i--) {
    const node = spec.nodes[i];
    const cache = caches[i] as Record<string, unknown>;
    const dy = gradOf.get(node.output) as T;
    if (node.op === "fc") {
      const x = cache.x as T;
      const wt = param(`${node.name}.weight`);
      const dw = new Float64Array(wt.length);
      const db = new Float64Array(node.cout);
      const dx = zeros(x.shape);
      for (let b = 0; b < n; b++)
        for (let o = 0; o < node.cout; o++) {
          const g = dy.data[b * node.cout + o];
          db[o] += g;
          for (let j = 0; j < node.cin; j++) {
            dw[o * node.cin + j] += g * x.data[b * node.cin + j];
            dx.data[b * node.cin + j] += g * wt[o * node.cin + j];
          }
        }
      grads[`${node.name}.weight`] = dw;
      grads[`${node.name}.bias`] = db;
      addGrad(node.input, dx);
    } else if (node.op === "gap") {
      const x = cache.x as T;
      const [, , hh, ww] = x.shape;
      addGrad(node.input, { shape: x.shape, data: x.data.map((_, j) => dy.data[Math.floor(j / (hh * ww))] / (hh * ww)) });
    } else if (node.op === "add") {
      const y = cache.y as T;
      const dz = { shape: dy.shape, data: dy.data.map((g, j) => (node.relu && y.data[j] <= 0 ? 0 : g)) };
      addGrad(node.a, dz);
      addGrad(node.b, dz);
    } else if (node.op === "maxpool") {
      const x = cache.x as T;
      const argmax = cache.argmax as Int32Array;
      const dx = zeros(x.shape);
      argmax.forEach((a, j) => (dx.data[a] += dy.data[j]));
      addGrad(node.input, dx);
    } else if (node.op === "bn") {
      const y = cache.y as T;
      const dz = { shape: dy.shape, data: dy.data.map((g, j) => (node.relu && y.data[j] <= 0 ? 0 : g)) };
      const b = bnBackward(dz, cache.cache as BnCache);
      grads[`${node.name}.gamma`] = b.dgamma;
      grads[`${node.name}.beta`] = b.dbeta;
      addGrad(node.input, b.dx);
    } else {
      const g = convBackward(cache.x as T, cache.wt as T, dy, node.stride, node.pad);
      grads[`${node.name}.weight`] = g.dw.data;
      if (node.input !== IMAGE) addGrad(node.input, g.dx);
    }
  }

  const nextState: Record<string, Float64Array> = {};
  const o = r.optimizer;
  for (const p of paramsOf(spec)) {
    if (!p.trainable) continue;
    const wv = weights[p.name];
    const g = grads[p.name].map((v, i) => v + (p.decay ? o.weightDecay * wv[i] : 0));
    const st = (slot: string) => r.state[`${p.name}#${slot}`] ?? new Float64Array(wv.length);
    if (o.kind === "sgd") {
      if (o.momentum === 0) next[p.name] = wv.map((v, i) => v - r.lr * g[i]);
      else {
        const mom = st("mom").map((m, i) => o.momentum * m - r.lr * g[i]);
        nextState[`${p.name}#mom`] = mom;
        next[p.name] = wv.map((v, i) => v + mom[i]);
      }
    } else if (o.kind === "nag") {
      const mom = st("mom").map((m, i) => o.momentum * m + g[i]);
      nextState[`${p.name}#mom`] = mom;
      next[p.name] = wv.map((v, i) => v - r.lr * (g[i] + o.momentum * mom[i]));
    } else if (o.kind === "adam") {
      const m = st("m").map((v, i) => o.beta1 * v + (1 - o.beta1) * g[i]);
      const v2 = st("v").map((v, i) => o.beta2 * v + (1 - o.beta2) * g[i] * g[i]);
      nextState[`${p.name}#m`] = m;
      nextState[`${p.name}#v`] = v2;
      const lrT = (r.lr * Math.sqrt(1 - o.beta2 ** r.step)) / (1 - o.beta1 ** r.step);
      next[p.name] = wv.map((v, i) => v - (lrT * m[i]) / (Math.sqrt(v2[i]) + o.eps));
    } else {
      const s = st("n").map((v, i) => o.gamma * v + (1 - o.gamma) * g[i] * g[i]);
      nextState[`${p.name}#n`] = s;
      next[p.name] = wv.map((v, i) => v - (r.lr * g[i]) / Math.sqrt(s[i] + o.eps));
    }
  }
  return { loss, probabilities, grads, next, nextState };
}

export function toFloat64(t: NamedTensors): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(t)) out[k] = Float64Array.from(v.data);
  return out;
}
