/**
 * The student network (LDR-ALDK's light-weight registration network) and its discriminator, as
 * layer lists over one set of named weights (params.ts). Layout: tfjs NDHWC, [1, nz, ny, nx, C].
 *
 * Student: four 4×4×4 stride-2 convolutions with ReLU (16, 32, 64, 128 channels); three 4×4×4
 * stride-2 transposed convolutions (64, 32, 16), each after the previous decoder output is
 * concatenated with the encoder output of the same size; the last decoder output, concatenated
 * with the first encoder output, gives 3 channels through a 3×3×3 convolution at half size, then
 * trilinear ×2 upsampling (half-pixel centres, edge clamped) brings the displacement (voxels of
 * the network grid, x, y, z) to the input size. Input: template and scan, 2 channels.
 *
 * Discriminator: six 3D convolutions on a displacement field (3 channels): 4×4×4, stride 1 then
 * stride 2 from the second layer, 16 → 256 channels with ReLU, 1 channel with a sigmoid at the
 * end, averaged to one score.
 */
import * as tf from '@tensorflow/tfjs';

export type LayerKind = 'conv' | 'convT';

/** One layer: its weights are `${name}.w` ([k,k,k,in,out], transposed: [k,k,k,out,in]) and `${name}.b`. */
export interface LayerSpec {
  name: string;
  kind: LayerKind;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
}

export interface StudentArchitecture {
  encoder: number[];
  decoder: number[];
}

export const STUDENT_ARCHITECTURE: StudentArchitecture = { encoder: [16, 32, 64, 128], decoder: [64, 32, 16] };

/** The student's layers in order (the weights' file order). */
export function studentLayers(arch: StudentArchitecture = STUDENT_ARCHITECTURE): LayerSpec[] {
  const { encoder: enc, decoder: dec } = arch;
  if (dec.length !== enc.length - 1) throw new Error('the decoder needs one level fewer than the encoder');
  const layers: LayerSpec[] = enc.map((c, i) => ({
    name: `enc${i + 1}`,
    kind: 'conv' as const,
    kernel: 4,
    stride: 2,
    inChannels: i === 0 ? 2 : enc[i - 1],
    outChannels: c,
  }));
  dec.forEach((c, i) => {
    // Input: the deepest encoder output, or the previous decoder output beside its encoder skip.
    const inChannels = i === 0 ? enc[enc.length - 1] : dec[i - 1] + enc[enc.length - 1 - i];
    layers.push({ name: `dec${i + 1}`, kind: 'convT', kernel: 4, stride: 2, inChannels, outChannels: c });
  });
  layers.push({ name: 'flow', kind: 'conv', kernel: 3, stride: 1, inChannels: dec[dec.length - 1] + enc[0], outChannels: 3 });
  return layers;
}

export const DISCRIMINATOR_CHANNELS = [16, 32, 64, 128, 256];

export function discriminatorLayers(channels: number[] = DISCRIMINATOR_CHANNELS): LayerSpec[] {
  const layers: LayerSpec[] = channels.map((c, i) => ({
    name: `d${i + 1}`,
    kind: 'conv' as const,
    kernel: 4,
    stride: i === 0 ? 1 : 2,
    inChannels: i === 0 ? 3 : channels[i - 1],
    outChannels: c,
  }));
  layers.push({
    name: `d${channels.length + 1}`,
    kind: 'conv',
    kernel: 4,
    stride: 2,
    inChannels: channels[channels.length - 1],
    outChannels: 1,
  });
  return layers;
}

/**
 * A full-size VoxelMorph-like encoder-decoder for comparison of size only (never trained here):
 * two 3×3×3 convolutions per level at full resolution, four stride-2 levels of 32, 64, 128, 256
 * channels with two convolutions each, a symmetric decoder (transposed convolution then two
 * convolutions on the concatenated skip) and a 3-channel output.
 */
export function fullSizeLayers(): LayerSpec[] {
  const widths = [32, 64, 128, 256];
  const layers: LayerSpec[] = [];
  const conv = (name: string, inC: number, outC: number, stride = 1, kernel = 3) =>
    layers.push({ name, kind: 'conv', kernel, stride, inChannels: inC, outChannels: outC });
  conv('in1', 2, 16);
  conv('in2', 16, 16);
  let c = 16;
  widths.forEach((w, i) => {
    conv(`down${i + 1}`, c, w, 2);
    conv(`enc${i + 1}a`, w, w);
    conv(`enc${i + 1}b`, w, w);
    c = w;
  });
  const skips = [16, ...widths].reverse().slice(1);
  skips.forEach((s, i) => {
    layers.push({ name: `up${i + 1}`, kind: 'convT', kernel: 2, stride: 2, inChannels: c, outChannels: s });
    conv(`dec${i + 1}a`, 2 * s, s);
    conv(`dec${i + 1}b`, s, s);
    c = s;
  });
  conv('flow', c, 3);
  return layers;
}

export function weightShape(l: LayerSpec): number[] {
  const k = l.kernel;
  return l.kind === 'conv' ? [k, k, k, l.inChannels, l.outChannels] : [k, k, k, l.outChannels, l.inChannels];
}

export function parameterCount(layers: LayerSpec[]): number {
  return layers.reduce((s, l) => s + weightShape(l).reduce((a, b) => a * b, 1) + l.outChannels, 0);
}

/** Named weights of a layer list (see params.ts). */
export type Weights = (name: string) => tf.Tensor;

function apply(l: LayerSpec, x: tf.Tensor5D, w: Weights): tf.Tensor5D {
  const W = w(`${l.name}.w`) as tf.Tensor5D;
  const b = w(`${l.name}.b`);
  if (l.kind === 'conv') return tf.add(tf.conv3d(x, W, l.stride, 'same'), b);
  const [, d, h, wd] = x.shape;
  const out: [number, number, number, number, number] = [1, d * l.stride, h * l.stride, wd * l.stride, l.outChannels];
  return tf.add(tf.conv3dTranspose(x, W, out, l.stride, 'same'), b);
}

/** Trilinear ×2 upsampling along one axis (half-pixel centres, edge clamped). */
function upsampleAxis(x: tf.Tensor5D, axis: 1 | 2 | 3): tf.Tensor5D {
  const n = x.shape[axis];
  const prev = tf.concat([sliceAlong(x, axis, 0, 1), sliceAlong(x, axis, 0, n - 1)], axis);
  const next = tf.concat([sliceAlong(x, axis, 1, n - 1), sliceAlong(x, axis, n - 1, 1)], axis);
  const even = tf.add(tf.mul(x, 0.75), tf.mul(prev, 0.25));
  const odd = tf.add(tf.mul(x, 0.75), tf.mul(next, 0.25));
  // Interleave: stack on a new axis after `axis`, then merge the two.
  const shape: number[] = [...x.shape];
  shape[axis] = 2 * n;
  return tf.reshape(tf.stack([even, odd], axis + 1), shape as [number, number, number, number, number]);
}

function sizeAlong(shape: number[], axis: number, size: number): number[] {
  return shape.map((s, i) => (i === axis ? size : s));
}

function sliceAlong(x: tf.Tensor5D, axis: number, start: number, size: number): tf.Tensor5D {
  const begin = Array(5).fill(0);
  begin[axis] = start;
  return tf.slice(x, begin, sizeAlong(x.shape, axis, size));
}

export function upsample2(x: tf.Tensor5D): tf.Tensor5D {
  return upsampleAxis(upsampleAxis(upsampleAxis(x, 1), 2), 3);
}

/** Grid sizes the student accepts: every axis divisible by 2^(encoder levels). */
export function checkStudentGrid(dims: number[], arch: StudentArchitecture = STUDENT_ARCHITECTURE): void {
  const m = 2 ** arch.encoder.length;
  if (dims.some((d) => d % m !== 0 || d < m))
    throw new Error(`the student's grid must be a multiple of ${m} on every axis (got ${dims.join('×')})`);
}

/** input [1, nz, ny, nx, 2] (template, scan) → displacement [1, nz, ny, nx, 3] in grid voxels (x, y, z). */
export function studentForward(input: tf.Tensor5D, w: Weights, arch: StudentArchitecture = STUDENT_ARCHITECTURE): tf.Tensor5D {
  return tf.tidy(() => {
    const layers = studentLayers(arch);
    const nEnc = arch.encoder.length;
    const skips: tf.Tensor5D[] = [];
    let x = input;
    for (let i = 0; i < nEnc; i++) {
      x = tf.relu(apply(layers[i], x, w));
      skips.push(x);
    }
    for (let i = 0; i < arch.decoder.length; i++) {
      const xin = i === 0 ? x : tf.concat([x, skips[nEnc - 1 - i]], 4);
      x = tf.relu(apply(layers[nEnc + i], xin, w));
    }
    const flow = apply(layers[layers.length - 1], tf.concat([x, skips[0]], 4), w);
    return upsample2(flow);
  });
}

/**
 * The logistic sigmoid, twice differentiable: tfjs' own Sigmoid gradient is written in terms of
 * its saved output, and differentiating that gradient again (the discriminator's gradient
 * penalty) gives wrong values; here the gradient is recomputed from the saved input.
 */
export function sigmoid2(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a]);
    return {
      value: tf.sigmoid(a),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const s = tf.sigmoid(saved[0]);
        return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor;
}

/** field [1, nz, ny, nx, 3] → one score in (0, 1) per batch element, [1]. */
export function discriminatorForward(field: tf.Tensor5D, w: Weights, channels: number[] = DISCRIMINATOR_CHANNELS): tf.Tensor1D {
  return tf.tidy(() => {
    const layers = discriminatorLayers(channels);
    let x = field;
    layers.forEach((l, i) => {
      const y = apply(l, x, w);
      x = i === layers.length - 1 ? (sigmoid2(y) as tf.Tensor5D) : tf.relu(y);
    });
    return tf.mean(x, [1, 2, 3, 4]) as tf.Tensor1D;
  });
}
