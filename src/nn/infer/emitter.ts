/**
 * Emits a ResNet's layers into an inference graph, range by range, each conv
 * in conv or dense form (see export.ts for when and why), with batch norm
 * folded into the conv before it and constants shared between the forms.
 */
import type { ModelWeights } from "../api";
import type { GraphBuilder, Value } from "../graph/builder";
import { BN_EPS } from "../layers/batchnorm";
import { Ctx } from "../layers/context";
import { PORTABLE } from "../layout";
import { IMAGE, shapesOf, type NetNode, type NetSpec } from "../net/spec";

export type Form = "conv" | "dense";

/**
 * An activation while exporting: `v` is [N, C, H, W], or when `flat` (the
 * output of a dense layer) the same bytes viewed as [N, C*H*W]; the views
 * convert by Flatten/Reshape, which do not copy.
 */
export interface Tensor {
  v: Value;
  flat: boolean;
  chw: [number, number, number];
}

/** Emits ranges of the layer list in one form; constants are shared between forms. */
export class Emitter {
  readonly ctx: Ctx;
  readonly o: Ctx["o"];
  private readonly shapes: Map<string, number[]>;
  private readonly readers = new Map<string, number>();
  private readonly consts = new Map<string, Value>();
  private readonly foldedCache = new Map<string, { w: Float32Array; b: Float32Array | null }>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly spec: NetSpec,
    private readonly weights: ModelWeights,
    private readonly mode: "auto" | "conv" | "dense",
  ) {
    this.ctx = new Ctx(g, PORTABLE, "N");
    this.o = this.ctx.o;
    this.shapes = shapesOf(spec);
    for (const n of spec.nodes) for (const v of inputsOf(n)) this.readers.set(v, (this.readers.get(v) ?? 0) + 1);
  }

  /** Indices of the tiny-map convs whose dense matrix repeats taps (the batch-size-dependent ones). */
  repeatingConvs(): number[] {
    return this.spec.nodes.flatMap((n, i) => (n.op === "conv" && this.kind(n) === "repeating" ? [i] : []));
  }

  /** The last boundary at or before layer i (0, the image, at the latest). */
  boundaryAtOrBefore(i: number): number {
    for (let j = i; j > 0; j--) if (this.isBoundary(j)) return j;
    return 0;
  }

  /** The first boundary after layer i (there is one: the global average pool reads the last unit's output only). */
  boundaryAfter(i: number): number {
    for (let j = i + 1; j < this.spec.nodes.length; j++) if (this.isBoundary(j)) return j;
    throw new Error("internal: no unit boundary after the last tiny-map conv");
  }

  /**
   * Before layer j exactly one computed value is still to be read (between
   * residual units), and j does not separate a conv from the BN folded into it.
   */
  private isBoundary(j: number): boolean {
    const [prev, n] = [this.spec.nodes[j - 1], this.spec.nodes[j]];
    return this.liveSet(j).length === 1 && !(n?.op === "bn" && prev?.op === "conv" && prev.output === n.input);
  }

  liveAt(i: number): string {
    const live = this.liveSet(i);
    if (live.length !== 1) throw new Error(`internal: ${live.length} values live at layer ${i}`);
    return live[0];
  }

  private liveSet(i: number): string[] {
    const nodes = this.spec.nodes;
    const produced = new Set<string>([IMAGE, ...nodes.slice(0, i).map((n) => n.output)]);
    const read = new Set(nodes.slice(i).flatMap(inputsOf));
    return [...produced].filter((v) => read.has(v));
  }

  /**
   * "map": an ordinary conv. "compact": a tiny-map conv (input H*W < k*k)
   * whose dense matrix holds no more Cin x Cout blocks (H*W*H'*W') than the
   * conv has taps (3x3 convs producing 1x1 maps): the dense form reads no
   * more weights and does fewer multiply-adds, so it is used at every batch
   * size. "repeating": a tiny-map conv whose dense matrix repeats taps (3x3
   * stride 1 on 2x2: 16 blocks for 9 taps): dense only for batches of
   * DENSE_MIN_BATCH or more.
   */
  private kind(n: Extract<NetNode, { op: "conv" }>): "map" | "compact" | "repeating" {
    const [, h, w] = this.chwOf(n.input);
    const [, ho, wo] = this.chwOf(n.output);
    if (h * w >= n.k * n.k) return "map";
    return h * w * ho * wo <= n.k * n.k ? "compact" : "repeating";
  }

  /** The form a conv runs in, in a range emitted in `form`. */
  private formOf(n: Extract<NetNode, { op: "conv" }>, form: Form): Form {
    const kind = this.kind(n);
    if (kind === "map" || this.mode === "conv") return "conv";
    if (kind === "compact" || this.mode === "dense") return "dense";
    return form;
  }

  private chwOf(name: string): [number, number, number] {
    const s = this.shapes.get(name);
    if (!s || s.length !== 3) throw new Error(`internal: ${name} is not a [C, H, W] map`);
    return [s[0], s[1], s[2]];
  }

  private constant(name: string, make: () => { data: Float32Array; shape: number[] }): Value {
    let v = this.consts.get(name);
    if (!v) {
      const { data, shape } = make();
      v = this.g.constant(data, "float", shape, name);
      this.consts.set(name, v);
    }
    return v;
  }

  /** The conv's weights with the BN after it (if any) folded in, computed once for both forms. */
  private folded(n: Extract<NetNode, { op: "conv" }>, bn: Extract<NetNode, { op: "bn" }> | null): { w: Float32Array; b: Float32Array | null } {
    let f = this.foldedCache.get(`${n.name}+${bn?.name}`);
    if (!f) {
      const t = (name: string) => this.weights.tensors[name];
      const wt = t(`${n.name}.weight`).data;
      f = bn ? foldBn(wt, n.cout, t(`${bn.name}.gamma`).data, t(`${bn.name}.beta`).data, t(`${bn.name}.running_mean`).data, t(`${bn.name}.running_var`).data) : { w: wt.slice(), b: null };
      this.foldedCache.set(`${n.name}+${bn?.name}`, f);
    }
    return f;
  }

  /** Emits layers [from, to) in `form`, reading and writing `values`. */
  run(from: number, to: number, values: Map<string, Tensor>, form: Form): void {
    const { o, g, spec } = this;
    const t = (name: string) => this.weights.tensors[name];
    const get = (name: string) => {
      const v = values.get(name);
      if (!v) throw new Error(`internal: ${name} not computed`);
      return v;
    };
    const as4d = (x: Tensor): Value => (x.flat ? o.reshape(x.v, [0, ...x.chw]) : x.v);
    const asFlat = (x: Tensor): Value => (x.flat ? x.v : o.flatten(x.v));
    const nodes = spec.nodes;
    for (let i = from; i < to; i++) {
      const n = nodes[i];
      const next: NetNode | undefined = nodes[i + 1];
      if (n.op === "conv") {
        const x = get(n.input);
        const outChw = this.chwOf(n.output);
        const bn = next?.op === "bn" && next.input === n.output && this.readers.get(n.output) === 1 && i + 1 < to ? next : null;
        const folded = this.folded(n, bn);
        const wv = this.constant(`${n.name}.weight${bn ? "" : ".unfolded"}`, () => ({ data: folded.w, shape: [n.cout, n.cin, n.k, n.k] }));
        const bias = folded.b;
        let y: Tensor;
        if (this.formOf(n, form) === "dense") {
          const positions = outChw[1] * outChw[2];
          const bv = bias ? this.constant(`${n.name}.dense_bias`, () => ({ data: repeatPerPosition(bias, positions), shape: [n.cout * positions] })) : null;
          y = { v: o.gemm(asFlat(x), this.denseMatrix(wv, n, x.chw, outChw), bv), flat: true, chw: outChw };
        } else {
          const geo = { kernel: [n.k, n.k] as [number, number], strides: [n.stride, n.stride] as [number, number], pads: [n.pad, n.pad, n.pad, n.pad] as [number, number, number, number] };
          const bv = bias ? this.constant(`${n.name}.bias`, () => ({ data: bias, shape: [n.cout] })) : null;
          y = { v: o.conv(as4d(x), wv, bv, geo), flat: false, chw: outChw };
        }
        if (bn) {
          if (bn.relu) y = { ...y, v: o.relu(y.v) };
          values.set(bn.output, y);
          i++;
        } else {
          values.set(n.output, y);
        }
      } else if (n.op === "bn") {
        const x = get(n.input);
        const vec = (suffix: string) => this.constant(`${n.name}.${suffix}`, () => ({ data: t(`${n.name}.${suffix}`).data.slice(), shape: [n.c] }));
        const xv = as4d(x);
        let y = g.node("BatchNormalization", [xv, vec("gamma"), vec("beta"), vec("running_mean"), vec("running_var")], [{ type: "float", shape: xv.shape }], {
          epsilon: { f: BN_EPS },
        })[0];
        if (n.relu) y = o.relu(y);
        values.set(n.output, { v: y, flat: false, chw: x.chw });
      } else if (n.op === "maxpool") {
        const y = o.maxPool(as4d(get(n.input)), { kernel: [n.k, n.k], strides: [n.stride, n.stride], pads: [n.pad, n.pad, n.pad, n.pad] });
        values.set(n.output, { v: y, flat: false, chw: this.chwOf(n.output) });
      } else if (n.op === "add") {
        const a = get(n.a);
        const b = get(n.b);
        // Flat when either operand is: the dense layers around it then need no view changes.
        const flat = a.flat || b.flat;
        const y = flat ? o.add(asFlat(a), asFlat(b)) : o.add(a.v, b.v);
        values.set(n.output, { v: n.relu ? o.relu(y) : y, flat, chw: a.chw });
      } else if (n.op === "gap") {
        const x = get(n.input);
        const [cc, hh, ww] = x.chw;
        // A 1x1 map's average is the map itself.
        const v = x.flat && hh * ww === 1 ? x.v : o.flatten(o.globalAveragePool(as4d(x)));
        values.set(n.output, { v, flat: true, chw: [cc, 1, 1] });
      } else {
        const wv = this.constant(`${n.name}.weight`, () => ({ data: t(`${n.name}.weight`).data.slice(), shape: [n.cout, n.cin] }));
        const bv = this.constant(`${n.name}.bias`, () => ({ data: t(`${n.name}.bias`).data.slice(), shape: [n.cout] }));
        values.set(n.output, { v: o.gemm(get(n.input).v, wv, bv, { transB: true }), flat: true, chw: [n.cout, 1, 1] });
      }
    }
  }

  /**
   * The conv's dense [Cin*H*W, Cout*H'*W'] matrix, built in the graph from the
   * conv weight `w` [Cout, Cin, k, k]: a zero is appended after the k*k taps,
   * one Gather picks for every (input position q, output position p) the tap
   * index that connects them (k*k, the zero, where none does), giving
   * [Cout, Cin, H*W, H'*W'], and a Transpose to [Cin, H*W, Cout, H'*W'] makes
   * row ci*H*W + q and column co*H'*W' + p. All inputs are constants, so ONNX
   * Runtime folds this into one initializer when the session is created.
   */
  private denseMatrix(w: Value, n: Extract<NetNode, { op: "conv" }>, inChw: [number, number, number], outChw: [number, number, number]): Value {
    const { g, o } = this;
    const taps = n.k * n.k;
    const inPos = inChw[1] * inChw[2];
    const outPos = outChw[1] * outChw[2];
    const flat = o.reshape(w, [n.cout, n.cin, taps]);
    const padded = o.pad(flat, [0, 0, 0, 0, 0, 1]);
    const index = tapIndex(n, inChw, outChw);
    const idx = g.constant(BigInt64Array.from(index, (v) => BigInt(v)), "int64", [inPos, outPos], `${n.name}.dense_taps`);
    const gathered = o.gather(padded, idx, 2);
    return o.reshape(o.transpose(gathered, [1, 2, 0, 3]), [n.cin * inPos, n.cout * outPos]);
  }
}

function inputsOf(n: NetNode): string[] {
  return n.op === "add" ? [n.a, n.b] : [n.input];
}

/**
 * For every (input position q, output position p) of a conv, q-major: the
 * index ky*k + kx of the tap that connects them, or k*k where none does.
 */
export function tapIndex(
  n: { k: number; stride: number; pad: number },
  [, h, w]: [number, number, number],
  [, ho, wo]: [number, number, number],
): Int32Array {
  const none = n.k * n.k;
  const index = new Int32Array(h * w * ho * wo).fill(none);
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ky = 0; ky < n.k; ky++) {
        const iy = oy * n.stride - n.pad + ky;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < n.k; kx++) {
          const ix = ox * n.stride - n.pad + kx;
          if (ix < 0 || ix >= w) continue;
          index[(iy * w + ix) * ho * wo + oy * wo + ox] = ky * n.k + kx;
        }
      }
    }
  }
  return index;
}

function repeatPerPosition(b: Float32Array, positions: number): Float32Array {
  const out = new Float32Array(b.length * positions);
  for (let c = 0; c < b.length; c++) out.fill(b[c], c * positions, (c + 1) * positions);
  return out;
}

function foldBn(w: Float32Array, cout: number, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array): { w: Float32Array; b: Float32Array } {
  const perOut = w.length / cout;
  const out = new Float32Array(w.length);
  const b = new Float32Array(cout);
  for (let oc = 0; oc < cout; oc++) {
    const s = gamma[oc] / Math.sqrt(variance[oc] + BN_EPS);
    for (let j = 0; j < perOut; j++) out[oc * perOut + j] = w[oc * perOut + j] * s;
    b[oc] = beta[oc] - mean[oc] * s;
  }
  return { w: out, b };
}
