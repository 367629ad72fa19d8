/** A worker thread running typed-array kernels on shared memory for kernel-pool.ts. */
import { parentPort } from 'node:worker_threads';
import { mindSsc } from '../kernels/mind.js';
import { blockAverageSlices, blockDims } from '../kernels/pyramid.js';
import { normalizeToRange, robustRange } from '../kernels/intensity.js';
import { hd95Scores } from '../metrics/overlap.js';
import { resampleFieldToWorldSlices } from '../kernels/field-resample.js';
import { affineSumsRange } from '../registration/affine-terms.js';
import { cgHalves } from '../registration/linear-solve.js';
import { bestLabelsRange, costLabelsRange } from '../registration/discrete-search.js';
import { stepTermsRange } from '../registration/gn-step-terms.js';
import { breakBarrier, twoThreadBarrier } from './kernel-pool.js';
import { jacobianDeterminant } from '../kernels/jacobian.js';
import { jacobianStatistics } from '../metrics/deformation.js';
import { transformFromData } from '../registration/transform.js';
import { transferClaimedSlices } from '../pipeline/label-transfer.js';
import { keypointDataTerm } from '../engines/supervoxel/keypoints.js';
import type { KernelRequest } from './kernel-pool.js';

parentPort!.on('message', (req: KernelRequest) => {
  try {
    if (req.op === 'mind') {
      // Written straight into shared memory: the caller then pools it here without a copy.
      const [nx, ny, nz] = req.dims;
      const out = mindSsc(
        req.image,
        req.dims,
        req.options,
        new Float32Array(new SharedArrayBuffer(4 * req.stride * nx * ny * nz)),
        req.stride,
      );
      parentPort!.postMessage({ id: req.id, result: out });
    } else if (req.op === 'pool') {
      blockAverageSlices(req.data, req.dims, req.channels, req.f, 0, blockDims(req.dims, req.f)[2], req.out);
      parentPort!.postMessage({ id: req.id, result: true });
    } else if (req.op === 'normalize') {
      const range = robustRange(req.data);
      normalizeToRange(req.data, range, req.out);
      parentPort!.postMessage({ id: req.id, result: range });
    } else if (req.op === 'jacobian') {
      const [nx, ny, nz] = req.grid.dims;
      const det = jacobianDeterminant(req.grid, req.field, new Float32Array(new SharedArrayBuffer(4 * nx * ny * nz)));
      parentPort!.postMessage({ id: req.id, result: { det, statistics: jacobianStatistics(det) } });
    } else if (req.op === 'field') {
      resampleFieldToWorldSlices(req.u, req.from, req.to, req.k0, req.k1, req.out);
      parentPort!.postMessage({ id: req.id, result: true });
    } else if (req.op === 'cg') {
      let stats;
      try {
        stats = cgHalves(req.arrays, req.dims, req.options, req.start, req.split, [1], twoThreadBarrier(req.sync));
      } catch (err) {
        // The main thread, waiting at the barrier, learns of it at once and solves alone.
        breakBarrier(req.sync);
        throw err;
      }
      parentPort!.postMessage({ id: req.id, result: stats });
    } else if (req.op === 'step-terms') {
      parentPort!.postMessage({ id: req.id, result: stepTermsRange(req.data, req.k0, req.k1) });
    } else if (req.op === 'discrete-cost') {
      parentPort!.postMessage({ id: req.id, result: costLabelsRange(req.data, req.l0, req.l1) });
    } else if (req.op === 'discrete-best') {
      bestLabelsRange(req.data, req.x0, req.x1);
      parentPort!.postMessage({ id: req.id, result: true });
    } else if (req.op === 'affine-sums') {
      parentPort!.postMessage({ id: req.id, result: affineSumsRange(req.data, req.c, req.k0, req.k1) });
    } else if (req.op === 'transfer') {
      transferClaimedSlices(transformFromData(req.transform), req.target, req.source, req.next, req.out);
      parentPort!.postMessage({ id: req.id, result: true });
    } else if (req.op === 'keypoints') {
      const r = keypointDataTerm(req.features, req.keypoints, req.targets, req.flow, req.i0, req.i1, req.grad, req.windows);
      parentPort!.postMessage({ id: req.id, result: r });
    } else {
      parentPort!.postMessage({ id: req.id, result: [...hd95Scores(req.pred, req.ref, req.grid, req.labels, req.boxes)] });
    }
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
