/**
 * Depthwise and grouped 3D convolutions for tfjs, which has neither (conv3d takes no groups, and
 * there is no depthwiseConv3d). Written as differentiable tfjs ops, so training
 * works on every backend (the depthwise loops read the tensors' data: on a GPU backend that is a
 * download); the ONNX export writes the same layers as Conv with `group`.
 *
 * - depthwiseConv3d: y_c = Σ_taps w[tap, c] · x_c(shifted by the tap), 3×3×3 taps, a custom op
 *   (loops over the arrays, with its gradients).
 * - pointwiseConv3d: a 1×1×1 convolution as one matrix product (faster than conv3d on tfjs' CPU).
 * - groupedConv1x1: a batched matrix product over the groups.
 * Weights follow tfjs' layout, the out channels in group order: depthwise [3,3,3,1,C]; grouped
 * 1×1 [1,1,1,in/G, out] with group g owning out channels g·out/G … (g+1)·out/G − 1.
 */
import * as tf from '@tensorflow/tfjs';

/** Input index of output o's centre along an axis: o for stride 1; 2o + 1 for stride 2 ('same', even size). */
const centreOf = (o: number, stride: number) => o * stride + stride - 1;

interface DwShape {
  D: number;
  H: number;
  W: number;
  C: number;
  stride: number;
  d: number;
}

/**
 * The three loops of a depthwise 3×3×3 convolution on channel-last arrays: y (forward), and for
 * an upstream dy the input gradient dx and the filter gradient dw (taps × C). `mode` picks one.
 */
function depthwiseLoops(
  s: DwShape,
  x: Float32Array | undefined,
  w: Float32Array | undefined,
  dy: Float32Array | undefined,
  mode: 'y' | 'dx' | 'dw',
): Float32Array {
  const { D, H, W, C, stride, d } = s;
  const [Do, Ho, Wo] = [D, H, W].map((n) => n / stride);
  const out = new Float32Array(mode === 'y' ? Do * Ho * Wo * C : mode === 'dx' ? D * H * W * C : 27 * C);
  for (let oz = 0; oz < Do; oz++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        const o = ((oz * Ho + oy) * Wo + ox) * C;
        for (let a = 0; a < 3; a++) {
          const z = centreOf(oz, stride) + (a - 1) * d;
          if (z < 0 || z >= D) continue;
          for (let b = 0; b < 3; b++) {
            const y = centreOf(oy, stride) + (b - 1) * d;
            if (y < 0 || y >= H) continue;
            for (let c3 = 0; c3 < 3; c3++) {
              const xx = centreOf(ox, stride) + (c3 - 1) * d;
              if (xx < 0 || xx >= W) continue;
              const i = ((z * H + y) * W + xx) * C;
              const t = ((a * 3 + b) * 3 + c3) * C;
              if (mode === 'y') for (let c = 0; c < C; c++) out[o + c] += w![t + c] * x![i + c];
              else if (mode === 'dx') for (let c = 0; c < C; c++) out[i + c] += w![t + c] * dy![o + c];
              else for (let c = 0; c < C; c++) out[t + c] += x![i + c] * dy![o + c];
            }
          }
        }
      }
  return out;
}

/**
 * x [1, D, H, W, C], w [3, 3, 3, 1, C] → [1, D/s, H/s, W/s, C], stride s ∈ {1, 2}, dilation d
 * (zero padding d; stride 2 centres output i on input 2i + 1: tfjs/TensorFlow 'same' on an even
 * size, ONNX pads 0 before and 1 after). Plain loops over the channel-last arrays with their
 * gradients as a custom op: tfjs' own depthwiseConv2d filter gradient is slow on the CPU backend
 * and has no gradient at all for dilation > 1.
 */
export function depthwiseConv3d(x: tf.Tensor5D, w: tf.Tensor5D, stride: 1 | 2 = 1, dilation = 1): tf.Tensor5D {
  const [, D, H, W, C] = x.shape;
  if (stride === 2 && (D % 2 || H % 2 || W % 2)) throw new Error(`stride 2 needs even sizes (got ${D}×${H}×${W})`);
  if (stride === 2 && dilation !== 1) throw new Error('dilated depthwise convolution with stride 2 is not supported');
  const s: DwShape = { D, H, W, C, stride, d: dilation };
  const outShape: [number, number, number, number, number] = [1, D / stride, H / stride, W / stride, C];
  const op = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const y = depthwiseLoops(s, xi.dataSync() as Float32Array, wi.dataSync() as Float32Array, undefined, 'y');
    return {
      value: tf.tensor5d(y, outShape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = dy.dataSync() as Float32Array;
        const xs = saved[0].dataSync() as Float32Array;
        const ws = saved[1].dataSync() as Float32Array;
        return [
          tf.tensor5d(depthwiseLoops(s, undefined, ws, g, 'dx'), [1, D, H, W, C]),
          tf.tensor5d(depthwiseLoops(s, xs, undefined, g, 'dw'), [3, 3, 3, 1, C]),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w) as tf.Tensor5D;
}

/** x [1, D, H, W, i], w [1, 1, 1, i, o] → [1, D, H, W, o] as one matrix product. */
export function pointwiseConv3d(x: tf.Tensor5D, w: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const [, D, H, W, i] = x.shape;
    const o = w.shape[4];
    return tf.reshape(tf.matMul(tf.reshape(x, [D * H * W, i]), tf.reshape(w, [i, o])), [1, D, H, W, o]) as tf.Tensor5D;
  });
}

/** x [1, D, H, W, G·i], w [1, 1, 1, i, G·o] → [1, D, H, W, G·o] (group g: in g·i…, out g·o…). */
export function groupedConv1x1(x: tf.Tensor5D, w: tf.Tensor5D, groups: number): tf.Tensor5D {
  return tf.tidy(() => {
    const [, D, H, W, Cin] = x.shape;
    const i = Cin / groups;
    const o = w.shape[4] / groups;
    if (w.shape[3] !== i) throw new Error(`grouped 1×1: ${w.shape[3]} inputs per group in the weight, ${i} in x`);
    const V = D * H * W;
    const xg = tf.transpose(tf.reshape(x, [V, groups, i]), [1, 0, 2]); // [G, V, i]
    const wg = tf.transpose(tf.reshape(w, [i, groups, o]), [1, 0, 2]); // [G, i, o]
    const y = tf.matMul(xg, wg); // [G, V, o]
    return tf.reshape(tf.transpose(y, [1, 0, 2]), [1, D, H, W, groups * o]);
  });
}
