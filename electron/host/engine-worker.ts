/**
 * The engine host: a separate process that runs registrations one at a time, so the window never
 * freezes and a crash here never takes the app down. Started by EngineHost (engine-host.ts) as an
 * Electron utility process or a Node child process; talks through process messages.
 */
import path from 'node:path';
import { writeVolume, compactLabels } from '../../core/volume/io.js';
import { createVolume, gridOf } from '../../core/volume/volume.js';
import { segmentScan, readSegmentInput } from '../../core/pipeline/segment.js';
import { writeSegmentResult } from '../../core/cli/outputs.js';
import { jacobianDeterminant } from '../../core/kernels/jacobian.js';
import { sourceIndexCoordinates } from '../../core/registration/transform.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { describeError, CancelledError } from '../../core/util/errors.js';
import type { FromHost, ToHost, JobRequest } from './protocol.js';
import { parentPort } from './parent-port.js';

const channel = parentPort<ToHost, FromHost>();
const running = new Map<string, AbortController>();

/** A grid pattern on the template, carried through the same transform: shows the deformation. */
function gridPattern(dims: [number, number, number], every = 6): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(nx * ny * nz);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) out[v] = i % every === 0 || j % every === 0 || k % every === 0 ? 1 : 0;
  return out;
}

async function run(jobId: string, req: JobRequest): Promise<void> {
  const controller = new AbortController();
  running.set(jobId, controller);
  try {
    const input = await readSegmentInput(req);
    const { atlasImage, scan } = input;
    const result = await segmentScan(input, {
      engine: req.engine,
      engineOptions: req.options,
      signal: controller.signal,
      onProgress: (p) => channel.postMessage({ type: 'progress', jobId, stage: p.stage, fraction: p.fraction, message: p.message }),
    });
    const written = await writeSegmentResult(req.outDir, result, {
      inputs: { atlasImage: req.atlasImage, atlasLabels: req.atlasLabels, scan: req.scan, scanLabels: req.scanLabels },
    });
    const files = Object.values(written).filter((f): f is string => typeof f === 'string');
    // Review layers: Jacobian determinant and a warped grid pattern on the scan grid.
    const grid = gridOf(scan);
    if (result.displacementMm) {
      const jac = path.join(req.outDir, 'jacobian.nii.gz');
      await writeVolume(jac, createVolume(grid, jacobianDeterminant(grid, result.displacementMm)));
      files.push(jac);
    }
    const pattern = createVolume(gridOf(atlasImage), gridPattern(atlasImage.dims));
    const warpedGrid = sampleAtCoordinates(pattern, grid, sourceIndexCoordinates(grid, atlasImage, result.transform), 'linear');
    const gridFile = path.join(req.outDir, 'grid.nii.gz');
    await writeVolume(gridFile, createVolume(grid, compactLabels(Array.from(warpedGrid.data, (x) => (x > 0.35 ? 1 : 0)))));
    files.push(gridFile);
    channel.postMessage({
      type: 'done',
      jobId,
      outcome: { meanDice: result.metrics.meanDice, seconds: result.metrics.seconds, warnings: result.metrics.warnings, files },
    });
  } catch (err) {
    channel.postMessage({ type: 'failed', jobId, error: describeError(err), cancelled: err instanceof CancelledError });
  } finally {
    running.delete(jobId);
    channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
  }
}

channel.on('message', (m) => {
  if (m.type === 'run') void run(m.jobId, m.request);
  else if (m.type === 'cancel') running.get(m.jobId)?.abort();
  else if (m.type === 'status') channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
});

const backend = await initTensorBackend();
channel.postMessage({ type: 'ready', backend: backend.description, device: backend.device });
channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
