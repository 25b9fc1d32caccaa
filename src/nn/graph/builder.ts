/**
 * Graph builder: nodes refer to values (objects), not names, so a value can be
 * renamed after the fact. That is how graph outputs get their public names
 * without `Identity` nodes (which copy their data in ONNX Runtime).
 */
import { encodeModel, type Attr, type Dim, type ElemType, type GraphSpec, type NodeSpec, type TensorData } from "../onnx/model";

export interface Value {
  name: string;
  readonly type: ElemType;
  readonly shape: readonly Dim[];
}

interface Node {
  opType: string;
  domain: string;
  inputs: (Value | null)[];
  outputs: Value[];
  attrs: Record<string, Attr>;
}

export const NCHWC_DOMAIN = "com.microsoft.nchwc";
export const OPSET = 17;

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly inits: { value: Value; data: TensorData["data"] }[] = [];
  private readonly inputs: Value[] = [];
  private readonly outputs: Value[] = [];
  private readonly names = new Set<string>();
  private readonly producers = new Map<Value, Node>();
  private readonly scalarCache = new Map<string, Value>();
  private counter = 0;

  constructor(readonly name: string) {}

  input(name: string, type: ElemType, shape: readonly Dim[]): Value {
    const v = this.newValue(name, type, shape, true);
    this.inputs.push(v);
    return v;
  }

  /** A constant tensor (an initializer). */
  constant(data: TensorData["data"], type: ElemType, shape: readonly number[], hint = "const"): Value {
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`constant ${hint}: ${data.length} values for shape [${shape}]`);
    const v = this.newValue(hint, type, shape, false);
    this.inits.push({ value: v, data });
    return v;
  }

  /** Shared scalar / small constants, one initializer per distinct value. */
  scalar(value: number, type: ElemType = "float"): Value {
    return this.cachedConstant(`${type}:${value}`, () => this.constant(typedArray(type, [value]), type, [], "scalar"));
  }

  ints(values: readonly number[]): Value {
    return this.cachedConstant(`ints:${values.join(",")}`, () =>
      this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), "int64", [values.length], "ints"),
    );
  }

  cachedConstant(key: string, make: () => Value): Value {
    let v = this.scalarCache.get(key);
    if (!v) {
      v = make();
      this.scalarCache.set(key, v);
    }
    return v;
  }

  /**
   * Adds a node; `outs` gives each output's type and shape (the builder's
   * shape tracking: callers compute shapes, the builder never guesses).
   */
  node(
    opType: string,
    inputs: (Value | null)[],
    outs: { type: ElemType; shape: readonly Dim[] }[],
    attrs: Record<string, Attr> = {},
    domain = "",
  ): Value[] {
    const outputs = outs.map((o) => this.newValue(opType.toLowerCase(), o.type, o.shape, false));
    const node: Node = { opType, domain, inputs, outputs, attrs };
    this.nodes.push(node);
    for (const o of outputs) this.producers.set(o, node);
    return outputs;
  }

  /** Marks `v` as a graph output named `name`, renaming it in place (no Identity copy). */
  output(v: Value, name: string): void {
    if (this.inputs.includes(v) || this.inits.some((i) => i.value === v) || this.outputs.includes(v)) {
      throw new Error(`graph ${this.name}: output ${name} would alias an input, constant or other output`);
    }
    if (this.names.has(name) && v.name !== name) throw new Error(`graph ${this.name}: name ${name} already used`);
    this.names.delete(v.name);
    v.name = name;
    this.names.add(name);
    this.outputs.push(v);
  }

  isOutput(v: Value): boolean {
    return this.outputs.includes(v);
  }

  producerOf(v: Value): { opType: string; domain: string } | undefined {
    return this.producers.get(v);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toGraphSpec(): GraphSpec {
    const nodes: NodeSpec[] = this.nodes.map((n, i) => ({
      opType: n.opType,
      domain: n.domain || undefined,
      name: `${n.opType}_${i}`,
      inputs: n.inputs.map((v) => (v === null ? "" : v.name)),
      outputs: n.outputs.map((v) => v.name),
      attrs: n.attrs,
    }));
    return {
      name: this.name,
      nodes,
      initializers: this.inits.map((i) => ({ name: i.value.name, type: i.value.type, dims: i.value.shape as number[], data: i.data })),
      inputs: this.inputs.map(info),
      outputs: this.outputs.map(info),
    };
  }

  toModel(): Uint8Array {
    const domains = new Set(this.nodes.map((n) => n.domain).filter((d) => d !== ""));
    return encodeModel({
      graph: this.toGraphSpec(),
      opsets: [{ domain: "", version: OPSET }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    });
  }

  private newValue(hint: string, type: ElemType, shape: readonly Dim[], exact: boolean): Value {
    let name = hint;
    if (exact) {
      if (this.names.has(name)) throw new Error(`graph ${this.name}: duplicate input name ${name}`);
    } else {
      do name = `${hint}_${this.counter++}`;
      while (this.names.has(name));
    }
    this.names.add(name);
    return { name, type, shape: [...shape] };
  }
}

function info(v: Value): { name: string; type: ElemType; shape: Dim[] } {
  return { name: v.name, type: v.type, shape: [...v.shape] };
}

export function typedArray(type: ElemType, values: readonly number[]): TensorData["data"] {
  switch (type) {
    case "float":
      return Float32Array.from(values);
    case "int64":
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case "int32":
      return Int32Array.from(values);
    case "bool":
      return Uint8Array.from(values);
  }
}
