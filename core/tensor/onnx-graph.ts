/**
 * Small builders for ONNX graphs written with onnx-proto (the ONNX protobuf schema compiled for
 * JavaScript), shared by the exports of the learned engines: tfjs kernels in ONNX's layout,
 * float and int64 initialisers, attributes, typed graph inputs/outputs, and the model's bytes.
 */
import { promises as fs } from 'node:fs';
import onnxProto from 'onnx-proto';
import { writeAtomically } from '../util/atomic.js';

const { onnx } = onnxProto;

/** tfjs [kd, kh, kw, a, b] → ONNX [b, a, kd, kh, kw] (Conv: [out, in, …]; ConvTranspose: [in, out, …]). */
export function toOnnxKernel(data: Float32Array, shape: number[]): Float32Array {
  const [kd, kh, kw, a, b] = shape;
  const out = new Float32Array(data.length);
  for (let z = 0; z < kd; z++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < a; i++)
          for (let o = 0; o < b; o++) out[(((o * a + i) * kd + z) * kh + y) * kw + x] = data[(((z * kh + y) * kw + x) * a + i) * b + o];
  return out;
}

export function tensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  };
}

export function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

export const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: v,
});
export const str = (name: string, v: string): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(v),
});
export const int = (name: string, v: number): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i: v,
});

export function valueInfo(name: string, shape: number[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  };
}

/** The ONNX opset of the exports. */
export const OPSET = 13;

/** The model (bytes) of a graph named `name` with one float input and one float output ([name, shape] each). */
export function encodeModel(
  name: string,
  nodes: onnxProto.onnx.INodeProto[],
  initializer: onnxProto.onnx.ITensorProto[],
  input: [string, number[]],
  output: [string, number[]],
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'labelwarp',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name, node: nodes, initializer, input: [valueInfo(...input)], output: [valueInfo(...output)] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Writes a model's bytes to `file`, whole or not at all. */
export async function writeOnnxFile(file: string, bytes: Uint8Array): Promise<void> {
  await writeAtomically(file, (tmp) => fs.writeFile(tmp, bytes));
}
