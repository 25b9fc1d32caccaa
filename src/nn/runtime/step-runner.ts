/**
 * Runs training-step models: holds the session and the current state tensors,
 * swaps each run's state outputs in as the next run's inputs (no JS copies),
 * and converts state to and from the standard layout at the edges.
 */
import * as ort from "onnxruntime-node";
import type { NamedTensors, OptimizerConfig } from "../api";
import type { Layout } from "../layout";
import { fromGraphLayout, toGraphLayout } from "../net/graph-params";
import type { NetSpec } from "../net/spec";
import { buildEvalGraph } from "../train/eval-graph";
import { buildStepGraph, STEP_INPUTS, STEP_OUTPUTS, type StateTensor } from "../train/step-graph";
import { createSession, floatTensor, tensorData } from "./session";

export interface StepRunnerOptions {
  spec: NetSpec;
  layout: Layout;
  batch: number;
  optimizer: OptimizerConfig;
  multiLabel: boolean;
  classWeights: Float32Array | null;
  threads: number;
  weights: NamedTensors;
}

export class StepRunner {
  private state = new Map<string, ort.Tensor>();
  private evalSession: ort.InferenceSession | null = null;
  private steps = 0;

  private constructor(
    private readonly opts: StepRunnerOptions,
    private readonly session: ort.InferenceSession,
    private readonly stateInfo: StateTensor[],
  ) {
    for (const s of stateInfo) {
      const data = s.slot === "value" ? toGraphLayout(s.param, opts.weights[s.param.name].data, opts.layout, s.format) : new Float32Array(size(s.shape));
      this.state.set(s.input, floatTensor(data, s.shape));
    }
  }

  static async create(opts: StepRunnerOptions): Promise<StepRunner> {
    const graph = buildStepGraph(opts);
    // Level "basic" (constant folding): the hand-built graphs leave the extended fusions nothing measurable to do,
    // and session creation is 2x faster (seconds for the deep ResNets).
    const session = await createSession(graph.model, opts.threads, "basic");
    return new StepRunner(opts, session, graph.state);
  }

  /** `labels`: class indices [batch] or multi-hot [batch, classes], already validated. */
  async step(images: Float32Array, labels: Float32Array, lr: number): Promise<{ loss: number; probabilities: Float32Array }> {
    const { spec, batch, multiLabel } = this.opts;
    const feeds: Record<string, ort.Tensor> = {
      [STEP_INPUTS.images]: floatTensor(images, [batch, ...spec.imageShape]),
      [STEP_INPUTS.labels]: floatTensor(labels, multiLabel ? [batch, spec.numClasses] : [batch]),
      [STEP_INPUTS.lr]: floatTensor(Float32Array.of(lr), []),
    };
    if (this.opts.optimizer.kind === "adam") feeds[STEP_INPUTS.step] = floatTensor(Float32Array.of(this.steps + 1), []);
    for (const [name, t] of this.state) feeds[name] = t;
    const out = await this.session.run(feeds);
    const next = new Map<string, ort.Tensor>();
    for (const s of this.stateInfo) {
      const t = out[s.output];
      if (!t) throw new Error(`internal: step output ${s.output} missing`);
      next.set(s.input, t);
    }
    this.state = next;
    this.steps++;
    const loss = tensorData(out[STEP_OUTPUTS.loss], "loss")[0];
    return { loss, probabilities: tensorData(out[STEP_OUTPUTS.probabilities], "probabilities") };
  }

  /** Inference-mode probabilities, computed in chunks of the training batch size so memory stays that of a step. */
  async predict(images: Float32Array, n: number): Promise<Float32Array> {
    this.evalSession ??= await createSession(buildEvalGraph(this.opts.spec, this.opts.layout, this.opts.multiLabel), this.opts.threads, "basic");
    const { spec, batch } = this.opts;
    const perImage = spec.imageShape[0] * spec.imageShape[1] * spec.imageShape[2];
    const out = new Float32Array(n * spec.numClasses);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const feeds: Record<string, ort.Tensor> = {
        images: floatTensor(images.subarray(start * perImage, (start + count) * perImage), [count, ...spec.imageShape]),
      };
      for (const s of this.stateInfo) if (s.slot === "value") feeds[s.input] = this.state.get(s.input) as ort.Tensor;
      const result = await this.evalSession.run(feeds);
      out.set(tensorData(result.probabilities, "probabilities"), start * spec.numClasses);
    }
    return out;
  }

  /** Parameters and running statistics in the standard layout (copies). */
  weights(): NamedTensors {
    const out: NamedTensors = {};
    for (const s of this.stateInfo) {
      if (s.slot !== "value") continue;
      const data = tensorData(this.state.get(s.input), s.input);
      out[s.param.name] = { shape: [...s.param.shape], data: fromGraphLayout(s.param, data, this.opts.layout, s.format) };
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
    if (this.evalSession) await this.evalSession.release();
    this.evalSession = null;
  }
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
