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
import { NCHWC_DOMAIN, type Value } from "../graph/builder";
import type { Ctx } from "../layers/context";

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
    private readonly ctx: Ctx,
    private readonly cfg: OptimizerConfig,
    private readonly inputs: UpdateInputs,
  ) {}

  /** New parameter value and new state, in the order of stateSlots(). */
  update(w: Value, grad: Value, state: Value[], decay: boolean): { w: Value; state: Value[] } {
    const { cfg } = this;
    const o = this.ctx.o;
    const s = (v: number) => o.g.scalar(v);
    const ax = (x: Value, a: Value, sum?: Value) => this.axpy(x, a, sum);
    const g = decay && cfg.weightDecay > 0 ? ax(w, s(cfg.weightDecay), grad) : grad;
    switch (cfg.kind) {
      case "sgd": {
        if (cfg.momentum === 0) return { w: ax(g, this.minusLr(), w), state: [] };
        const mom = ax(state[0], s(cfg.momentum), ax(g, this.minusLr()));
        return { w: ax(mom, s(1), w), state: [mom] };
      }
      case "nag": {
        const mom = ax(state[0], s(cfg.momentum), g);
        const step = ax(mom, s(cfg.momentum), g);
        return { w: ax(step, this.minusLr(), w), state: [mom] };
      }
      case "adam": {
        const m = ax(state[0], s(cfg.beta1), ax(g, s(1 - cfg.beta1)));
        const v = ax(state[1], s(cfg.beta2), ax(o.mul(g, g), s(1 - cfg.beta2)));
        const denom = o.add(o.sqrt(v), s(cfg.eps));
        return { w: ax(o.div(m, denom), this.minusAdamLr(), w), state: [m, v] };
      }
      case "rmsprop": {
        const n = ax(state[0], s(cfg.gamma), ax(o.mul(g, g), s(1 - cfg.gamma)));
        const step = o.div(g, o.sqrt(o.add(n, s(cfg.eps))));
        return { w: ax(step, this.minusLr(), w), state: [n] };
      }
    }
  }

  /**
   * a*x (+ sum) for a scalar a, in one pass. On the fast path a conv weight
   * [O, I, k, k] whose I is a multiple of the block is, byte for byte, a
   * blocked NCHWc image, so a 1x1 depthwise NCHWc conv with every weight a
   * scales it with the sum fused in: one read of each operand and one write,
   * where Mul + Add take two passes. (Reshaping other tensors into such a view
   * would cost a copy: ONNX Runtime copies reshaped graph inputs and outputs.)
   */
  private axpy(x: Value, a: Value, sum?: Value): Value {
    const { ctx } = this;
    const o = ctx.o;
    const b = ctx.block;
    if (!ctx.fast || x.shape.length !== 4 || (x.shape[1] as number) % b !== 0) return sum ? o.add(o.mul(x, a), sum) : o.mul(x, a);
    const channels = x.shape[1] as number;
    const weight = o.reshape(o.expand(o.reshape(a, [1]), [channels]), [channels, 1, 1, 1]);
    const inputs = sum ? [x, weight, null, sum] : [x, weight];
    return o.g.node("Conv", inputs, [{ type: "float", shape: x.shape }], { kernel_shape: { ints: [1, 1] }, group: { i: channels } }, NCHWC_DOMAIN)[0];
  }

  private minusLr(): Value {
    this.negLr ??= this.ctx.o.neg(this.inputs.lr);
    return this.negLr;
  }

  /** -lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed once per step on scalars. */
  private minusAdamLr(): Value {
    if (!this.adamLr) {
      const { cfg } = this;
      const o = this.ctx.o;
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
