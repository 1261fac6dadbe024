/**
 * Builds tiny ONNX models (one graph of a few nodes) as protobuf bytes, so the onnxruntime peer
 * needs no model files, no Python exporter and no protobuf library. Only the fields these
 * graphs use are written; field numbers are those of onnx.proto (IR version 8, opset 13).
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const FLOAT = 1; // TensorProto.DataType
const INT64 = 7;
const ATTR = { float: 1, int: 2, ints: 7 } as const; // AttributeProto.AttributeType

class Pb {
  readonly bytes: number[] = [];
  private varint(v: number): void {
    // Non-negative values below 2^53 only: every field written here fits.
    for (; v >= 0x80; v = Math.floor(v / 128)) this.bytes.push((v % 128) | 0x80);
    this.bytes.push(v);
  }
  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }
  float(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    this.bytes.push(...new Uint8Array(new Float32Array([v]).buffer));
    return this;
  }
  raw(field: number, data: ArrayLike<number>): this {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]!);
    return this;
  }
  str(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.raw(field, m.bytes);
  }
}

export type Attr = number | readonly number[] | { float: number };

export interface NodeDef {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, Attr>;
}

export interface GraphDef {
  /** Float32 graph inputs with static shapes. */
  inputs: Record<string, readonly number[]>;
  outputs: readonly string[];
  nodes: readonly NodeDef[];
  /** Constant int64 tensors (e.g. the axes input of ReduceSum). */
  int64?: Record<string, readonly number[]>;
}

function attribute(name: string, a: Attr): Pb {
  const p = new Pb().str(1, name);
  if (typeof a === 'number') return p.int(3, a).int(20, ATTR.int);
  if ('float' in a) return p.float(2, a.float).int(20, ATTR.float);
  for (const v of a as readonly number[]) p.int(8, v);
  return p.int(20, ATTR.ints);
}

function valueInfo(name: string, shape?: readonly number[]): Pb {
  const tensorType = new Pb().int(1, FLOAT);
  if (shape) {
    const dims = new Pb();
    for (const d of shape) dims.msg(1, new Pb().int(1, d));
    tensorType.msg(2, dims);
  }
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function int64Tensor(name: string, values: readonly number[]): Pb {
  const raw = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  return new Pb().int(1, values.length).int(2, INT64).str(8, name).raw(9, raw);
}

/** Serialises a ModelProto holding `g`. */
export function onnxModel(g: GraphDef): Uint8Array {
  const graph = new Pb();
  g.nodes.forEach((n, i) => {
    const node = new Pb();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `n${i}`).str(4, n.op);
    for (const [k, a] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, a));
    graph.msg(1, node);
  });
  graph.str(2, 'flint_bench');
  for (const [name, v] of Object.entries(g.int64 ?? {})) graph.msg(5, int64Tensor(name, v));
  for (const [name, shape] of Object.entries(g.inputs)) graph.msg(11, valueInfo(name, shape));
  for (const name of g.outputs) graph.msg(12, valueInfo(name));
  const model = new Pb().int(1, 8).str(2, 'flint-bench');
  model.msg(7, graph).msg(8, new Pb().str(1, '').int(2, 13));
  return new Uint8Array(model.bytes);
}
