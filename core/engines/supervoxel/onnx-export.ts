/**
 * The supervoxel network as an ONNX graph (onnx-proto): the depthwise and grouped convolutions are
 * Conv with `group` (what tfjs lacks, grouped-conv.ts writes with other ops), ReLU6 is Clip(0, 6),
 * stride-2 layers pad 0 before and 1 after (tfjs 'same' on even sizes), the ASPP's global branch
 * is GlobalAveragePool then Expand, the skip's upsampling Resize (trilinear, half-pixel, as
 * upsample2). The graph ends in the matching features: per layer a Softmax over the classes and
 * a MatMul with the folding matrix (features.ts), so it takes the image [1, nz, ny, nx, 1] and
 * returns [1, nz/2, ny/2, nx/2, layers · bins], the arrays predictFeatures gives on tfjs. ONNX
 * Runtime computes all 16 × 128 scores at once (the tfjs path goes a few layers at a time).
 */
import type onnxProto from 'onnx-proto';
import { encodeModel, int, int64Tensor, ints, str, tensor, toOnnxKernel, writeOnnxFile } from '../../tensor/onnx-graph.js';
import type { Vec3 } from '../../volume/volume.js';
import type { ParamSet } from '../student/params.js';
import type { LayerSpec } from '../student/network.js';
import { supervoxelLayers } from './network.js';
import type { SupervoxelArchitecture } from './network.js';

/** The ONNX model (bytes) for a network grid (x, y, z) and the folding matrix [layers, classes, bins]. */
export function supervoxelOnnx(
  params: ParamSet,
  arch: SupervoxelArchitecture,
  grid: Vec3,
  folding: Float32Array,
  bins: number,
): Uint8Array {
  const layers = new Map(supervoxelLayers(arch).map((l) => [l.name, l]));
  const values = params.values();
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const [nx, ny, nz] = grid;
  const [hx, hy, hz] = [nx / 2, ny / 2, nz / 2];
  let uid = 0;
  const fresh = (s: string) => `${s}.${uid++}`;
  initializer.push(tensor('zero', [], Float32Array.from([0])), tensor('six', [], Float32Array.from([6])));

  /** A Conv of layer `name`: groups, stride, dilation; 'same' output size. */
  const conv = (name: string, input: string, o: { groups?: number; stride?: number; dilation?: number } = {}): string => {
    const l = layers.get(name) as LayerSpec;
    const shape = [l.kernel, l.kernel, l.kernel, l.inChannels, l.outChannels];
    initializer.push(
      tensor(`${name}.w`, [l.outChannels, l.inChannels, l.kernel, l.kernel, l.kernel], toOnnxKernel(values.get(`${name}.w`)!, shape)),
    );
    initializer.push(tensor(`${name}.b`, [l.outChannels], values.get(`${name}.b`)!));
    const stride = o.stride ?? 1;
    const d = o.dilation ?? 1;
    const before = l.kernel === 1 ? 0 : stride === 2 ? 0 : d;
    const after = l.kernel === 1 ? 0 : stride === 2 ? 1 : d;
    const out = fresh(name);
    nodes.push({
      opType: 'Conv',
      input: [input, `${name}.w`, `${name}.b`],
      output: [out],
      attribute: [
        ints('kernel_shape', [l.kernel, l.kernel, l.kernel]),
        ints('strides', [stride, stride, stride]),
        ints('dilations', [d, d, d]),
        ints('pads', [before, before, before, after, after, after]),
        int('group', o.groups ?? 1),
      ],
    });
    return out;
  };
  const op = (opType: string, input: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) => {
    const out = fresh(opType);
    nodes.push({ opType, input, output: [out], attribute });
    return out;
  };
  const relu = (x: string) => op('Relu', [x]);
  const relu6 = (x: string) => op('Clip', [x, 'zero', 'six']);

  let x = op('Transpose', ['image'], [ints('perm', [0, 4, 1, 2, 3])]);
  let skip = '';
  arch.blocks.forEach((b, i) => {
    const e = relu6(conv(`b${i}.expand`, x, { stride: i === 0 ? 2 : 1 }));
    const d = relu6(conv(`b${i}.dw`, e, { groups: b.mid, stride: b.stride }));
    const y = conv(`b${i}.project`, d);
    x = b.in === b.out && b.stride === 1 && i > 0 ? op('Add', [y, x]) : y;
    if (i === arch.skipAfter - 1) skip = x;
  });
  const c = arch.blocks[arch.blocks.length - 1].out;
  const A = arch.aspp.channels;
  const branches = [relu(conv('aspp.b0', x))];
  arch.aspp.dilations.forEach((d, i) => {
    const dw = relu(conv(`aspp.d${i + 1}.dw`, x, { groups: c, dilation: d }));
    branches.push(relu(conv(`aspp.d${i + 1}.pw`, dw)));
  });
  initializer.push(int64Tensor('pool.shape', [1, A, nz / 4, ny / 4, nx / 4]));
  branches.push(op('Expand', [relu(conv('aspp.pool', op('GlobalAveragePool', [x]))), 'pool.shape']));
  const aspp = relu(conv('aspp.project', op('Concat', branches, [int('axis', 1)])));
  initializer.push(tensor('roi', [0], new Float32Array(0)), tensor('scales', [5], Float32Array.from([1, 1, 2, 2, 2])));
  const up = op('Resize', [aspp, 'roi', 'scales'], [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')]);
  const h1 = relu(conv('head.in', op('Concat', [up, skip], [int('axis', 1)])));
  const h2 = relu(conv('head.dw', h1, { groups: arch.groups * arch.headWidth }));
  const scores = conv('head.out', h2, { groups: arch.groups });
  const G = arch.groups;
  const K = arch.classes;
  const V = hx * hy * hz;
  initializer.push(int64Tensor('scores.shape', [1, G, K, V]));
  const p = op('Softmax', [op('Reshape', [scores, 'scores.shape'])], [int('axis', 2)]); // [1, G, K, V]
  initializer.push(tensor('folding', [G, K, bins], folding));
  const f = op('MatMul', [op('Transpose', [p], [ints('perm', [0, 1, 3, 2])]), 'folding']); // [1, G, V, bins]
  initializer.push(int64Tensor('features.shape', [1, hz, hy, hx, G * bins]));
  const t = op('Transpose', [f], [ints('perm', [0, 2, 1, 3])]); // [1, V, G, bins]
  nodes.push({ opType: 'Reshape', input: [t, 'features.shape'], output: ['features'] });
  return encodeModel('labelwarp-supervoxel', nodes, initializer, ['image', [1, nz, ny, nx, 1]], ['features', [1, hz, hy, hx, G * bins]]);
}

export async function writeSupervoxelOnnx(
  file: string,
  params: ParamSet,
  arch: SupervoxelArchitecture,
  grid: Vec3,
  folding: Float32Array,
  bins: number,
): Promise<void> {
  await writeOnnxFile(file, supervoxelOnnx(params, arch, grid, folding, bins));
}
