/**
 * A network as a list of layers over named values, in forward order. The
 * ResNets are built as such lists (resnet.ts); tests build small ones by hand.
 * Graph generators (training, evaluation, export) all walk this one list.
 */
import { convOutSize } from "../graph/ops";

export type NetNode =
  | { op: "conv"; name: string; input: string; output: string; cin: number; cout: number; k: number; stride: number; pad: number }
  | { op: "bn"; name: string; input: string; output: string; c: number; relu: boolean }
  | { op: "maxpool"; input: string; output: string; k: number; stride: number; pad: number }
  | { op: "add"; a: string; b: string; output: string; relu: boolean }
  | { op: "gap"; input: string; output: string }
  | { op: "fc"; name: string; input: string; output: string; cin: number; cout: number };

/** The value the first layer reads: the normalised image. */
export const IMAGE = "image";

export interface NetSpec {
  /** [channels, height, width] of the input images. */
  imageShape: [number, number, number];
  numClasses: number;
  nodes: NetNode[];
  /** Name of the logits value ([N, numClasses]). */
  output: string;
}

export type ParamKind = "conv" | "gamma" | "beta" | "mean" | "var" | "fc_weight" | "fc_bias";

export interface ParamInfo {
  name: string;
  kind: ParamKind;
  /** Standard layout shape: conv OIHW, BN vectors [C], FC weight [out, in], bias [out]. */
  shape: number[];
  /** Updated by the optimizer (BN running statistics are not). */
  trainable: boolean;
  /**
   * Weight decay applies, as in MXNet's default (`wd_mult` 0 for every
   * parameter not named *_weight or *_gamma): conv and FC weights and BN gamma
   * decay; FC bias and BN beta do not.
   */
  decay: boolean;
}

export function paramsOf(spec: NetSpec): ParamInfo[] {
  const out: ParamInfo[] = [];
  for (const n of spec.nodes) {
    if (n.op === "conv") {
      out.push({ name: `${n.name}.weight`, kind: "conv", shape: [n.cout, n.cin, n.k, n.k], trainable: true, decay: true });
    } else if (n.op === "bn") {
      out.push({ name: `${n.name}.gamma`, kind: "gamma", shape: [n.c], trainable: true, decay: true });
      out.push({ name: `${n.name}.beta`, kind: "beta", shape: [n.c], trainable: true, decay: false });
      out.push({ name: `${n.name}.running_mean`, kind: "mean", shape: [n.c], trainable: false, decay: false });
      out.push({ name: `${n.name}.running_var`, kind: "var", shape: [n.c], trainable: false, decay: false });
    } else if (n.op === "fc") {
      out.push({ name: `${n.name}.weight`, kind: "fc_weight", shape: [n.cout, n.cin], trainable: true, decay: true });
      out.push({ name: `${n.name}.bias`, kind: "fc_bias", shape: [n.cout], trainable: true, decay: false });
    }
  }
  return out;
}

/** [C, H, W] (or [F] after pooling) of every value; throws naming the layer that does not fit. */
export function shapesOf(spec: NetSpec): Map<string, number[]> {
  const shapes = new Map<string, number[]>([[IMAGE, [...spec.imageShape]]]);
  const get = (name: string, by: string) => {
    const s = shapes.get(name);
    if (!s) throw new Error(`network: layer ${by} reads ${name}, which no earlier layer produces`);
    return s;
  };
  const set = (name: string, s: number[]) => {
    if (shapes.has(name)) throw new Error(`network: value ${name} is produced twice`);
    shapes.set(name, s);
  };
  const window = (what: string, [c, h, w]: number[], k: number, stride: number, pad: number, cout: number) => {
    try {
      return [cout, convOutSize(h, k, stride, pad, pad), convOutSize(w, k, stride, pad, pad)];
    } catch {
      throw new Error(
        `network: ${what} (${k}x${k}, stride ${stride}, pad ${pad}) does not fit its ${c}x${h}x${w} input; the image shape ${spec.imageShape.join("x")} is too small for this network`,
      );
    }
  };
  for (const n of spec.nodes) {
    if (n.op === "conv") {
      const s = get(n.input, n.name);
      if (s[0] !== n.cin) throw new Error(`network: ${n.name} expects ${n.cin} input channels, ${n.input} has ${s[0]}`);
      set(n.output, window(n.name, s, n.k, n.stride, n.pad, n.cout));
    } else if (n.op === "bn") {
      const s = get(n.input, n.name);
      if (s[0] !== n.c) throw new Error(`network: ${n.name} expects ${n.c} channels, ${n.input} has ${s[0]}`);
      set(n.output, s);
    } else if (n.op === "maxpool") {
      const s = get(n.input, n.output);
      set(n.output, window(`max-pool ${n.output}`, s, n.k, n.stride, n.pad, s[0]));
    } else if (n.op === "add") {
      const a = get(n.a, n.output);
      const b = get(n.b, n.output);
      if (a.join() !== b.join()) throw new Error(`network: ${n.output} adds ${n.a} [${a}] and ${n.b} [${b}] of different shapes`);
      set(n.output, a);
    } else if (n.op === "gap") {
      set(n.output, [get(n.input, n.output)[0]]);
    } else {
      const s = get(n.input, n.name);
      if (s.length !== 1 || s[0] !== n.cin) throw new Error(`network: ${n.name} expects ${n.cin} features, ${n.input} has [${s}]`);
      set(n.output, [n.cout]);
    }
  }
  const logits = get(spec.output, "output");
  if (logits.length !== 1 || logits[0] !== spec.numClasses) throw new Error(`network: output ${spec.output} has shape [${logits}], expected [${spec.numClasses}]`);
  return shapes;
}
