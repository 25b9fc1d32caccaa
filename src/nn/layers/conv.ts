/**
 * 2-D convolution without bias: forward, input gradient, weight gradient.
 *
 * Weight gradient: im2col as a Gather with constant indices, then a GEMM
 * contracting over batch and positions together, in three variants:
 * weightGradPlain (NCHW input: the portable path and the image conv, element
 * gathers), weightGradBlocked (narrow blocked layers: rows of b channel lanes)
 * and weightGradLaneMajor (wide blocked layers: whole image rows, so the GEMM
 * needs no transposed copy). Indices are int32, shared by every conv of the
 * same geometry; when an im2col matrix would exceed COL_BUDGET elements the
 * batch is processed in chunks whose gradients are summed, which bounds
 * memory for large images and keeps the blocks cache-sized.
 *
 * Input gradient: portable, ConvTranspose with the forward weights; fast, the
 * NCHWc conv itself on flipped, in/out-swapped weights (gathered from the
 * blocked weights in one GatherElements); with stride 2, 3x3 convs on even
 * sizes are split into four parity parts (inputGradPolyphase), others convolve
 * the gradient dilated with zeros (for 1x1 convs the dilation happens after
 * the conv, on fewer channels).
 *
 * Convs on maps smaller than their kernel run as GEMMs (conv-tiny-map.ts).
 */
import type { Value } from "../graph/builder";
import type { ConvGeometry } from "../graph/ops";
import { blockedWeightOffset, convWeightFormat } from "../layout";
import { actOf, type Act, type Ctx } from "./context";
import { tinyMapBackward, tinyMapForward } from "./conv-tiny-map";
import { im2colIndices, im2rowIndices, laneRowIndices } from "./im2col";

export interface ConvSpec {
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
}

/** Largest im2col matrix (elements) built at once; larger ones are split by batch chunks. */
export const COL_BUDGET = 1024 * 1024;

export function geometry(s: ConvSpec): ConvGeometry {
  return { kernel: [s.k, s.k], strides: [s.stride, s.stride], pads: [s.pad, s.pad, s.pad, s.pad] };
}

export function convForward(ctx: Ctx, x: Act, w: Value, s: ConvSpec): Act {
  if (convWeightFormat(x, s.k) === "gemm") return tinyMapForward(ctx, x, w, s);
  if (!ctx.fast) return actOf(ctx, ctx.o.conv(x.v, w, null, geometry(s)), s.cout);
  if (x.plain && x.c >= ctx.block) {
    throw new Error(`fast path: an image with ${x.c} channels needs fewer channels than the NCHWc block ${ctx.block}`);
  }
  return actOf(ctx, ctx.o.nchwcConv(x.v, w, geometry(s)), s.cout);
}

export interface ConvGrads {
  dx?: Act;
  dw: Value;
}

/**
 * `accumulate`: a gradient of the conv's input from elsewhere (e.g. the other
 * branch of a residual unit), summed into dx (inside the NCHWc kernel when it can).
 */
export function convBackward(ctx: Ctx, x: Act, w: Value, dy: Act, s: ConvSpec, opts: { inputGrad: boolean; accumulate?: Act }): ConvGrads {
  if (convWeightFormat(x, s.k) === "gemm") return tinyMapBackward(ctx, x, w, dy, s, opts);
  const dw = weightGrad(ctx, x, dy, s);
  if (!opts.inputGrad) return { dw };
  const dx = ctx.fast ? inputGradFast(ctx, x, w, dy, s, opts.accumulate) : inputGradPortable(ctx, x, w, dy, s, opts.accumulate);
  return { dx, dw };
}

function inputGradPortable(ctx: Ctx, x: Act, w: Value, dy: Act, s: ConvSpec, acc?: Act): Act {
  const out = (size: number, outSize: number) => size - ((outSize - 1) * s.stride - 2 * s.pad + s.k);
  const dx = actOf(ctx, ctx.o.convTranspose(dy.v, w, geometry(s), [out(x.h, dy.h), out(x.w, dy.w)]), s.cin);
  return acc ? { ...dx, v: ctx.o.add(dx.v, acc.v) } : dx;
}

function inputGradFast(ctx: Ctx, x: Act, w: Value, dy: Act, s: ConvSpec, acc?: Act): Act {
  const { o } = ctx;
  if (x.plain) throw new Error("internal: no input gradient for a conv reading the image");
  if (s.stride === 2 && s.k === 3 && s.pad === 1 && x.h === 2 * dy.h && x.w === 2 * dy.w) return inputGradPolyphase(ctx, w, dy, s, acc);
  const all = Array.from({ length: s.k }, (_, i) => i);
  const wt = transposedWeights(ctx, w, s, all, all);
  const sum = acc ? acc.v : null;
  const full = s.k - 1 - s.pad;
  if (s.stride === 1) {
    return actOf(ctx, o.nchwcConv(dy.v, wt, { kernel: [s.k, s.k], strides: [1, 1], pads: [full, full, full, full] }, sum), s.cin);
  }
  if (s.k === 1 && s.pad === 0) {
    const z = actOf(ctx, o.nchwcConv(dy.v, wt, { kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] }), s.cin);
    const dx = cropTo(ctx, dilate(ctx, z, s.stride), x.h, x.w);
    return acc ? { ...dx, v: o.add(dx.v, acc.v) } : dx;
  }
  const d = dilate(ctx, dy, s.stride);
  // Transposed-conv padding: k-1-p before; after, whatever makes the output H x W again.
  const endH = x.h - d.h - full + s.k - 1;
  const endW = x.w - d.w - full + s.k - 1;
  if (endH < 0 || endW < 0) throw new Error("internal: negative transposed-conv padding");
  return actOf(ctx, o.nchwcConv(d.v, wt, { kernel: [s.k, s.k], strides: [1, 1], pads: [full, full, endH, endW] }, sum), s.cin);
}

/** Zero-dilates a blocked activation: [N, C, H, W] -> [N, C, sH, sW] with the values at multiples of s. */
function dilate(ctx: Ctx, a: Act, stride: number): Act {
  const { o } = ctx;
  const b = ctx.block;
  const rows = o.reshape(a.v, [-1, 1, a.w, 1, b]);
  const padded = o.pad(rows, [0, 0, 0, 0, 0, 0, stride - 1, 0, stride - 1, 0]);
  return actOf(ctx, o.reshape(padded, [ctx.n, a.c, a.h * stride, a.w * stride]), a.c);
}

/** Crops a blocked activation's bottom/right edge (slicing the [N, C/b, H, W, b] view). */
function cropTo(ctx: Ctx, a: Act, h: number, w: number): Act {
  if (a.h === h && a.w === w) return a;
  const { o } = ctx;
  const view = o.reshape(a.v, [ctx.n, a.c / ctx.block, a.h, a.w, ctx.block]);
  return actOf(ctx, o.reshape(o.slice(view, [0, 0], [h, w], [2, 3]), [ctx.n, a.c, h, w]), a.c);
}

/**
 * Weights of the transposed conv [Cin, Cout, |rows|, |cols|] in OIHWBiBo,
 * gathered (one GatherElements) from the blocked forward weights: the kernel
 * flipped and in/out swapped, keeping only the flipped taps `rows` x `cols`
 * (all of them for the plain transposed conv, a subset for one polyphase part).
 */
function transposedWeights(ctx: Ctx, w: Value, s: ConvSpec, rows: number[], cols: number[]): Value {
  const { g, o } = ctx;
  const b = ctx.block;
  const idx = g.cachedConstant(`flip:${s.cout}:${s.cin}:${s.k}:${b}:${rows}:${cols}`, () => {
    const data = new Int32Array(s.cout * s.cin * rows.length * cols.length);
    const oBlocks = s.cout / b;
    for (let c = 0; c < s.cin; c++) {
      for (let oc = 0; oc < s.cout; oc++) {
        rows.forEach((kh, i) => {
          cols.forEach((kw, j) => {
            const dest = (((((Math.floor(c / b) * oBlocks + Math.floor(oc / b)) * rows.length + i) * cols.length + j) * b + (oc % b)) * b) + (c % b);
            data[dest] = blockedWeightOffset(oc, c, s.k - 1 - kh, s.k - 1 - kw, s.cin, s.k, b, false);
          });
        });
      }
    }
    return g.constant(data, "int32", [data.length], "flip_idx");
  });
  return o.reshape(o.gatherElements(o.reshape(w, [-1]), idx, 0), [s.cin, s.cout, rows.length, cols.length]);
}

/**
 * Input gradient of a 3x3 stride-2 pad-1 conv on an even-sized input, split
 * by output parity instead of convolving the zero-dilated gradient (which
 * spends 3/4 of its work on zeros): dx[2m+a, 2q+c] only meets the flipped
 * taps {1} (a = 0) or {0, 2} (a = 1) of each axis, so each of the four parts
 * is a small stride-1 conv of dY. The parts are interleaved back by two
 * Concats of b-float rows.
 */
function inputGradPolyphase(ctx: Ctx, w: Value, dy: Act, s: ConvSpec, acc?: Act): Act {
  const { o } = ctx;
  const b = ctx.block;
  const taps = [[1], [0, 2]];
  const part = (a: number, c: number) =>
    o.nchwcConv(dy.v, transposedWeights(ctx, w, s, taps[a], taps[c]), { kernel: [taps[a].length, taps[c].length], strides: [1, 1], pads: [0, 0, a, c] });
  const rowsOf = (a: number) => {
    const even = o.reshape(part(a, 0), [-1, dy.w, 1, b]);
    const odd = o.reshape(part(a, 1), [-1, dy.w, 1, b]);
    return o.reshape(o.concat([even, odd], 2), [-1, 1, 2 * dy.w * b]);
  };
  const dx = o.reshape(o.concat([rowsOf(0), rowsOf(1)], 1), [ctx.n, s.cin, 2 * dy.h, 2 * dy.w]);
  return actOf(ctx, acc ? o.add(dx, acc.v) : dx, s.cin);
}

/**
 * dW[o, (c,kh,kw)] = sum over (n, ho, wo) of dY[n, o, ho, wo] * Xpad[n, c, ho*s+kh-p, wo*s+kw-p].
 */
function weightGrad(ctx: Ctx, x: Act, dy: Act, s: ConvSpec): Value {
  if (!ctx.fast || x.plain) return weightGradPlain(ctx, x, dy, s);
  return dy.w >= LANE_MAJOR_MIN_WIDTH ? weightGradLaneMajor(ctx, x, dy, s) : weightGradBlocked(ctx, x, dy, s);
}

/** Output width from which im2col gathers whole image rows (weightGradLaneMajor) rather than pixels. */
export const LANE_MAJOR_MIN_WIDTH = 16;

/**
 * NCHW input: col [K, NP] gathered element by element (K = c, kh, kw), then
 * portable: Gemm(dY^T as [O, NP], col, transB) -> [O, K] = OIHW;
 * fast (the image conv): MatMul(col, dY as [O/b, NP, b]) -> [O/b, K, b] = OIHWBo.
 */
function weightGradPlain(ctx: Ctx, x: Act, dy: Act, s: ConvSpec): Value {
  const { g, o } = ctx;
  const n = ctx.n;
  const b = ctx.block;
  const p = dy.h * dy.w;
  const kSize = s.cin * s.k * s.k;
  const perSample = x.c * x.h * x.w;
  // One zero slot after each sample's data: the target of every out-of-image tap.
  const x2 = o.pad(o.reshape(x.v, [n, perSample]), [0, 0, 0, 1]);
  const chunk = chunkSize(n, kSize * p);
  const dyT = o.transpose(o.reshape(dy.v, [n, s.cout / b, p * b]), [1, 0, 2]);
  const geo = { c: x.c, h: x.h, w: x.w, ho: dy.h, wo: dy.w, k: s.k, stride: s.stride, pad: s.pad };
  const idx = g.cachedConstant(`im2col:${JSON.stringify(geo)}:${chunk}`, () =>
    g.constant(im2colIndices(geo, chunk), "int32", [kSize * chunk * p], "im2col_idx"),
  );
  let acc: Value | null = null;
  const parts: Value[] = [];
  const xChunks = o.split(x2, 0, n / chunk);
  const dyChunks = o.split(dyT, 1, n / chunk);
  for (let i = 0; i < n / chunk; i++) {
    const col = o.reshape(o.gatherElements(o.reshape(xChunks[i], [-1]), idx, 0), [kSize, chunk * p]);
    if (ctx.fast) parts.push(o.matmul(col, o.reshape(dyChunks[i], [s.cout / b, chunk * p, b])));
    else acc = o.gemm(o.reshape(dyChunks[i], [s.cout, chunk * p]), col, acc, { transB: true });
  }
  return o.reshape(ctx.fast ? o.sum(parts) : (acc as Value), [s.cout, s.cin, s.k, s.k]);
}

/**
 * Blocked input: the b channel lanes of one pixel are contiguous, so im2col
 * gathers whole rows of b floats: col [NP, K] with K = (c-block, kh, kw, lane).
 * One Gemm(col^T, dY as [NP, O]) gives [K, O]; moving the output-channel
 * blocks out (rows of b floats) turns it into [O/b, K, b], which is exactly
 * the OIHWBiBo weight format.
 */
function weightGradBlocked(ctx: Ctx, x: Act, dy: Act, s: ConvSpec): Value {
  const { g, o } = ctx;
  const n = ctx.n;
  const b = ctx.block;
  const p = dy.h * dy.w;
  const outer = (s.cin / b) * s.k * s.k;
  const rowsPerSample = (x.c / b) * x.h * x.w;
  // One zero row after each sample's rows: the target of every out-of-image tap.
  const x3 = o.pad(o.reshape(x.v, [n, rowsPerSample, b]), [0, 0, 0, 0, 1, 0]);
  const chunk = chunkSize(n, outer * b * p);
  // dY as [NP, O]: output-channel blocks moved next to their lanes (rows of b floats).
  const dyM = o.reshape(o.transpose(o.reshape(dy.v, [n, s.cout / b, p, b]), [0, 2, 1, 3]), [n * p, s.cout]);
  const geo = { c: x.c / b, h: x.h, w: x.w, ho: dy.h, wo: dy.w, k: s.k, stride: s.stride, pad: s.pad };
  const idx = g.cachedConstant(`im2row:${JSON.stringify(geo)}:${chunk}`, () =>
    g.constant(im2rowIndices(geo, chunk), "int32", [chunk * p, outer], "im2row_idx"),
  );
  let acc: Value | null = null;
  const xChunks = o.split(x3, 0, n / chunk);
  const dyChunks = o.split(dyM, 0, n / chunk);
  for (let i = 0; i < n / chunk; i++) {
    const col = o.reshape(o.gather(o.reshape(xChunks[i], [-1, b]), idx, 0), [chunk * p, outer * b]);
    acc = o.gemm(col, dyChunks[i], acc, { transA: true });
  }
  const blocked = o.transpose(o.reshape(acc as Value, [outer * b, s.cout / b, b]), [1, 0, 2]);
  return o.reshape(blocked, [s.cout, s.cin, s.k, s.k]);
}

/**
 * Wide layers: im2col^T [K, NP] built from whole image rows, so the GEMM reads
 * it as is (no transposed copy of the largest operand, which dominates the
 * blocked variant on early layers). X goes back to NCHW once (ONNX Runtime's
 * vectorised ReorderOutput) and is zero-padded; a Gather of whole rows builds
 * col^T [(c-block, kh, lane), NP]. The kernel columns kw are then handled
 * without copying X again:
 * - stride 1: the gathered rows keep their full padded width W', and each kw
 *   multiplies them with dY shifted right by kw on a W'-wide grid (zeros
 *   elsewhere), so one col^T (a third of the full im2col) serves all kw;
 * - stride 2: one strided Slice of X per kw, then rows of exactly Wo.
 * Gemm(col^T, dY as [NP, O]) per kw gives [kw, c-block, kh, lane, O], and one
 * move of b-float rows turns that into OIHWBiBo.
 */
function weightGradLaneMajor(ctx: Ctx, x: Act, dy: Act, s: ConvSpec): Value {
  const { g, o } = ctx;
  const n = ctx.n;
  const b = ctx.block;
  const cb = x.c / b;
  const p = dy.h * dy.w;
  const rowsPerKw = cb * s.k * b;
  const hp = x.h + 2 * s.pad;
  const wp = x.w + 2 * s.pad;
  const nchw = o.pad(o.reorderOutput(x.v, x.c), [0, 0, s.pad, s.pad, 0, 0, s.pad, s.pad]);
  const dyM = o.reshape(o.transpose(o.reshape(dy.v, [n, s.cout / b, p, b]), [0, 2, 1, 3]), [n * p, s.cout]);
  const rowWidth = s.stride === 1 ? wp : dy.w;
  const chunk = chunkSize(n, rowsPerKw * dy.h * rowWidth);
  const chunks = n / chunk;
  const indices = (i: number) => {
    const geo = { cb, b, n, hp, ho: dy.h, k: s.k, stride: s.stride, first: i * chunk, chunk };
    return g.cachedConstant(`lanerows:${JSON.stringify(geo)}`, () => g.constant(laneRowIndices(geo), "int32", [rowsPerKw, chunk * dy.h], "lanerow_idx"));
  };
  const acc: (Value | null)[] = new Array(s.k).fill(null);
  if (s.stride === 1) {
    const rows = o.reshape(nchw, [n * x.c * hp, wp]);
    const dyGrid = o.reshape(dyM, [n, dy.h, dy.w, s.cout]);
    const shifted = Array.from({ length: s.k }, (_, kw) =>
      o.split(o.reshape(o.pad(dyGrid, [0, 0, kw, 0, 0, 0, wp - dy.w - kw, 0]), [n * dy.h * wp, s.cout]), 0, chunks),
    );
    for (let i = 0; i < chunks; i++) {
      const colT = o.reshape(o.gather(rows, indices(i), 0), [rowsPerKw, chunk * dy.h * wp]);
      for (let kw = 0; kw < s.k; kw++) acc[kw] = o.gemm(colT, shifted[kw][i], acc[kw]);
    }
  } else {
    const dyChunks = o.split(dyM, 0, chunks);
    for (let kw = 0; kw < s.k; kw++) {
      const cols = o.slice(nchw, [kw], [kw + s.stride * (dy.w - 1) + 1], [3], [s.stride]);
      const rows = o.reshape(cols, [n * x.c * hp, dy.w]);
      for (let i = 0; i < chunks; i++) {
        const colT = o.reshape(o.gather(rows, indices(i), 0), [rowsPerKw, chunk * p]);
        acc[kw] = o.gemm(colT, dyChunks[i], acc[kw]);
      }
    }
  }
  // [kw, c-block, kh, lane, O/b, b] -> [O/b, c-block, kh, kw, lane, b]
  const stacked = o.reshape(o.concat(acc as Value[], 0), [s.k, cb, s.k, b, s.cout / b, b]);
  return o.reshape(o.transpose(stacked, [4, 1, 2, 0, 3, 5]), [s.cout, s.cin, s.k, s.k]);
}

/** Largest divisor of the batch whose im2col matrix fits COL_BUDGET. */
function chunkSize(n: number, perSample: number): number {
  for (let c = n; c > 1; c--) if (n % c === 0 && c * perSample <= COL_BUDGET) return c;
  return 1;
}
