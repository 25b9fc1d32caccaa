/**
 * The trainer's evaluation model: inference mode (running statistics) on the
 * trainer's own state tensors, in its layout, for any batch size.
 */
import { GraphBuilder, type Value } from "../graph/builder";
import { Ctx } from "../layers/context";
import { normalizePixels } from "../layers/input";
import type { Layout } from "../layout";
import { paramsOf, type NetSpec } from "../net/spec";
import { forwardNet } from "./forward";
import { stateInputName } from "./step-graph";

export const EVAL_BATCH = "N";

export function buildEvalGraph(spec: NetSpec, layout: Layout, multiLabel: boolean): Uint8Array {
  const g = new GraphBuilder("evaluate");
  const ctx = new Ctx(g, layout, EVAL_BATCH);
  const [c, h, w] = spec.imageShape;
  const images = g.input("images", "float", [EVAL_BATCH, c, h, w]);
  const values = new Map<string, Value>();
  for (const p of paramsOf(spec)) values.set(p.name, g.input(stateInputName(p.name, "value"), "float", p.shape));
  const param = (name: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`internal: no parameter ${name}`);
    return v;
  };
  const fwd = forwardNet(ctx, spec, { v: normalizePixels(ctx, images, c), c, h, w, plain: true }, param, false);
  g.output(multiLabel ? ctx.o.sigmoid(fwd.logits) : ctx.o.softmax(fwd.logits), "probabilities");
  return g.toModel();
}
