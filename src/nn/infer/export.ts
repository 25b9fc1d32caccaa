/**
 * The standard inference model: standard ONNX ops only (opset 17), weights as
 * constants in the standard layout, input "data" [N, C, H, W] pixels in
 * [0, 255] with a symbolic batch dimension, output "probabilities". Each BN is
 * folded into the conv before it (w' = w*s, bias = beta - mean*s with
 * s = gamma/sqrt(var+eps)), so the model is conv/relu/pool/add/gemm; ONNX
 * Runtime's own optimiser then runs the convs in its blocked kernels.
 */
import type { ModelWeights } from "../api";
import { GraphBuilder, type Value } from "../graph/builder";
import { BN_EPS } from "../layers/batchnorm";
import { Ctx } from "../layers/context";
import { normalizePixels } from "../layers/input";
import { PORTABLE } from "../layout";
import { buildResNet } from "../net/resnet";
import { IMAGE, type NetNode } from "../net/spec";
import { checkWeights } from "../net/weights";

export const INPUT_NAME = "data";
export const OUTPUT_NAME = "probabilities";

export function exportInferenceModel(weights: ModelWeights): Uint8Array {
  if (!weights || typeof weights !== "object" || !weights.arch || !weights.tensors) {
    throw new Error("exportInferenceModel: expected { arch, tensors } as returned by Trainer.weights()");
  }
  const spec = buildResNet(weights.arch);
  checkWeights(spec, weights, "exportInferenceModel");
  const t = (name: string) => weights.tensors[name];
  const g = new GraphBuilder("resnet_inference");
  const ctx = new Ctx(g, PORTABLE, "N");
  const { o } = ctx;
  const [c, h, w] = spec.imageShape;
  const data = g.input(INPUT_NAME, "float", ["N", c, h, w]);
  const values = new Map<string, Value>([[IMAGE, normalizePixels(ctx, data, c)]]);
  const get = (name: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`internal: ${name} not computed`);
    return v;
  };
  const readers = new Map<string, number>();
  for (const n of spec.nodes) for (const v of n.op === "add" ? [n.a, n.b] : [n.input]) readers.set(v, (readers.get(v) ?? 0) + 1);

  const nodes = spec.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const next: NetNode | undefined = nodes[i + 1];
    if (n.op === "conv") {
      const wt = t(`${n.name}.weight`);
      const geo = { kernel: [n.k, n.k] as [number, number], strides: [n.stride, n.stride] as [number, number], pads: [n.pad, n.pad, n.pad, n.pad] as [number, number, number, number] };
      if (next?.op === "bn" && next.input === n.output && readers.get(n.output) === 1) {
        const folded = foldBn(wt.data, n.cout, t(`${next.name}.gamma`).data, t(`${next.name}.beta`).data, t(`${next.name}.running_mean`).data, t(`${next.name}.running_var`).data);
        const wv = g.constant(folded.w, "float", wt.shape, `${n.name}.weight`);
        const bv = g.constant(folded.b, "float", [n.cout], `${n.name}.bias`);
        let y = o.conv(get(n.input), wv, bv, geo);
        if (next.relu) y = o.relu(y);
        values.set(next.output, y);
        i++;
      } else {
        values.set(n.output, o.conv(get(n.input), g.constant(wt.data.slice(), "float", wt.shape, `${n.name}.weight`), null, geo));
      }
    } else if (n.op === "bn") {
      const vec = (suffix: string) => g.constant(t(`${n.name}.${suffix}`).data.slice(), "float", [n.c], `${n.name}.${suffix}`);
      let y = g.node("BatchNormalization", [get(n.input), vec("gamma"), vec("beta"), vec("running_mean"), vec("running_var")], [{ type: "float", shape: get(n.input).shape }], {
        epsilon: { f: BN_EPS },
      })[0];
      if (n.relu) y = o.relu(y);
      values.set(n.output, y);
    } else if (n.op === "maxpool") {
      values.set(n.output, o.maxPool(get(n.input), { kernel: [n.k, n.k], strides: [n.stride, n.stride], pads: [n.pad, n.pad, n.pad, n.pad] }));
    } else if (n.op === "add") {
      const y = o.add(get(n.a), get(n.b));
      values.set(n.output, n.relu ? o.relu(y) : y);
    } else if (n.op === "gap") {
      values.set(n.output, o.flatten(o.globalAveragePool(get(n.input))));
    } else {
      const wv = g.constant(t(`${n.name}.weight`).data.slice(), "float", [n.cout, n.cin], `${n.name}.weight`);
      const bv = g.constant(t(`${n.name}.bias`).data.slice(), "float", [n.cout], `${n.name}.bias`);
      values.set(n.output, o.gemm(get(n.input), wv, bv, { transB: true }));
    }
  }
  const logits = get(spec.output);
  g.output(weights.arch.multiLabel ? o.sigmoid(logits) : o.softmax(logits), OUTPUT_NAME);
  return g.toModel();
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
