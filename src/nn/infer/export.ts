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
import { normalizePixels } from "../layers/input";
import { buildResNet } from "../net/resnet";
import { IMAGE } from "../net/spec";
import { checkWeights } from "../net/weights";
import { Emitter, type Tensor } from "./emitter";

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
