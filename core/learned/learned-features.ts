import { mindSsc, MIND_CHANNELS } from '../kernels/mind.js';
import { writeIntensityChannel } from '../registration/gauss-newton.js';
import type { FeatureExtractor } from '../registration/gauss-newton.js';
import type { FeatureNet } from './feature-net.js';

/**
 * Learned features: MIND-SSC channels followed by the network's, and with `intensityWeight` > 0
 * the normalised intensity times that weight last (as mindFeatureExtractor adds it).
 */
export function learnedFeatures(net: FeatureNet, mindRadius = 1, mindDilation = 1, intensityWeight = 0): FeatureExtractor {
  const k = net.config.outChannels;
  const C = MIND_CHANNELS + k + (intensityWeight > 0 ? 1 : 0);
  return {
    channels: C,
    termScale: 1 / MIND_CHANNELS,
    compute(image) {
      // MIND fills the first 12 values of each voxel in place; the network's channels follow.
      const out = mindSsc(image.data, image.dims, { radius: mindRadius, dilation: mindDilation }, undefined, C);
      const learned = net.computeTyped(image.data, image.dims);
      const n = image.data.length;
      for (let v = 0; v < n; v++) for (let c = 0; c < k; c++) out[v * C + MIND_CHANNELS + c] = learned[v * k + c];
      return intensityWeight > 0 ? writeIntensityChannel(out, image.data, C, C - 1, intensityWeight) : out;
    },
  };
}
