/**
 * How each network parameter is held inside the engine's graphs: with its
 * standard shape, and its data converted to and from the standard layout (in
 * JS, only when weights enter or leave the engine).
 */
import { convWeightFromLayout, convWeightToLayout, type Layout } from "../layout";
import { IMAGE, type NetSpec, type ParamInfo } from "./spec";

/** Convs that read the image itself: plain NCHW input (OIHWBo weights on the fast path). */
export function imageConvs(spec: NetSpec): Set<string> {
  const names = new Set<string>();
  for (const n of spec.nodes) if (n.op === "conv" && n.input === IMAGE) names.add(`${n.name}.weight`);
  return names;
}

export function toGraphLayout(p: ParamInfo, data: Float32Array, layout: Layout, imageConv: boolean): Float32Array {
  if (p.kind !== "conv") return data.slice();
  const [o, i, k] = p.shape;
  return convWeightToLayout(layout, data, o, i, k, imageConv);
}

export function fromGraphLayout(p: ParamInfo, data: Float32Array, layout: Layout, imageConv: boolean): Float32Array {
  if (p.kind !== "conv") return data.slice();
  const [o, i, k] = p.shape;
  return convWeightFromLayout(layout, data, o, i, k, imageConv);
}
