/**
 * ONNX file format: the subset of onnx.proto the engine writes (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * OperatorSetIdProto), as plain TypeScript values and their encoder.
 * Field numbers are those of onnx/onnx.proto.
 */
import { MessageWriter } from "./wire";

export type ElemType = "float" | "int64" | "int32" | "bool";

const ELEM_TYPE_CODE: Record<ElemType, number> = { float: 1, int32: 6, int64: 7, bool: 9 };

/** A dimension: a size, or a symbolic name (e.g. the batch dimension "N"). */
export type Dim = number | string;

export interface TensorData {
  name: string;
  type: ElemType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: TensorData };

export interface NodeSpec {
  opType: string;
  domain?: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export interface ValueInfo {
  name: string;
  type: ElemType;
  shape: Dim[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorData[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelSpec {
  graph: GraphSpec;
  opsets: { domain: string; version: number }[];
  producer?: string;
}

/** IR version 8 goes with opset 17 (onnx/docs/Versioning.md). */
const IR_VERSION = 8;

export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new MessageWriter();
  w.int(1, IR_VERSION);
  w.string(2, model.producer ?? "sagemaker-image-classification-ts");
  w.message(7, encodeGraph(model.graph));
  for (const o of model.opsets) {
    const op = new MessageWriter();
    if (o.domain !== "") op.string(1, o.domain);
    op.int(2, o.version);
    w.message(8, op);
  }
  return w.finish();
}

function encodeGraph(g: GraphSpec): MessageWriter {
  const w = new MessageWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

function encodeNode(n: NodeSpec): MessageWriter {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attrs ?? {})) w.message(5, encodeAttr(name, a));
  if (n.domain) w.string(7, n.domain);
  return w;
}

/** AttributeProto.AttributeType codes. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function encodeAttr(name: string, a: Attr): MessageWriter {
  const w = new MessageWriter();
  w.string(1, name);
  if ("i" in a) w.int(3, a.i).int(20, ATTR_INT);
  else if ("f" in a) w.float(2, a.f).int(20, ATTR_FLOAT);
  else if ("s" in a) w.string(4, a.s).int(20, ATTR_STRING);
  else if ("ints" in a) w.packedInts(8, a.ints).int(20, ATTR_INTS);
  else if ("floats" in a) w.packedFloats(7, a.floats).int(20, ATTR_FLOATS);
  else w.message(5, encodeTensor(a.t)).int(20, ATTR_TENSOR);
  return w;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function encodeTensor(t: TensorData): MessageWriter {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(`ONNX tensor "${t.name}": ${t.data.length} values for dims [${t.dims}] (expected ${count})`);
  }
  // raw_data is little-endian by definition; the typed array's own bytes are exactly that on x86/ARM.
  if (!LITTLE_ENDIAN) throw new Error("ONNX writer: big-endian hosts are not supported");
  const w = new MessageWriter();
  w.packedInts(1, t.dims);
  w.int(2, ELEM_TYPE_CODE[t.type]);
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w;
}

function encodeValueInfo(v: ValueInfo): MessageWriter {
  const shape = new MessageWriter();
  for (const d of v.shape) {
    const dim = new MessageWriter();
    if (typeof d === "number") dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new MessageWriter().int(1, ELEM_TYPE_CODE[v.type]).message(2, shape);
  const type = new MessageWriter().message(1, tensorType);
  return new MessageWriter().string(1, v.name).message(2, type);
}
