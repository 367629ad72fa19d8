/**
 * The supervoxel network: a compact 3D DeepLab (SLIC-Reg), layout tfjs NDHWC [1, nz, ny, nx, C].
 *
 * Backbone: MobileNetV2 inverted residual blocks (1×1 expansion, 3×3×3 depthwise, 1×1
 * projection; ReLU6 after the first two; a residual where in = out channels at stride 1); the
 * first block's expansion is a 3×3×3 stride-2 convolution of the image, the fourth block's
 * depthwise convolution has stride 2 (about 210k weights). No batch normalisation (batches of
 * one): every convolution has a bias instead.
 * ASPP on the stride-4 features: a 1×1 branch, one branch per dilation (2, 4, 8, 16; a dilated
 * 3×3×3 depthwise convolution then a 1×1, i.e. depthwise-separable atrous convolution), a global
 * average branch, concatenated and projected to 128 channels.
 * Skip: the ASPP output upsampled ×2 (trilinear) beside the stride-2 backbone features (24 ch).
 * Head at stride 2: 1×1 to G·w channels, a depthwise 3×3×3 convolution, a grouped 1×1 (G groups
 * of w channels) to G × classes scores: for every voxel of the half-resolution grid, G softmaxes over the
 * classes (supervoxels 1…127 and background). Channel index = layer · classes + class.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, Weights } from '../student/network.js';
import { upsample2 } from '../student/network.js';
import { depthwiseConv3d, groupedConv1x1, pointwiseConv3d } from '../../tensor/grouped-conv.js';

export interface SupervoxelArchitecture {
  blocks: { in: number; mid: number; out: number; stride: 1 | 2 }[];
  /** Backbone blocks before the skip (their output, stride 2, is the skip). */
  skipAfter: number;
  aspp: { channels: number; dilations: number[] };
  /** Layers of supervoxels (groups of the head) and classes per layer (count + background). */
  groups: number;
  classes: number;
  /** Channels per group inside the head. */
  headWidth: number;
}

export const SUPERVOXEL_ARCHITECTURE: SupervoxelArchitecture = {
  blocks: [
    { in: 1, mid: 64, out: 24, stride: 1 },
    { in: 24, mid: 128, out: 24, stride: 1 },
    { in: 24, mid: 192, out: 32, stride: 1 },
    { in: 32, mid: 192, out: 48, stride: 2 },
    { in: 48, mid: 256, out: 48, stride: 1 },
    { in: 48, mid: 256, out: 48, stride: 1 },
    { in: 48, mid: 256, out: 64, stride: 1 },
    { in: 64, mid: 384, out: 64, stride: 1 },
  ],
  skipAfter: 2,
  aspp: { channels: 128, dilations: [2, 4, 8, 16] },
  groups: 16,
  classes: 128,
  headWidth: 8,
};

const conv = (name: string, kernel: number, inChannels: number, outChannels: number, stride = 1): LayerSpec => ({
  name,
  kind: 'conv',
  kernel,
  stride,
  inChannels,
  outChannels,
});

/**
 * The layers in weight-file order. Depthwise layers are written as kernel 3, 1 input, C outputs
 * ([3,3,3,1,C]); grouped ones with the inputs of one group ([k,k,k,in/G,out]): the shapes the
 * grouped ops take, and He initialisation's fan-in (k³ · inputs per group) comes out right.
 */
export function supervoxelLayers(a: SupervoxelArchitecture = SUPERVOXEL_ARCHITECTURE): LayerSpec[] {
  const layers: LayerSpec[] = [];
  a.blocks.forEach((b, i) => {
    layers.push(i === 0 ? conv(`b${i}.expand`, 3, b.in, b.mid, 2) : conv(`b${i}.expand`, 1, b.in, b.mid));
    layers.push(conv(`b${i}.dw`, 3, 1, b.mid, b.stride));
    layers.push(conv(`b${i}.project`, 1, b.mid, b.out));
  });
  const c = a.blocks[a.blocks.length - 1].out;
  const A = a.aspp.channels;
  layers.push(conv('aspp.b0', 1, c, A));
  a.aspp.dilations.forEach((_, i) => {
    layers.push(conv(`aspp.d${i + 1}.dw`, 3, 1, c));
    layers.push(conv(`aspp.d${i + 1}.pw`, 1, c, A));
  });
  layers.push(conv('aspp.pool', 1, c, A));
  layers.push(conv('aspp.project', 1, A * (a.aspp.dilations.length + 2), A));
  const skip = a.blocks[a.skipAfter - 1].out;
  const G = a.groups;
  const w = a.headWidth;
  layers.push(conv('head.in', 1, A + skip, G * w));
  layers.push(conv('head.dw', 3, 1, G * w));
  layers.push(conv('head.out', 1, w, G * a.classes));
  return layers;
}

/** Grid sizes the network takes: every axis divisible by 4 (two stride-2 steps). */
export function checkSupervoxelGrid(dims: number[]): void {
  if (dims.some((d) => d % 4 !== 0 || d < 8))
    throw new Error(`the supervoxel network's grid must be a multiple of 4 on every axis (got ${dims.join('×')})`);
}

const bias = (x: tf.Tensor5D, w: Weights, name: string) => tf.add(x, w(`${name}.b`)) as tf.Tensor5D;
const pointwise = (x: tf.Tensor5D, w: Weights, name: string) => bias(pointwiseConv3d(x, w(`${name}.w`) as tf.Tensor5D), w, name);

function block(x: tf.Tensor5D, w: Weights, i: number, b: SupervoxelArchitecture['blocks'][number]): tf.Tensor5D {
  const e =
    i === 0 ? bias(tf.conv3d(x, w(`b${i}.expand.w`) as tf.Tensor5D, 2, 'same'), w, `b${i}.expand`) : pointwise(x, w, `b${i}.expand`);
  const h = tf.relu6(e);
  const d = tf.relu6(bias(depthwiseConv3d(h, w(`b${i}.dw.w`) as tf.Tensor5D, b.stride), w, `b${i}.dw`));
  const y = pointwise(d, w, `b${i}.project`);
  return b.in === b.out && b.stride === 1 && i > 0 ? (tf.add(y, x) as tf.Tensor5D) : y;
}

/** image [1, nz, ny, nx, 1] → the head's input at stride 2, [1, nz/2, ny/2, nx/2, 128 + skip]. */
export function supervoxelTrunk(image: tf.Tensor5D, w: Weights, a: SupervoxelArchitecture = SUPERVOXEL_ARCHITECTURE): tf.Tensor5D {
  return tf.tidy(() => {
    let x = image;
    let skip: tf.Tensor5D | undefined;
    a.blocks.forEach((b, i) => {
      x = block(x, w, i, b);
      if (i === a.skipAfter - 1) skip = x;
    });
    const branches = [tf.relu(pointwise(x, w, 'aspp.b0'))];
    a.aspp.dilations.forEach((d, i) => {
      const dw = tf.relu(bias(depthwiseConv3d(x, w(`aspp.d${i + 1}.dw.w`) as tf.Tensor5D, 1, d), w, `aspp.d${i + 1}.dw`));
      branches.push(tf.relu(pointwise(dw, w, `aspp.d${i + 1}.pw`)));
    });
    const pooled = tf.relu(pointwise(tf.mean(x, [1, 2, 3], true) as tf.Tensor5D, w, 'aspp.pool'));
    branches.push(tf.mul(pooled, tf.onesLike(branches[0])) as tf.Tensor5D);
    const y = tf.relu(pointwise(tf.concat(branches, 4), w, 'aspp.project'));
    return tf.concat([upsample2(y), skip!], 4);
  });
}

/** The head's shared first layer: trunk output → [1, …, G·w]. */
export function headInput(features: tf.Tensor5D, w: Weights): tf.Tensor5D {
  return tf.tidy(() => tf.relu(pointwise(features, w, 'head.in')));
}

/**
 * Scores of layers g0 … g0+n−1 from the head input: [1, …, n · classes] (depthwise 3×3×3 of their
 * channels, ReLU, grouped 1×1). Computing a few layers at a time keeps the memory of the 16 × 128 scores bounded.
 */
export function headScores(
  h: tf.Tensor5D,
  w: Weights,
  g0: number,
  n: number,
  a: SupervoxelArchitecture = SUPERVOXEL_ARCHITECTURE,
): tf.Tensor5D {
  return tf.tidy(() => {
    const hw = a.headWidth;
    const K = a.classes;
    const [, D, H, W] = h.shape;
    const hs = tf.slice(h, [0, 0, 0, 0, g0 * hw], [1, D, H, W, n * hw]);
    const wd = tf.slice(w('head.dw.w'), [0, 0, 0, 0, g0 * hw], [3, 3, 3, 1, n * hw]) as tf.Tensor5D;
    const bd = tf.slice(w('head.dw.b'), [g0 * hw], [n * hw]);
    const h2 = tf.relu(tf.add(depthwiseConv3d(hs, wd), bd)) as tf.Tensor5D;
    const wo = tf.slice(w('head.out.w'), [0, 0, 0, 0, g0 * K], [1, 1, 1, hw, n * K]) as tf.Tensor5D;
    const bo = tf.slice(w('head.out.b'), [g0 * K], [n * K]);
    return tf.add(groupedConv1x1(h2, wo, n), bo) as tf.Tensor5D;
  });
}

/** All 16 × 128 scores at once (tests and the ONNX comparison; training and inference go by chunks). */
export function supervoxelForward(image: tf.Tensor5D, w: Weights, a: SupervoxelArchitecture = SUPERVOXEL_ARCHITECTURE): tf.Tensor5D {
  return tf.tidy(() => headScores(headInput(supervoxelTrunk(image, w, a), w), w, 0, a.groups, a));
}

/** Log-probabilities per layer: scores [1, …, G·K] → [V, G, K] log-softmax over K. */
export function groupedLogSoftmax(scores: tf.Tensor5D, classes: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [, D, H, W, C] = scores.shape;
    return tf.logSoftmax(tf.reshape(scores, [D * H * W, C / classes, classes]), 2) as tf.Tensor3D;
  });
}
