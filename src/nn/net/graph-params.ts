/**
 * How each network parameter is held inside the engine's graphs: with its
 * standard shape, and its data converted to and from the standard layout (in
 * JS, only when weights enter or leave the engine).
 */
import { convWeightFormat, convWeightFromLayout, convWeightToLayout, type ConvWeightFormat, type Layout } from "../layout";
import { IMAGE, shapesOf, type NetSpec, type ParamInfo } from "./spec";

/** The fast path's weight format of every conv weight, by parameter name (see layout.ts). */
export function convFormats(spec: NetSpec): Map<string, ConvWeightFormat> {
  const shapes = shapesOf(spec);
  const formats = new Map<string, ConvWeightFormat>();
  for (const n of spec.nodes) {
    if (n.op !== "conv") continue;
    const plain = n.input === IMAGE;
    const [, h, w] = plain ? spec.imageShape : (shapes.get(n.input) ?? []);
    if (h === undefined || w === undefined) throw new Error(`internal: no shape for ${n.input}`);
    formats.set(`${n.name}.weight`, convWeightFormat({ h, w, plain }, n.k));
  }
  return formats;
}

export function toGraphLayout(p: ParamInfo, data: Float32Array, layout: Layout, format: ConvWeightFormat | undefined): Float32Array {
  if (p.kind !== "conv") return data.slice();
  const [o, i, k] = p.shape;
  return convWeightToLayout(layout, data, o, i, k, formatOf(p, format));
}

export function fromGraphLayout(p: ParamInfo, data: Float32Array, layout: Layout, format: ConvWeightFormat | undefined): Float32Array {
  if (p.kind !== "conv") return data.slice();
  const [o, i, k] = p.shape;
  return convWeightFromLayout(layout, data, o, i, k, formatOf(p, format));
}

function formatOf(p: ParamInfo, format: ConvWeightFormat | undefined): ConvWeightFormat {
  if (!format) throw new Error(`internal: no weight format for conv ${p.name}`);
  return format;
}
