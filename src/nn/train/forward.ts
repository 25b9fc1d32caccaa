/**
 * Forward pass of a network spec into a graph, in training mode (batch
 * statistics, saving what the backward pass needs, new running statistics) or
 * inference mode (running statistics).
 */
import type { Value } from "../graph/builder";
import { bnInferForward, bnTrainForward, type BnSaved } from "../layers/batchnorm";
import { type Act, type Ctx, withValue } from "../layers/context";
import { convForward, type ConvSpec } from "../layers/conv";
import { fcForward } from "../layers/fc";
import { globalAvgPoolForward, maxPoolInferForward, maxPoolTrainForward, type MaxPoolSaved } from "../layers/pooling";
import { IMAGE, type NetSpec } from "../net/spec";

/** What the backward pass needs from each layer. */
export type Saved =
  | { op: "conv"; x: Act; w: Value; spec: ConvSpec }
  | { op: "bn"; bn: BnSaved }
  | { op: "maxpool"; pool: MaxPoolSaved }
  | { op: "add"; y: Act; relu: boolean }
  | { op: "gap"; x: Act }
  | { op: "fc"; x: Value; w: Value };

export interface ForwardResult {
  logits: Value;
  /** One entry per spec node (training mode). */
  saved: Saved[];
  /** New BN running statistics by parameter name (training mode). */
  running: Map<string, Value>;
}

export function forwardNet(ctx: Ctx, spec: NetSpec, image: Act, param: (name: string) => Value, training: boolean): ForwardResult {
  const { o } = ctx;
  const acts = new Map<string, Act>([[IMAGE, image]]);
  const vectors = new Map<string, Value>();
  const saved: Saved[] = [];
  const running = new Map<string, Value>();
  const act = (name: string) => {
    const a = acts.get(name);
    if (!a) throw new Error(`internal: activation ${name} not computed`);
    return a;
  };
  for (const n of spec.nodes) {
    switch (n.op) {
      case "conv": {
        const x = act(n.input);
        const w = param(`${n.name}.weight`);
        const cs = { cin: n.cin, cout: n.cout, k: n.k, stride: n.stride, pad: n.pad };
        acts.set(n.output, convForward(ctx, x, w, cs));
        saved.push({ op: "conv", x, w, spec: cs });
        break;
      }
      case "bn": {
        const p = {
          gamma: param(`${n.name}.gamma`),
          beta: param(`${n.name}.beta`),
          runningMean: param(`${n.name}.running_mean`),
          runningVar: param(`${n.name}.running_var`),
        };
        if (training) {
          const r = bnTrainForward(ctx, act(n.input), p, n.relu);
          acts.set(n.output, r.y);
          saved.push({ op: "bn", bn: r.saved });
          running.set(`${n.name}.running_mean`, r.runningMean);
          running.set(`${n.name}.running_var`, r.runningVar);
        } else {
          acts.set(n.output, bnInferForward(ctx, act(n.input), p, n.relu));
        }
        break;
      }
      case "maxpool": {
        const ps = { k: n.k, stride: n.stride, pad: n.pad };
        if (training) {
          const r = maxPoolTrainForward(ctx, act(n.input), ps);
          acts.set(n.output, r.y);
          saved.push({ op: "maxpool", pool: r.saved });
        } else {
          acts.set(n.output, maxPoolInferForward(ctx, act(n.input), ps));
        }
        break;
      }
      case "add": {
        const a = act(n.a);
        let v = o.add(a.v, act(n.b).v);
        if (n.relu) v = o.relu(v);
        const y = withValue(a, v);
        acts.set(n.output, y);
        saved.push({ op: "add", y, relu: n.relu });
        break;
      }
      case "gap": {
        const x = act(n.input);
        vectors.set(n.output, globalAvgPoolForward(ctx, x));
        saved.push({ op: "gap", x });
        break;
      }
      case "fc": {
        const x = vectors.get(n.input);
        if (!x) throw new Error(`internal: fc ${n.name} input ${n.input} is not a pooled vector`);
        const w = param(`${n.name}.weight`);
        vectors.set(n.output, fcForward(ctx, x, w, param(`${n.name}.bias`)));
        saved.push({ op: "fc", x, w });
        break;
      }
    }
  }
  const logits = vectors.get(spec.output);
  if (!logits) throw new Error(`internal: logits ${spec.output} not computed`);
  return { logits, saved, running };
}
