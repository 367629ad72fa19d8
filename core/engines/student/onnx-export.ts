/**
 * The trained student as an ONNX graph, built with onnx-proto (the ONNX protobuf schema compiled
 * for JavaScript): Transpose (NDHWC → NCDHW), Conv/Relu, ConvTranspose/Relu with Concat skips, the
 * 3×3×3 output Conv, Resize (trilinear ×2, half-pixel, as network.ts's upsample2) and Transpose
 * back, so that the graph takes and returns the same [1, nz, ny, nx, C] arrays as the tfjs network.
 */
import type onnxProto from 'onnx-proto';
import { encodeModel, int, ints, str, tensor, toOnnxKernel, writeOnnxFile } from '../../tensor/onnx-graph.js';
import type { Vec3 } from '../../volume/volume.js';
import { studentLayers } from './network.js';
import type { LayerSpec, StudentArchitecture } from './network.js';
import type { ParamSet } from './params.js';

/** The ONNX model (bytes) of a student with these weights for a network grid (x, y, z). */
export function studentOnnx(params: ParamSet, arch: StudentArchitecture, grid: Vec3): Uint8Array {
  const layers = studentLayers(arch);
  const values = params.values();
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const [nx, ny, nz] = grid;
  nodes.push({ opType: 'Transpose', input: ['input'], output: ['x0'], attribute: [ints('perm', [0, 4, 1, 2, 3])] });
  const layer = (l: LayerSpec, input: string, output: string) => {
    const w = values.get(`${l.name}.w`)!;
    const shape = [l.kernel, l.kernel, l.kernel, ...(l.kind === 'conv' ? [l.inChannels, l.outChannels] : [l.outChannels, l.inChannels])];
    const onnxShape = [shape[4], shape[3], l.kernel, l.kernel, l.kernel];
    initializer.push(tensor(`${l.name}.w`, onnxShape, toOnnxKernel(w, shape)));
    initializer.push(tensor(`${l.name}.b`, [l.outChannels], values.get(`${l.name}.b`)!));
    // 'same' padding of tfjs for these kernels: 4×4×4 stride 2 → 1 each side; 3×3×3 stride 1 → 1.
    const pad = (l.kernel - l.stride) / 2;
    nodes.push({
      opType: l.kind === 'conv' ? 'Conv' : 'ConvTranspose',
      input: [input, `${l.name}.w`, `${l.name}.b`],
      output: [output],
      attribute: [
        ints('kernel_shape', [l.kernel, l.kernel, l.kernel]),
        ints('strides', [l.stride, l.stride, l.stride]),
        ints('pads', Array(6).fill(pad)),
      ],
    });
  };
  const relu = (input: string, output: string) => nodes.push({ opType: 'Relu', input: [input], output: [output] });
  const nEnc = arch.encoder.length;
  let x = 'x0';
  for (let i = 0; i < nEnc; i++) {
    layer(layers[i], x, `enc${i + 1}.pre`);
    relu(`enc${i + 1}.pre`, `enc${i + 1}`);
    x = `enc${i + 1}`;
  }
  for (let i = 0; i < arch.decoder.length; i++) {
    let input = x;
    if (i > 0) {
      input = `dec${i + 1}.in`;
      nodes.push({ opType: 'Concat', input: [x, `enc${nEnc - i}`], output: [input], attribute: [int('axis', 1)] });
    }
    layer(layers[nEnc + i], input, `dec${i + 1}.pre`);
    relu(`dec${i + 1}.pre`, `dec${i + 1}`);
    x = `dec${i + 1}`;
  }
  nodes.push({ opType: 'Concat', input: [x, 'enc1'], output: ['flow.in'], attribute: [int('axis', 1)] });
  layer(layers[layers.length - 1], 'flow.in', 'flow.half');
  initializer.push(tensor('roi', [0], new Float32Array(0)));
  initializer.push(tensor('scales', [5], Float32Array.from([1, 1, 2, 2, 2])));
  nodes.push({
    opType: 'Resize',
    input: ['flow.half', 'roi', 'scales'],
    output: ['flow.full'],
    attribute: [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')],
  });
  nodes.push({ opType: 'Transpose', input: ['flow.full'], output: ['field'], attribute: [ints('perm', [0, 2, 3, 4, 1])] });
  return encodeModel('labelwarp-student', nodes, initializer, ['input', [1, nz, ny, nx, 2]], ['field', [1, nz, ny, nx, 3]]);
}

export async function writeStudentOnnx(file: string, params: ParamSet, arch: StudentArchitecture, grid: Vec3): Promise<void> {
  await writeOnnxFile(file, studentOnnx(params, arch, grid));
}
