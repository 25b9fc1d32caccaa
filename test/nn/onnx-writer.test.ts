/** The ONNX writer, checked by ONNX Runtime decoding and running what it wrote. */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../src/nn/graph/builder";
import { Ops } from "../../src/nn/graph/ops";
import { encodeModel } from "../../src/nn/onnx/model";
import { MessageWriter } from "../../src/nn/onnx/wire";

describe("protobuf wire format", () => {
  it("encodes varints, negative int64, floats and strings as protobuf does", () => {
    expect(Array.from(new MessageWriter().int(1, 300).finish())).toEqual([0x08, 0xac, 0x02]);
    expect(Array.from(new MessageWriter().int(2, -1).finish())).toEqual([0x10, ...new Array(9).fill(0xff), 0x01]);
    expect(Array.from(new MessageWriter().float(3, 1.5).finish())).toEqual([0x1d, 0x00, 0x00, 0xc0, 0x3f]);
    expect(Array.from(new MessageWriter().string(4, "ab").finish())).toEqual([0x22, 0x02, 0x61, 0x62]);
    expect(Array.from(new MessageWriter().packedInts(5, [1, 150]).finish())).toEqual([0x2a, 0x03, 0x01, 0x96, 0x01]);
    const inner = new MessageWriter().int(1, 5);
    expect(Array.from(new MessageWriter().message(6, inner).finish())).toEqual([0x32, 0x02, 0x08, 0x05]);
    expect(() => new MessageWriter().int(1, 2 ** 60)).toThrow(/not a safe integer/);
  });
});

describe("ONNX model encoding", () => {
  it("writes a model ONNX Runtime loads and computes correctly: every attribute kind, int64 and symbolic dims", async () => {
    const model = encodeModel({
      opsets: [{ domain: "", version: 17 }],
      graph: {
        name: "all_attrs",
        inputs: [{ name: "x", type: "float", shape: ["N", 2, 3] }],
        outputs: [{ name: "y", type: "float", shape: ["N", 3, 2] }],
        initializers: [{ name: "w", type: "float", dims: [3, 3], data: Float32Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3) }],
        nodes: [
          { opType: "Constant", inputs: [], outputs: ["shape"], attrs: { value: { t: { name: "s", type: "int64", dims: [2], data: BigInt64Array.of(-1n, 3n) } } } },
          { opType: "Reshape", inputs: ["x", "shape"], outputs: ["flat"] },
          { opType: "Gemm", inputs: ["flat", "w"], outputs: ["g"], attrs: { transB: { i: 1 }, alpha: { f: 0.5 } } },
          { opType: "LeakyRelu", inputs: ["g"], outputs: ["lr"], attrs: { alpha: { f: 0.25 } } },
          { opType: "Constant", inputs: [], outputs: ["bias"], attrs: { value_floats: { floats: [10, 20, 30] } } },
          { opType: "Add", inputs: ["lr", "bias"], outputs: ["b"] },
          { opType: "Constant", inputs: [], outputs: ["shape3"], attrs: { value_ints: { ints: [-1, 2, 3] } } },
          { opType: "Reshape", inputs: ["b", "shape3"], outputs: ["r"] },
          { opType: "Transpose", inputs: ["r"], outputs: ["t"], attrs: { perm: { ints: [0, 2, 1] } } },
          { opType: "Constant", inputs: [], outputs: ["pads"], attrs: { value_ints: { ints: [0, 0, 0, 0, 0, 0] } } },
          { opType: "Pad", inputs: ["t", "pads"], outputs: ["y"], attrs: { mode: { s: "reflect" } } },
        ],
      },
    });
    const session = await ort.InferenceSession.create(model);
    for (const n of [1, 3]) {
      const x = Float32Array.from({ length: n * 6 }, (_, i) => i - 4);
      const out = await session.run({ x: new ort.Tensor("float32", x, [n, 2, 3]) });
      expect(out.y.dims).toEqual([n, 3, 2]);
      const expected: number[] = [];
      const rows = Array.from({ length: 2 * n }, (_, r) =>
        [0, 1, 2].map((j) => {
          const g = 0.5 * (j + 1) * x[r * 3 + j];
          return (g < 0 ? 0.25 * g : g) + [10, 20, 30][j];
        }),
      );
      for (let b = 0; b < n; b++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) expected.push(rows[b * 2 + i][j]);
      expect(Array.from(out.y.data as Float32Array)).toEqual(expected.map((v) => Math.fround(v)));
    }
    await session.release();
  });

  it("names graph outputs by renaming the producing value, never with a copying Identity", async () => {
    const g = new GraphBuilder("rename");
    const o = new Ops(g);
    const x = g.input("x", "float", [2]);
    const y = o.mul(x, g.scalar(3));
    const z = o.add(y, g.scalar(1));
    g.output(y, "tripled");
    g.output(z, "plus_one");
    expect(() => g.output(x, "again")).toThrow(/would alias an input/);
    expect(g.toGraphSpec().nodes.map((n) => n.opType)).toEqual(["Mul", "Add"]);
    const session = await ort.InferenceSession.create(g.toModel());
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.of(1, 2), [2]) });
    expect(Array.from(out.tripled.data as Float32Array)).toEqual([3, 6]);
    expect(Array.from(out.plus_one.data as Float32Array)).toEqual([4, 7]);
    await session.release();
  });

  it("tracks shapes while building and reports mismatches at build time", () => {
    const g = new GraphBuilder("shapes");
    const o = new Ops(g);
    const a = g.input("a", "float", [2, 3]);
    const b = g.input("b", "float", [4, 5]);
    expect(() => o.add(a, b)).toThrow(/broadcast: shapes \[2,3\] and \[4,5\] are incompatible/);
    expect(() => o.matmul(a, b)).toThrow(/inner dims differ/);
    expect(() => o.reshape(a, [4, 2])).toThrow(/6 elements, target \[4,2\] has 8/);
    expect(o.reshape(a, [3, -1]).shape).toEqual([3, 2]);
    expect(o.reduceSum(g.input("c", "float", [2, 3, 4, 5]), [0, 2]).shape).toEqual([1, 3, 1, 5]);
  });
});
