import { mindSsc, MIND_CHANNELS } from '../kernels/mind.js';
import type { FeatureExtractor } from '../registration/gauss-newton.js';
import type { FeatureNet } from './feature-net.js';

/** Learned features: MIND-SSC channels followed by the network's. */
export function learnedFeatures(net: FeatureNet, mindRadius = 1, mindDilation = 1): FeatureExtractor {
  return {
    channels: MIND_CHANNELS + net.config.outChannels,
    termScale: 1 / MIND_CHANNELS,
    compute(image) {
      const mind = mindSsc(image.data, image.dims, { radius: mindRadius, dilation: mindDilation });
      const learned = net.computeTyped(image.data, image.dims);
      const n = image.data.length;
      const k = net.config.outChannels;
      const C = MIND_CHANNELS + k;
      const out = new Float32Array(n * C);
      for (let v = 0; v < n; v++) {
        for (let c = 0; c < MIND_CHANNELS; c++) out[v * C + c] = mind[v * MIND_CHANNELS + c];
        for (let c = 0; c < k; c++) out[v * C + MIND_CHANNELS + c] = learned[v * k + c];
      }
      return out;
    },
  };
}
