/**
 * Optimizer updates as graph ops, with MXNet's update rules. The learning rate
 * is a graph input (schedules change it per step), and so is Adam's step count.
 * Weight decay adds wd*w to the gradient for parameters that decay (see
 * ParamInfo.decay: conv/FC weights and BN gamma, as MXNet's default wd_mult).
 *
 *   sgd      mom = momentum*mom - lr*g;  w += mom        (plain w -= lr*g when momentum is 0)
 *   nag      mom = momentum*mom + g;     w -= lr*(g + momentum*mom)
 *   adam     m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;
 *            w -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps)
 *   rmsprop  n = gamma*n + (1-gamma)*g^2;  w -= lr*g/sqrt(n+eps)   (MXNet's non-centred form)
 */
import type { OptimizerConfig } from "../api";
import type { Value } from "../graph/builder";
import type { Ops } from "../graph/ops";

/** Names of the per-parameter state tensors an optimizer keeps. */
export function stateSlots(cfg: OptimizerConfig): string[] {
  switch (cfg.kind) {
    case "sgd":
      return cfg.momentum > 0 ? ["mom"] : [];
    case "nag":
      return ["mom"];
    case "adam":
      return ["m", "v"];
    case "rmsprop":
      return ["n"];
  }
}

export function validateOptimizer(cfg: OptimizerConfig): void {
  const kinds = ["sgd", "nag", "adam", "rmsprop"];
  if (!kinds.includes(cfg?.kind)) throw new Error(`optimizer.kind: "${cfg?.kind}" is not one of ${kinds.join(", ")}`);
  const check = (field: keyof OptimizerConfig, lo: number, hi: number, hiOpen: boolean, loOpen = false) => {
    const v = cfg[field] as number;
    const ok = typeof v === "number" && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) throw new Error(`optimizer.${field}: ${v} is outside ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
  };
  check("weightDecay", 0, 1, false);
  if (cfg.kind === "sgd" || cfg.kind === "nag") check("momentum", 0, 1, true);
  if (cfg.kind === "adam") {
    check("beta1", 0, 1, true);
    check("beta2", 0, 1, true);
  }
  if (cfg.kind === "adam" || cfg.kind === "rmsprop") check("eps", 0, 1, false, true);
  if (cfg.kind === "rmsprop") check("gamma", 0, 1, true);
}

export interface UpdateInputs {
  /** Learning rate, scalar graph input. */
  lr: Value;
  /** Adam's step count (1 for the first step), scalar graph input. */
  step: Value | null;
}

export class OptimizerEmitter {
  private negLr: Value | null = null;
  private adamLr: Value | null = null;

  constructor(
    private readonly o: Ops,
    private readonly cfg: OptimizerConfig,
    private readonly inputs: UpdateInputs,
  ) {}

  /** New parameter value and new state, in the order of stateSlots(). */
  update(w: Value, grad: Value, state: Value[], decay: boolean): { w: Value; state: Value[] } {
    const { o, cfg } = this;
    const s = (v: number) => o.g.scalar(v);
    const g = decay && cfg.weightDecay > 0 ? o.add(grad, o.mul(w, s(cfg.weightDecay))) : grad;
    switch (cfg.kind) {
      case "sgd": {
        if (cfg.momentum === 0) return { w: o.add(w, o.mul(g, this.minusLr())), state: [] };
        const mom = o.add(o.mul(state[0], s(cfg.momentum)), o.mul(g, this.minusLr()));
        return { w: o.add(w, mom), state: [mom] };
      }
      case "nag": {
        const mom = o.add(o.mul(state[0], s(cfg.momentum)), g);
        const step = o.add(g, o.mul(mom, s(cfg.momentum)));
        return { w: o.add(w, o.mul(step, this.minusLr())), state: [mom] };
      }
      case "adam": {
        const m = o.add(o.mul(state[0], s(cfg.beta1)), o.mul(g, s(1 - cfg.beta1)));
        const v = o.add(o.mul(state[1], s(cfg.beta2)), o.mul(o.mul(g, g), s(1 - cfg.beta2)));
        const denom = o.add(o.sqrt(v), s(cfg.eps));
        return { w: o.add(w, o.mul(o.div(m, denom), this.minusAdamLr())), state: [m, v] };
      }
      case "rmsprop": {
        const n = o.add(o.mul(state[0], s(cfg.gamma)), o.mul(o.mul(g, g), s(1 - cfg.gamma)));
        const step = o.div(g, o.sqrt(o.add(n, s(cfg.eps))));
        return { w: o.add(w, o.mul(step, this.minusLr())), state: [n] };
      }
    }
  }

  private minusLr(): Value {
    this.negLr ??= this.o.neg(this.inputs.lr);
    return this.negLr;
  }

  /** -lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed once per step on scalars. */
  private minusAdamLr(): Value {
    if (!this.adamLr) {
      const { o, cfg } = this;
      const t = this.inputs.step;
      if (!t) throw new Error("internal: adam needs the step count input");
      const s = (v: number) => o.g.scalar(v);
      const c2 = o.sqrt(o.sub(s(1), o.pow(s(cfg.beta2), t)));
      const c1 = o.sub(s(1), o.pow(s(cfg.beta1), t));
      this.adamLr = o.neg(o.div(o.mul(this.inputs.lr, c2), c1));
    }
    return this.adamLr;
  }
}
