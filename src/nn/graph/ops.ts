/**
 * ONNX operators (opset 17, plus ONNX Runtime's internal NCHWc ops) with the
 * output shape computed at build time, so every layer knows the shapes it
 * works with and shape errors surface while building, not at run time.
 */
import type { Attr, Dim, ElemType } from "../onnx/model";
import { GraphBuilder, NCHWC_DOMAIN, type Value } from "./builder";

export function numel(shape: readonly Dim[]): number {
  return shape.reduce<number>((a, d) => {
    if (typeof d !== "number") throw new Error(`numel: symbolic dimension ${d}`);
    return a * d;
  }, 1);
}

export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`broadcast: shapes [${a}] and [${b}] are incompatible`);
  }
  return out;
}

/** Output size of a convolution or pooling window along one axis. */
export function convOutSize(size: number, k: number, stride: number, padBegin: number, padEnd: number): number {
  const out = Math.floor((size + padBegin + padEnd - k) / stride) + 1;
  if (out < 1) throw new Error(`window ${k} with stride ${stride} and pads ${padBegin}/${padEnd} does not fit size ${size}`);
  return out;
}

export interface ConvGeometry {
  kernel: [number, number];
  strides: [number, number];
  /** [top, left, bottom, right] like ONNX. */
  pads: [number, number, number, number];
}

export class Ops {
  constructor(readonly g: GraphBuilder) {}

  private one(op: string, inputs: (Value | null)[], type: ElemType, shape: readonly Dim[], attrs: Record<string, Attr> = {}, domain = ""): Value {
    return this.g.node(op, inputs, [{ type, shape }], attrs, domain)[0];
  }

  // --- elementwise ----------------------------------------------------------------------------
  private binary(op: string, a: Value, b: Value): Value {
    return this.one(op, [a, b], a.type, broadcastShapes(a.shape, b.shape));
  }
  add(a: Value, b: Value): Value {
    return this.binary("Add", a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.binary("Sub", a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.binary("Mul", a, b);
  }
  div(a: Value, b: Value): Value {
    return this.binary("Div", a, b);
  }
  pow(a: Value, b: Value): Value {
    return this.one("Pow", [a, b], a.type, broadcastShapes(a.shape, b.shape));
  }
  /** Variadic sum (one node for any number of addends). */
  sum(values: Value[]): Value {
    if (values.length === 1) return values[0];
    const shape = values.slice(1).reduce<Dim[]>((s, v) => broadcastShapes(s, v.shape), [...values[0].shape]);
    return this.one("Sum", values, values[0].type, shape);
  }
  private unary(op: string, x: Value): Value {
    return this.one(op, [x], x.type, x.shape);
  }
  neg(x: Value): Value {
    return this.unary("Neg", x);
  }
  sqrt(x: Value): Value {
    return this.unary("Sqrt", x);
  }
  reciprocal(x: Value): Value {
    return this.unary("Reciprocal", x);
  }
  relu(x: Value): Value {
    return this.unary("Relu", x);
  }
  exp(x: Value): Value {
    return this.unary("Exp", x);
  }
  sigmoid(x: Value): Value {
    return this.unary("Sigmoid", x);
  }
  softplus(x: Value): Value {
    return this.unary("Softplus", x);
  }
  greater(a: Value, b: Value): Value {
    return this.one("Greater", [a, b], "bool", broadcastShapes(a.shape, b.shape));
  }
  cast(x: Value, to: ElemType): Value {
    const code = { float: 1, int32: 6, int64: 7, bool: 9 }[to];
    return this.one("Cast", [x], to, x.shape, { to: { i: code } });
  }

  // --- reductions -----------------------------------------------------------------------------
  private reducedShape(x: Value, axes: readonly number[], keepdims: boolean): Dim[] {
    const rank = x.shape.length;
    const norm = axes.map((a) => (a < 0 ? a + rank : a));
    return x.shape.flatMap((d, i) => (norm.includes(i) ? (keepdims ? [1] : []) : [d]));
  }
  /** ReduceSum takes axes as an input since opset 13. */
  reduceSum(x: Value, axes: readonly number[], keepdims = true): Value {
    return this.one("ReduceSum", [x, this.g.ints(axes)], x.type, this.reducedShape(x, axes, keepdims), { keepdims: { i: keepdims ? 1 : 0 } });
  }
  // --- shape ----------------------------------------------------------------------------------
  /** Reshape with ONNX semantics for 0 (copy the input's dim) and -1 (infer). */
  reshape(x: Value, target: readonly number[]): Value {
    const out: Dim[] = target.map((t, i) => (t === 0 ? x.shape[i] : t));
    const minus = out.indexOf(-1);
    if (minus >= 0) {
      const known = out.filter((d, i) => i !== minus);
      if (known.some((d) => typeof d !== "number") || x.shape.some((d) => typeof d !== "number")) {
        throw new Error(`reshape: cannot infer -1 with symbolic dims ([${x.shape}] -> [${target}])`);
      }
      out[minus] = numel(x.shape) / numel(known);
    }
    if (out.every((d) => typeof d === "number") && x.shape.every((d) => typeof d === "number") && numel(out) !== numel(x.shape)) {
      throw new Error(`reshape: [${x.shape}] has ${numel(x.shape)} elements, target [${out}] has ${numel(out)}`);
    }
    if (sameShape(out, x.shape)) return x;
    return this.one("Reshape", [x, this.g.ints(target)], x.type, out);
  }
  transpose(x: Value, perm: readonly number[]): Value {
    return this.one("Transpose", [x], x.type, perm.map((p) => x.shape[p]), { perm: { ints: perm } });
  }
  expand(x: Value, shape: readonly number[]): Value {
    return this.one("Expand", [x, this.g.ints(shape)], x.type, broadcastShapes(x.shape, shape));
  }
  concat(values: Value[], axis: number): Value {
    if (values.length === 1) return values[0];
    const shape = [...values[0].shape];
    shape[axis] = values.reduce((sum, v) => sum + (v.shape[axis] as number), 0);
    return this.one("Concat", values, values[0].type, shape, { axis: { i: axis } });
  }
  /** Equal parts along `axis` (one node, one copy); a single part is the input itself. */
  split(x: Value, axis: number, parts: number): Value[] {
    if (parts === 1) return [x];
    const size = x.shape[axis] as number;
    if (size % parts !== 0) throw new Error(`split: ${size} is not divisible into ${parts} parts`);
    const shape = x.shape.map((d, i) => (i === axis ? size / parts : d));
    return this.g.node("Split", [x, this.g.ints(new Array(parts).fill(size / parts))], new Array(parts).fill({ type: x.type, shape }), { axis: { i: axis } });
  }
  /** Constant-mode Pad; `pads` = [begin_0..begin_r, end_0..end_r]. */
  pad(x: Value, pads: readonly number[]): Value {
    const r = x.shape.length;
    const shape = x.shape.map((d, i) => {
      if (typeof d === "number") return d + pads[i] + pads[i + r];
      if (pads[i] !== 0 || pads[i + r] !== 0) throw new Error(`pad: cannot pad the symbolic dim ${d}`);
      return d;
    });
    return this.one("Pad", [x, this.g.ints(pads)], x.type, shape);
  }
  /** Slice with positive steps (default 1). */
  slice(x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      shape[a] = Math.ceil((ends[i] - starts[i]) / (steps?.[i] ?? 1));
    });
    const inputs = [x, this.g.ints(starts), this.g.ints(ends), this.g.ints(axes)];
    if (steps) inputs.push(this.g.ints(steps));
    return this.one("Slice", inputs, x.type, shape);
  }
  gather(data: Value, indices: Value, axis: number): Value {
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    return this.one("Gather", [data, indices], data.type, shape, { axis: { i: axis } });
  }
  /**
   * GatherElements: output[i] = data[indices[i]] along `axis`. For gathering
   * single elements ONNX Runtime's GatherElements is about 5x faster than its
   * Gather, which copies each element with its own memcpy.
   */
  gatherElements(data: Value, indices: Value, axis: number): Value {
    return this.one("GatherElements", [data, indices], data.type, indices.shape, { axis: { i: axis } });
  }
  scatterElementsAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
    return this.one("ScatterElements", [data, indices, updates], data.type, data.shape, { axis: { i: axis }, reduction: { s: "add" } });
  }
  oneHot(indices: Value, depth: number): Value {
    const values = this.g.cachedConstant("onehot-values", () => this.g.constant(Float32Array.from([0, 1]), "float", [2], "onehot_values"));
    return this.one("OneHot", [indices, this.g.ints([depth]), values], "float", [...indices.shape, depth], { axis: { i: -1 } });
  }

  // --- linear algebra -------------------------------------------------------------------------
  matmul(a: Value, b: Value): Value {
    const m = a.shape[a.shape.length - 2];
    const n = b.shape[b.shape.length - 1];
    if (a.shape[a.shape.length - 1] !== b.shape[b.shape.length - 2]) {
      throw new Error(`matmul: [${a.shape}] x [${b.shape}] inner dims differ`);
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return this.one("MatMul", [a, b], a.type, [...batch, m, n]);
  }
  gemm(a: Value, b: Value, c: Value | null, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
    const m = opts.transA ? a.shape[1] : a.shape[0];
    const k = opts.transA ? a.shape[0] : a.shape[1];
    const kb = opts.transB ? b.shape[1] : b.shape[0];
    const n = opts.transB ? b.shape[0] : b.shape[1];
    if (k !== kb) throw new Error(`gemm: inner dims ${k} and ${kb} differ`);
    const attrs: Record<string, Attr> = {};
    if (opts.transA) attrs.transA = { i: 1 };
    if (opts.transB) attrs.transB = { i: 1 };
    if (opts.alpha !== undefined) attrs.alpha = { f: opts.alpha };
    if (opts.beta !== undefined) attrs.beta = { f: opts.beta };
    return this.one("Gemm", c ? [a, b, c] : [a, b], a.type, [m, n], attrs);
  }

  // --- neural network -------------------------------------------------------------------------
  private convAttrs(geo: ConvGeometry): Record<string, Attr> {
    return { kernel_shape: { ints: geo.kernel }, strides: { ints: geo.strides }, pads: { ints: geo.pads } };
  }
  private convOut(x: Value, outChannels: number, geo: ConvGeometry): Dim[] {
    const [h, w] = [x.shape[2] as number, x.shape[3] as number];
    return [
      x.shape[0],
      outChannels,
      convOutSize(h, geo.kernel[0], geo.strides[0], geo.pads[0], geo.pads[2]),
      convOutSize(w, geo.kernel[1], geo.strides[1], geo.pads[1], geo.pads[3]),
    ];
  }
  conv(x: Value, w: Value, bias: Value | null, geo: ConvGeometry): Value {
    return this.one("Conv", bias ? [x, w, bias] : [x, w], "float", this.convOut(x, w.shape[0] as number, geo), this.convAttrs(geo));
  }
  convTranspose(dy: Value, w: Value, geo: ConvGeometry, outputPadding: [number, number]): Value {
    const [ho, wo] = [dy.shape[2] as number, dy.shape[3] as number];
    const out = (i: number, size: number) => geo.strides[i] * (size - 1) + outputPadding[i] + geo.kernel[i] - geo.pads[i] - geo.pads[i + 2];
    const attrs = { ...this.convAttrs(geo), output_padding: { ints: outputPadding } };
    return this.one("ConvTranspose", [dy, w], "float", [dy.shape[0], w.shape[1], out(0, ho), out(1, wo)], attrs);
  }
  maxPoolWithIndices(x: Value, geo: ConvGeometry): [Value, Value] {
    const shape = this.convOut(x, x.shape[1] as number, geo);
    const [y, idx] = this.g.node("MaxPool", [x], [{ type: "float", shape }, { type: "int64", shape }], this.convAttrs(geo));
    return [y, idx];
  }
  maxPool(x: Value, geo: ConvGeometry): Value {
    return this.one("MaxPool", [x], "float", this.convOut(x, x.shape[1] as number, geo), this.convAttrs(geo));
  }
  globalAveragePool(x: Value): Value {
    return this.one("GlobalAveragePool", [x], "float", [x.shape[0], x.shape[1], 1, 1]);
  }
  flatten(x: Value): Value {
    const rest = x.shape.slice(1).reduce<number>((a, d) => a * (d as number), 1);
    return this.one("Flatten", [x], x.type, [x.shape[0], rest], { axis: { i: 1 } });
  }
  softmax(x: Value): Value {
    return this.one("Softmax", [x], x.type, x.shape, { axis: { i: -1 } });
  }
  logSoftmax(x: Value): Value {
    return this.one("LogSoftmax", [x], x.type, x.shape, { axis: { i: -1 } });
  }

  // --- ONNX Runtime's blocked-layout ops (com.microsoft.nchwc) ----------------------------------
  /**
   * NCHWc convolution. `x` is blocked [N, Cp, H, W] (or plain NCHW when it has
   * fewer channels than a block); `w` is already in the blocked filter format
   * the kernel expects (OIHWBiBo, or OIHWBo for plain-NCHW input). `sum`, when
   * given, is accumulated into (the kernel's Conv/Sum fusion).
   */
  nchwcConv(x: Value, w: Value, geo: ConvGeometry, sum: Value | null = null, activation?: "Relu"): Value {
    const attrs = this.convAttrs(geo);
    if (activation) attrs.activation = { s: activation };
    const inputs = sum ? [x, w, null, sum] : [x, w];
    return this.one("Conv", inputs, "float", this.convOut(x, w.shape[0] as number, geo), attrs, NCHWC_DOMAIN);
  }
  reorderInput(x: Value, block: number): Value {
    const c = x.shape[1] as number;
    return this.one("ReorderInput", [x], "float", [x.shape[0], Math.ceil(c / block) * block, ...x.shape.slice(2)], {}, NCHWC_DOMAIN);
  }
  reorderOutput(x: Value, channels: number): Value {
    return this.one("ReorderOutput", [x], "float", [x.shape[0], channels, ...x.shape.slice(2)], { channels: { i: channels } }, NCHWC_DOMAIN);
  }
  nchwcGlobalAveragePool(x: Value): Value {
    return this.one("GlobalAveragePool", [x], "float", [x.shape[0], x.shape[1], 1, 1], {}, NCHWC_DOMAIN);
  }
  nchwcMaxPool(x: Value, geo: ConvGeometry): Value {
    return this.one("MaxPool", [x], "float", this.convOut(x, x.shape[1] as number, geo), this.convAttrs(geo), NCHWC_DOMAIN);
  }
}

export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
