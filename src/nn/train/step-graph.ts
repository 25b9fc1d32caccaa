/**
 * The training-step model: one ONNX graph that takes a batch, the learning
 * rate and the whole training state (parameters, optimizer state, BN running
 * statistics) and returns the loss, the batch's probabilities and the whole
 * next state. The trainer feeds each step's state outputs back as the next
 * step's inputs, so state never round-trips through JS.
 */
import type { OptimizerConfig } from "../api";
import { GraphBuilder, type Value } from "../graph/builder";
import { Ctx } from "../layers/context";
import { normalizePixels } from "../layers/input";
import { sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from "../layers/loss";
import type { ConvWeightFormat, Layout } from "../layout";
import { convFormats } from "../net/graph-params";
import { paramsOf, type NetSpec, type ParamInfo } from "../net/spec";
import { backwardNet } from "./backward";
import { forwardNet } from "./forward";
import { OptimizerEmitter, stateSlots } from "./optimizers";

export interface StateTensor {
  /** Graph input name. */
  input: string;
  /** Graph output name of its next value. */
  output: string;
  param: ParamInfo;
  /** "value" for the parameter itself, else the optimizer slot ("mom", "m", "v", "n"). */
  slot: string;
  shape: number[];
  /** A conv weight's format on the fast path (see layout.ts); undefined for other parameters. */
  format: ConvWeightFormat | undefined;
}

export interface StepGraphOptions {
  spec: NetSpec;
  layout: Layout;
  batch: number;
  optimizer: OptimizerConfig;
  multiLabel: boolean;
  classWeights: Float32Array | null;
}

export interface StepGraph {
  model: Uint8Array;
  state: StateTensor[];
  nodeCount: number;
}

export const STEP_INPUTS = { images: "images", labels: "labels", lr: "lr", step: "step" } as const;
export const STEP_OUTPUTS = { loss: "loss", probabilities: "probabilities" } as const;

export function stateInputName(param: string, slot: string): string {
  return slot === "value" ? param : `${param}#${slot}`;
}

export function buildStepGraph(opts: StepGraphOptions): StepGraph {
  const { spec, layout, batch } = opts;
  const g = new GraphBuilder("train_step");
  const ctx = new Ctx(g, layout, batch);
  const [c, h, w] = spec.imageShape;
  const images = g.input(STEP_INPUTS.images, "float", [batch, c, h, w]);
  const labels = g.input(STEP_INPUTS.labels, "float", opts.multiLabel ? [batch, spec.numClasses] : [batch]);
  const lr = g.input(STEP_INPUTS.lr, "float", []);
  const step = opts.optimizer.kind === "adam" ? g.input(STEP_INPUTS.step, "float", []) : null;

  const formats = convFormats(spec);
  const slots = stateSlots(opts.optimizer);
  const state: StateTensor[] = [];
  const values = new Map<string, Value>();
  const slotValues = new Map<string, Value[]>();
  for (const p of paramsOf(spec)) {
    const shape = [...p.shape];
    const add = (slot: string) => {
      const input = stateInputName(p.name, slot);
      state.push({ input, output: `next:${input}`, param: p, slot, shape, format: formats.get(p.name) });
      return g.input(input, "float", shape);
    };
    values.set(p.name, add("value"));
    if (p.trainable) slotValues.set(p.name, slots.map(add));
  }
  const param = (name: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`internal: no parameter ${name}`);
    return v;
  };

  const image = { v: normalizePixels(ctx, images, c), c, h, w, plain: true };
  const fwd = forwardNet(ctx, spec, image, param, true);
  const loss = opts.multiLabel
    ? sigmoidBinaryCrossEntropy(ctx, fwd.logits, labels, opts.classWeights)
    : softmaxCrossEntropy(ctx, fwd.logits, labels, spec.numClasses);
  const grads = backwardNet(ctx, spec, fwd, loss.dlogits);

  const opt = new OptimizerEmitter(ctx, opts.optimizer, { lr, step });
  const next = new Map<string, Value>();
  for (const p of paramsOf(spec)) {
    if (!p.trainable) {
      const r = fwd.running.get(p.name);
      if (!r) throw new Error(`internal: no running statistic ${p.name}`);
      next.set(stateInputName(p.name, "value"), r);
      continue;
    }
    const grad = grads.get(p.name);
    if (!grad) throw new Error(`internal: no gradient for ${p.name}`);
    const u = opt.update(param(p.name), grad, slotValues.get(p.name) ?? [], p.decay);
    next.set(stateInputName(p.name, "value"), u.w);
    slots.forEach((slot, i) => next.set(stateInputName(p.name, slot), u.state[i]));
  }

  g.output(loss.loss, STEP_OUTPUTS.loss);
  g.output(loss.probabilities, STEP_OUTPUTS.probabilities);
  for (const s of state) {
    const v = next.get(s.input);
    if (!v) throw new Error(`internal: no next value for ${s.input}`);
    g.output(v, s.output);
  }
  return { model: g.toModel(), state, nodeCount: g.nodeCount };
}
