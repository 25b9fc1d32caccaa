/**
 * Backward pass: the layers' hand-written gradient rules applied in reverse
 * order. A value read by several layers (a residual unit's input) gets the sum
 * of their gradients; the earliest reader in forward order is processed last,
 * and when it is a conv the other contributions are summed inside its
 * input-gradient kernel.
 */
import type { Value } from "../graph/builder";
import { bnBackward, reluBackward } from "../layers/batchnorm";
import { type Act, type Ctx, withValue } from "../layers/context";
import { convBackward } from "../layers/conv";
import { fcBackward } from "../layers/fc";
import { globalAvgPoolBackward, maxPoolBackward } from "../layers/pooling";
import { IMAGE, type NetNode, type NetSpec } from "../net/spec";
import type { ForwardResult } from "./forward";

function inputsOf(n: NetNode): string[] {
  return n.op === "add" ? [n.a, n.b] : [n.input];
}

/** Parameter gradients by parameter name (trainable parameters only), in the graph layout. */
export function backwardNet(ctx: Ctx, spec: NetSpec, fwd: ForwardResult, dlogits: Value): Map<string, Value> {
  const { o } = ctx;
  const firstReader = new Map<string, number>();
  spec.nodes.forEach((n, i) => {
    for (const v of inputsOf(n)) if (!firstReader.has(v)) firstReader.set(v, i);
  });
  const actGrads = new Map<string, Act[]>();
  const vecGrads = new Map<string, Value[]>([[spec.output, [dlogits]]]);
  const grads = new Map<string, Value>();

  const pushAct = (name: string, g: Act) => {
    if (name === IMAGE) return;
    actGrads.set(name, [...(actGrads.get(name) ?? []), g]);
  };
  const takeAct = (name: string): Act => {
    const list = actGrads.get(name);
    if (!list || list.length === 0) throw new Error(`internal: no gradient reached ${name}`);
    return list.length === 1 ? list[0] : withValue(list[0], o.sum(list.map((g) => g.v)));
  };
  const takeVec = (name: string): Value => {
    const list = vecGrads.get(name);
    if (!list || list.length === 0) throw new Error(`internal: no gradient reached ${name}`);
    return o.sum(list);
  };

  for (let i = spec.nodes.length - 1; i >= 0; i--) {
    const n = spec.nodes[i];
    const s = fwd.saved[i];
    switch (n.op) {
      case "fc": {
        if (s.op !== "fc") throw new Error("internal: saved state mismatch");
        const r = fcBackward(ctx, s.x, s.w, takeVec(n.output));
        grads.set(`${n.name}.weight`, r.dw);
        grads.set(`${n.name}.bias`, r.db);
        vecGrads.set(n.input, [...(vecGrads.get(n.input) ?? []), r.dx]);
        break;
      }
      case "gap": {
        if (s.op !== "gap") throw new Error("internal: saved state mismatch");
        pushAct(n.input, globalAvgPoolBackward(ctx, s.x, takeVec(n.output)));
        break;
      }
      case "add": {
        if (s.op !== "add") throw new Error("internal: saved state mismatch");
        const dy = takeAct(n.output);
        const dz = s.relu ? reluBackward(ctx, s.y, dy) : dy;
        pushAct(n.a, dz);
        pushAct(n.b, dz);
        break;
      }
      case "maxpool": {
        if (s.op !== "maxpool") throw new Error("internal: saved state mismatch");
        pushAct(n.input, maxPoolBackward(ctx, s.pool, takeAct(n.output)));
        break;
      }
      case "bn": {
        if (s.op !== "bn") throw new Error("internal: saved state mismatch");
        const r = bnBackward(ctx, s.bn, takeAct(n.output));
        grads.set(`${n.name}.gamma`, r.dgamma);
        grads.set(`${n.name}.beta`, r.dbeta);
        pushAct(n.input, r.dx);
        break;
      }
      case "conv": {
        if (s.op !== "conv") throw new Error("internal: saved state mismatch");
        const inputGrad = n.input !== IMAGE;
        const others = actGrads.get(n.input) ?? [];
        const last = firstReader.get(n.input) === i && others.length > 0;
        const accumulate = last ? takeAct(n.input) : undefined;
        const r = convBackward(ctx, s.x, s.w, takeAct(n.output), s.spec, { inputGrad, accumulate });
        grads.set(`${n.name}.weight`, r.dw);
        if (r.dx) {
          if (last) actGrads.set(n.input, [r.dx]);
          else pushAct(n.input, r.dx);
        }
        break;
      }
    }
  }
  return grads;
}
