/**
 * Every backward rule against central finite differences of its own forward
 * graph, on both paths. Each case builds L = sum(R * layer(inputs)) for a fixed
 * random R, runs the hand-written backward with dL/dout = R, and compares the
 * gradient of every input with (L(x+h) - L(x-h)) / 2h on sampled coordinates.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Value } from "../../src/nn/graph/builder";
import { bnBackward, bnTrainForward, reluBackward } from "../../src/nn/layers/batchnorm";
import { type Act, actOf, Ctx, withValue } from "../../src/nn/layers/context";
import { COL_BUDGET, convBackward, convForward, LANE_MAJOR_MIN_WIDTH, type ConvSpec } from "../../src/nn/layers/conv";
import { fcBackward, fcForward } from "../../src/nn/layers/fc";
import { sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from "../../src/nn/layers/loss";
import { globalAvgPoolBackward, globalAvgPoolForward, maxPoolBackward, maxPoolTrainForward } from "../../src/nn/layers/pooling";
import { convWeightFormat, convWeightFromLayout, convWeightToLayout, fastLayout, PORTABLE, type ConvWeightFormat, type Layout } from "../../src/nn/layout";
import { Prng } from "../../src/nn/prng";
import { probeFastPath } from "../../src/nn/runtime/probe";

type InputKind = "act" | "image" | "conv" | "channel" | "plain";

interface InputSpec {
  name: string;
  kind: InputKind;
  /** Standard-layout shape. */
  shape: number[];
  /** For conv weights: their format on the fast path (see layout.ts). */
  format?: ConvWeightFormat;
  /** Generate values away from zero (for inputs of ReLU / max), or of a given kind. */
  init?: (rng: Prng, i: number) => number;
}

interface Built {
  /** The layer's output, as an activation or a plain tensor. */
  out: Act | Value;
  /** Gradients by input name given dL/dout. */
  backward: (dOut: Act | Value) => Record<string, Act | Value>;
}

interface Case {
  name: string;
  batch: number;
  inputs: InputSpec[];
  build: (ctx: Ctx, inputs: Record<string, Act | Value>) => Built;
  /** The loss is the layer's own scalar output (loss layers), not sum(R * out). */
  scalarOutput?: boolean;
  h?: number;
}

function isAct(v: Act | Value): v is Act {
  return (v as Act).v !== undefined;
}

/** NCHW value -> the layout's activation. */
function actIn(ctx: Ctx, v: Value, c: number): Act {
  return actOf(ctx, ctx.fast ? ctx.o.reorderInput(v, ctx.block) : v, c);
}

/** Activation -> NCHW value. */
function actOut(ctx: Ctx, a: Act): Value {
  return !ctx.fast || a.plain ? a.v : ctx.o.reorderOutput(a.v, a.c);
}

function toLayout(layout: Layout, s: InputSpec, data: Float32Array): Float32Array {
  if (s.kind !== "conv") return data;
  const [o, i, k] = s.shape;
  return convWeightToLayout(layout, data, o, i, k, s.format ?? "blocked");
}

function fromLayout(layout: Layout, s: InputSpec, data: Float32Array): Float32Array {
  if (s.kind !== "conv") return data;
  const [o, i, k] = s.shape;
  return convWeightFromLayout(layout, data, o, i, k, s.format ?? "blocked");
}

async function checkCase(layout: Layout, c: Case): Promise<number> {
  const g = new GraphBuilder(c.name);
  const ctx = new Ctx(g, layout, c.batch);
  const rng = new Prng(42);
  const values: Record<string, Act | Value> = {};
  for (const s of c.inputs) {
    const v = g.input(s.name, "float", s.shape);
    if (s.kind === "act") values[s.name] = actIn(ctx, v, s.shape[1]);
    else if (s.kind === "image") values[s.name] = { v, c: s.shape[1], h: s.shape[2], w: s.shape[3], plain: true };
    else values[s.name] = v;
  }
  const built = c.build(ctx, values);
  let loss: Value;
  let dOut: Act | Value;
  if (c.scalarOutput) {
    loss = built.out as Value;
    dOut = loss;
  } else {
    const outStd = isAct(built.out) ? actOut(ctx, built.out) : built.out;
    const size = (outStd.shape as number[]).reduce((a, b) => a * b, 1);
    const r = Float32Array.from({ length: size }, () => rng.uniform() * 2 - 1);
    const rv = g.constant(r, "float", outStd.shape as number[], "R");
    loss = ctx.o.reduceSum(ctx.o.mul(outStd, rv), [...outStd.shape.keys()], false);
    dOut = isAct(built.out) ? actIn(ctx, rv, built.out.c) : rv;
  }
  const grads = built.backward(dOut);
  g.output(loss, "loss");
  for (const s of c.inputs) {
    const gv = grads[s.name];
    if (!gv) continue;
    let out = isAct(gv) ? actOut(ctx, gv) : gv;
    // Two inputs may share one gradient value (residual add); a graph output needs its own.
    if (g.isOutput(out)) out = g.node("Identity", [out], [{ type: out.type, shape: out.shape }])[0];
    g.output(out, `grad:${s.name}`);
  }
  const session = await ort.InferenceSession.create(g.toModel(), { executionMode: "sequential", intraOpNumThreads: 1 });

  const data: Record<string, Float32Array> = {};
  for (const s of c.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    data[s.name] = Float32Array.from({ length: n }, (_, i) => (s.init ? s.init(rng, i) : rng.uniform() * 2 - 1));
  }
  const run = async (override?: { name: string; index: number; delta: number }) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of c.inputs) {
      let d = data[s.name];
      if (override?.name === s.name) {
        d = d.slice();
        d[override.index] += override.delta;
      }
      feeds[s.name] = new ort.Tensor("float32", toLayout(layout, s, d), s.shape);
    }
    return session.run(feeds);
  };
  const base = await run();
  const h = c.h ?? 1e-2;
  let worst = 0;
  let checked = 0;
  for (const s of c.inputs) {
    const out = base[`grad:${s.name}`];
    if (!out) continue;
    const analytic = fromLayout(layout, s, out.data as Float32Array);
    expect(analytic.length).toBe(data[s.name].length);
    const scale = analytic.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-3);
    const n = analytic.length;
    const picks = n <= 48 ? [...Array(n).keys()] : Array.from({ length: 48 }, () => Math.floor(rng.uniform() * n));
    for (const index of picks) {
      const plus = (await run({ name: s.name, index, delta: h })).loss.data[0] as number;
      const minus = (await run({ name: s.name, index, delta: -h })).loss.data[0] as number;
      const numeric = (plus - minus) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[index]) / scale);
      checked++;
    }
  }
  await session.release();
  expect(checked).toBeGreaterThan(0);
  return worst;
}

/** Values bounded away from zero, so ReLU/max kinks are never crossed by the finite-difference step. */
const awayFromZero = (rng: Prng) => (rng.uniform() < 0.5 ? -1 : 1) * (0.2 + rng.uniform());
/** Distinct values for max-pooling windows (no ties within 2h). */
const distinct = (rng: Prng, i: number) => ((i * 7919) % 1013) / 101 - 5 + rng.uniform() * 0.001;

function convCase(name: string, cin: number, cout: number, h: number, spec: Omit<ConvSpec, "cin" | "cout">, image = false, batch = 2): Case {
  const cs: ConvSpec = { cin, cout, ...spec };
  return {
    name,
    batch,
    inputs: [
      { name: "x", kind: image ? "image" : "act", shape: [batch, cin, h, h] },
      { name: "w", kind: "conv", shape: [cout, cin, spec.k, spec.k], format: convWeightFormat({ h, w: h, plain: image }, spec.k) },
    ],
    build: (ctx, v) => {
      const x = v.x as Act;
      const out = convForward(ctx, x, v.w as Value, cs);
      return {
        out,
        backward: (d): Record<string, Act | Value> => {
          const r = convBackward(ctx, x, v.w as Value, d as Act, cs, { inputGrad: !image });
          return r.dx ? { x: r.dx, w: r.dw } : { w: r.dw };
        },
      };
    },
  };
}

function cases(block: number): Case[] {
  const c = block;
  const c2 = 2 * block;
  return [
    convCase("conv 3x3 stride 1 pad 1", c, c2, 5, { k: 3, stride: 1, pad: 1 }),
    // im2col of 8 x 144 x 1024 > COL_BUDGET: the weight gradient is summed over batch chunks (and, on the
    // fast path, built from whole image rows since the output is LANE_MAJOR_MIN_WIDTH wide or more).
    convCase("conv 3x3 stride 1 pad 1, batch processed in chunks", 16, 16, 32, { k: 3, stride: 1, pad: 1 }, false, 8),
    convCase("conv 3x3 stride 2 pad 1, wide output", c, c2, 32, { k: 3, stride: 2, pad: 1 }),
    convCase("conv 3x3 stride 2 pad 1 (odd size)", c, c2, 5, { k: 3, stride: 2, pad: 1 }),
    convCase("conv 3x3 stride 2 pad 1 (even size)", c2, c, 6, { k: 3, stride: 2, pad: 1 }),
    convCase("conv 1x1 stride 2 projection (odd size)", c, c2, 5, { k: 1, stride: 2, pad: 0 }),
    convCase("conv 1x1 stride 1 (bottleneck)", c2, c, 4, { k: 1, stride: 1, pad: 0 }),
    // Maps smaller than the kernel: GEMMs on the fast path, weights in the [K, O] format.
    convCase("conv 3x3 stride 1 pad 1 on a 2x2 map", c, c2, 2, { k: 3, stride: 1, pad: 1 }),
    convCase("conv 3x3 stride 1 pad 1 on a 2x2 map, batch 5", c2, c, 2, { k: 3, stride: 1, pad: 1 }, false, 5),
    convCase("conv 3x3 stride 1 pad 1 on a 1x1 image", c, c, 1, { k: 3, stride: 1, pad: 1 }),
    convCase("conv 3x3 stride 2 pad 1 from 2x2 to 1x1", c, c, 2, { k: 3, stride: 2, pad: 1 }),
    convCase("conv 7x7 stride 2 pad 3 on the image", 3, c, 9, { k: 7, stride: 2, pad: 3 }, true),
    ...[false, true].map(
      (relu): Case => ({
        name: `batch norm (training)${relu ? " + ReLU" : ""}`,
        batch: 3,
        inputs: [
          { name: "x", kind: "act", shape: [3, c, 3, 3], init: (rng) => rng.uniform() * 4 - 1 },
          { name: "gamma", kind: "channel", shape: [c], init: (rng) => 0.5 + rng.uniform() },
          { name: "beta", kind: "channel", shape: [c], init: (rng) => rng.uniform() - 0.5 },
          { name: "rm", kind: "channel", shape: [c] },
          { name: "rv", kind: "channel", shape: [c], init: () => 1 },
        ],
        h: 3e-3,
        build: (ctx, v) => {
          const r = bnTrainForward(ctx, v.x as Act, { gamma: v.gamma as Value, beta: v.beta as Value, runningMean: v.rm as Value, runningVar: v.rv as Value }, relu);
          return {
            out: r.y,
            backward: (d) => {
              const b = bnBackward(ctx, r.saved, d as Act);
              return { x: b.dx, gamma: b.dgamma, beta: b.dbeta };
            },
          };
        },
      }),
    ),
    {
      name: "residual add + ReLU",
      batch: 2,
      inputs: [
        { name: "a", kind: "act", shape: [2, c, 3, 3], init: awayFromZero },
        { name: "b", kind: "act", shape: [2, c, 3, 3], init: (rng) => rng.uniform() * 0.1 },
      ],
      build: (ctx, v) => {
        const a = v.a as Act;
        const y = withValue(a, ctx.o.relu(ctx.o.add(a.v, (v.b as Act).v)));
        return {
          out: y,
          backward: (d) => {
            const dz = reluBackward(ctx, y, d as Act);
            return { a: dz, b: dz };
          },
        };
      },
    },
    {
      name: "max-pool 3x3 stride 2 pad 1",
      batch: 2,
      inputs: [{ name: "x", kind: "act", shape: [2, c, 5, 5], init: distinct }],
      h: 1e-3,
      build: (ctx, v) => {
        const r = maxPoolTrainForward(ctx, v.x as Act, { k: 3, stride: 2, pad: 1 });
        return { out: r.y, backward: (d) => ({ x: maxPoolBackward(ctx, r.saved, d as Act) }) };
      },
    },
    {
      name: "global average pool",
      batch: 2,
      inputs: [{ name: "x", kind: "act", shape: [2, c, 3, 4] }],
      build: (ctx, v) => {
        const x = v.x as Act;
        return { out: globalAvgPoolForward(ctx, x), backward: (d) => ({ x: globalAvgPoolBackward(ctx, x, d as Value) }) };
      },
    },
    {
      name: "fully connected",
      batch: 3,
      inputs: [
        { name: "x", kind: "plain", shape: [3, 6] },
        { name: "w", kind: "plain", shape: [4, 6] },
        { name: "b", kind: "plain", shape: [4] },
      ],
      build: (ctx, v) => ({
        out: fcForward(ctx, v.x as Value, v.w as Value, v.b as Value),
        backward: (d) => {
          const r = fcBackward(ctx, v.x as Value, v.w as Value, d as Value);
          return { x: r.dx, w: r.dw, b: r.db };
        },
      }),
    },
    {
      name: "softmax cross-entropy",
      batch: 4,
      scalarOutput: true,
      inputs: [{ name: "z", kind: "plain", shape: [4, 5], init: (rng) => rng.uniform() * 6 - 3 }],
      build: (ctx, v) => {
        const labels = ctx.g.constant(Float32Array.of(0, 4, 2, 2), "float", [4], "labels");
        const r = softmaxCrossEntropy(ctx, v.z as Value, labels, 5);
        return { out: r.loss, backward: () => ({ z: r.dlogits }) };
      },
    },
    {
      name: "sigmoid binary cross-entropy with class weights",
      batch: 3,
      scalarOutput: true,
      inputs: [{ name: "z", kind: "plain", shape: [3, 4], init: (rng) => rng.uniform() * 6 - 3 }],
      build: (ctx, v) => {
        const labels = ctx.g.constant(Float32Array.of(1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0), "float", [3, 4], "labels");
        const r = sigmoidBinaryCrossEntropy(ctx, v.z as Value, labels, Float32Array.of(1, 2.5, 0.5, 3));
        return { out: r.loss, backward: () => ({ z: r.dlogits }) };
      },
    },
  ];
}

describe("backward rules against finite differences", async () => {
  it("the chunked and wide cases really reach those code paths", () => {
    expect(8 * 16 * 9 * 32 * 32).toBeGreaterThan(COL_BUDGET);
    expect(32 / 2).toBeGreaterThanOrEqual(LANE_MAJOR_MIN_WIDTH);
  });
  const probe = await probeFastPath();
  const paths: { name: string; layout: Layout; block: number }[] = [{ name: "portable", layout: PORTABLE, block: 16 }];
  if (probe.ok) paths.push({ name: `fast(b${probe.blockSize})`, layout: fastLayout(probe.blockSize as number), block: probe.blockSize as number });
  for (const p of paths) {
    for (const c of cases(p.block)) {
      it(`${p.name}: ${c.name}`, async () => {
        expect(await checkCase(p.layout, c)).toBeLessThan(1e-2);
      });
    }
  }
});
