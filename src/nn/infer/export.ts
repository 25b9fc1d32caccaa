/**
 * The standard inference model: standard ONNX ops only (opset 17), weights as
 * constants in the standard layout, input "data" [N, C, H, W] pixels in
 * [0, 255] with a symbolic batch dimension, output "probabilities". Each BN is
 * folded into the conv before it (w' = w*s, bias = beta - mean*s with
 * s = gamma/sqrt(var+eps)), so the model is conv/relu/pool/add/gemm; ONNX
 * Runtime's own optimiser then runs the convs in its blocked kernels.
 *
 * Convolutions on tiny maps (input H*W < k*k: the 3x3 convs on the 2x2 and
 * 1x1 maps of the last stages of ResNets at 64x64 or 32x32) can run in dense
 * form: such a conv is a linear map from the [Cin*H*W] vector to the
 * [Cout*H'*W'] vector, and NCHW is channel-major and position-minor, so with
 * the activation viewed as [N, Cin*H*W] (a Flatten, no copy) it is one Gemm
 * with a [Cin*H*W, Cout*H'*W'] matrix (the folded BN bias repeated per output
 * position). On a 2x2 map a 3x3 pad-1 conv spends 20 of its 36 multiply-adds
 * per channel pair on padding and ONNX Runtime's blocked conv runs such
 * narrow maps at about half its usual rate; the Gemm does the 16 useful ones
 * at the GEMM rate. But its matrix repeats taps (16 Cin x Cout blocks for 9
 * taps), and one image alone is bound by reading the weights from memory, so
 * batch 1 gets slower. Hence two kinds (see `kind`): "compact" convs, whose
 * dense matrix is no bigger than the kernel (3x3 convs producing 1x1 maps),
 * always run dense; "repeating" ones (3x3 stride 1 on 2x2) run dense from
 * DENSE_MIN_BATCH images on and as convs below, chosen per run without
 * control flow: the layers from the unit boundary before the first repeating
 * conv to the boundary after the last are emitted twice; the first k images
 * go through the conv copy and the others through the dense one, k = N when
 * N < DENSE_MIN_BATCH and 0 otherwise, and the results are concatenated. The
 * copy that gets no images runs on empty tensors and reads none of its
 * weights. The dense matrices are built in the graph from the conv weights
 * (a Gather with constant indices, a Transpose), which ONNX Runtime's
 * constant folding evaluates once when the session is created, so the file
 * stores every weight once. Networks without tiny maps get exactly the
 * plain model.
 */
import type { ModelWeights } from "../api";
import { GraphBuilder, type Value } from "../graph/builder";
import { BN_EPS } from "../layers/batchnorm";
import { Ctx } from "../layers/context";
import { normalizePixels } from "../layers/input";
import { PORTABLE } from "../layout";
import { buildResNet } from "../net/resnet";
import { IMAGE, shapesOf, type NetNode, type NetSpec } from "../net/spec";
import { checkWeights } from "../net/weights";

export const INPUT_NAME = "data";
export const OUTPUT_NAME = "probabilities";

/**
 * Smallest batch that runs the dense form. Measured on ResNet-18@64 (2
 * threads, AVX-512): the dense form loses at batch 1 (it reads 16 weight
 * blocks where the conv reads 9) and wins from batch 2 on.
 */
export const DENSE_MIN_BATCH = 2;

export interface ExportOptions {
  /**
   * How convolutions on tiny maps run: "auto" (default) by batch size as
   * described above; "conv" or "dense": that form for every batch size (for
   * tests and measurements).
   */
  smallMaps?: "auto" | "conv" | "dense";
}

type Form = "conv" | "dense";

/**
 * An activation while exporting: `v` is [N, C, H, W], or when `flat` (the
 * output of a dense layer) the same bytes viewed as [N, C*H*W]; the views
 * convert by Flatten/Reshape, which do not copy.
 */
interface Tensor {
  v: Value;
  flat: boolean;
  chw: [number, number, number];
}

export function exportInferenceModel(weights: ModelWeights, options: ExportOptions = {}): Uint8Array {
  if (!weights || typeof weights !== "object" || !weights.arch || !weights.tensors) {
    throw new Error("exportInferenceModel: expected { arch, tensors } as returned by Trainer.weights()");
  }
  const mode = options.smallMaps ?? "auto";
  if (!["auto", "conv", "dense"].includes(mode)) throw new Error(`exportInferenceModel: options.smallMaps must be "auto", "conv" or "dense", got ${String(mode)}`);
  const spec = buildResNet(weights.arch);
  checkWeights(spec, weights, "exportInferenceModel");
  const g = new GraphBuilder("resnet_inference");
  const [c, h, w] = spec.imageShape;
  const data = g.input(INPUT_NAME, "float", ["N", c, h, w]);
  const em = new Emitter(g, spec, weights, mode);
  const image: Tensor = { v: normalizePixels(em.ctx, data, c), flat: false, chw: [c, h, w] };
  const repeating = em.repeatingConvs();
  const end = spec.nodes.length;
  let values = new Map([[IMAGE, image]]);
  if (repeating.length === 0 || mode !== "auto") {
    em.run(0, end, values, mode === "dense" ? "dense" : "conv");
  } else {
    // The layers from the unit boundary before the first conv whose dense
    // form repeats taps to the boundary after the last run in both forms,
    // the rest once.
    const cut = em.boundaryAtOrBefore(repeating[0]);
    const join = em.boundaryAfter(repeating[repeating.length - 1]);
    em.run(0, cut, values, "conv");
    const input = values.get(em.liveAt(cut));
    if (!input || input.flat) throw new Error("internal: the value at the cut is not a map");
    const [small, big] = splitByBatch(g, data, input.v);
    // On the conv side, a Reshape to [-1, C, H, W] and an identity max-pool
    // (1x1 window) first. ONNX Runtime's blocked-layout pass fuses a residual
    // add into the conv before it only when it can prove the operands' shapes
    // equal: it knows nothing of a sliced tensor's shape (the Reshape restores
    // C, H and W), and it takes two batch sizes as equal only when they derive
    // from one blocked tensor (two convs reading the slice, a unit's first conv
    // and its projection, would not). Unfused, the add is done on reshaped
    // tensors, and that Reshape fails on an empty tensor.
    const known = g.node("Reshape", [small, g.ints([-1, ...input.chw])], [{ type: "float", shape: small.shape }])[0];
    const pooled = em.o.maxPool(known, { kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] });
    const convValues = new Map([[em.liveAt(cut), { ...input, v: pooled }]]);
    const denseValues = new Map([[em.liveAt(cut), { ...input, v: big }]]);
    em.run(cut, join, convValues, "conv");
    em.run(cut, join, denseValues, "dense");
    const joined = em.liveAt(join);
    const [fromConv, fromDense] = [convValues.get(joined), denseValues.get(joined)].map((v) => {
      if (!v) throw new Error(`internal: ${joined} not computed`);
      return v;
    });
    const chw = fromConv.chw;
    const asFlat = (x: Tensor) => (x.flat ? x.v : em.o.flatten(x.v));
    const v = g.node("Concat", [asFlat(fromConv), asFlat(fromDense)], [{ type: "float", shape: ["N", chw[0] * chw[1] * chw[2]] }], { axis: { i: 0 } })[0];
    values = new Map([[joined, { v, flat: true, chw }]]);
    em.run(join, end, values, "conv");
  }
  const logits = values.get(spec.output)?.v;
  if (!logits) throw new Error("internal: logits not computed");
  g.output(weights.arch.multiLabel ? em.o.sigmoid(logits) : em.o.softmax(logits), OUTPUT_NAME);
  return g.toModel();
}

/**
 * Rows [0, k) and [k, N) of `x`, k = N when N < DENSE_MIN_BATCH, else 0 (N
 * read from the input's shape at run time).
 */
function splitByBatch(g: GraphBuilder, data: Value, x: Value): [Value, Value] {
  const n = g.node("Shape", [data], [{ type: "int64", shape: [1] }], { end: { i: 1 } })[0];
  const below = g.node("Less", [n, g.ints([DENSE_MIN_BATCH])], [{ type: "bool", shape: [1] }])[0];
  const k = g.node("Mul", [n, g.node("Cast", [below], [{ type: "int64", shape: [1] }], { to: { i: 7 } })[0]], [{ type: "int64", shape: [1] }])[0];
  const axis0 = g.ints([0]);
  const rest = x.shape.slice(1);
  const small = g.node("Slice", [x, g.ints([0]), k, axis0], [{ type: "float", shape: ["k", ...rest] }])[0];
  // An end past the axis is clamped to its size: "to the end".
  const big = g.node("Slice", [x, k, g.ints([Number.MAX_SAFE_INTEGER]), axis0], [{ type: "float", shape: ["N-k", ...rest] }])[0];
  return [small, big];
}

/** Emits ranges of the layer list in one form; constants are shared between forms. */
class Emitter {
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
