/**
 * The training host: a separate process that runs one training (or one estimate's warm-up) at a
 * time through core/training, so the window never does tensor work and a crash here loses at most
 * the steps since the last checkpoint. Started by TrainingHost (training-host.ts).
 */
import '../../core/engines/index.js';
import { TrainingRun } from '../../core/training/controller.js';
import { estimateTraining } from '../../core/training/estimate.js';
import { readRecord } from '../../core/training/run-record.js';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { describeError } from '../../core/util/errors.js';
import { HEARTBEAT_MS } from './protocol.js';
import type { FromTrainer, ToTrainer } from './training-protocol.js';
import { parentPort } from './parent-port.js';

const channel = parentPort<ToTrainer, FromTrainer>();
const runs = new Map<string, TrainingRun>();
const estimates = new Map<string, AbortController>();

async function train(workspace: string, runId: string, paused: string[]): Promise<void> {
  const record = await readRecord(workspace, runId);
  const run = new TrainingRun(workspace, record, (event) => channel.postMessage({ type: 'event', runId, event }));
  for (const reason of paused) run.pause(reason);
  runs.set(runId, run);
  try {
    const done = await run.run();
    channel.postMessage({ type: 'finished', runId, record: done });
  } finally {
    runs.delete(runId);
    channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
  }
}

async function estimate(m: Extract<ToTrainer, { type: 'estimate' }>): Promise<void> {
  const controller = new AbortController();
  estimates.set(m.jobId, controller);
  try {
    const e = await estimateTraining(m.workspace, m.record, {
      signal: controller.signal,
      onProgress: (progress) => channel.postMessage({ type: 'estimated', jobId: m.jobId, progress }),
    });
    channel.postMessage({ type: 'estimated', jobId: m.jobId, estimate: e });
  } catch (err) {
    channel.postMessage({ type: 'estimated', jobId: m.jobId, error: describeError(err) });
  } finally {
    estimates.delete(m.jobId);
  }
}

channel.on('message', (m) => {
  switch (m.type) {
    case 'train':
      void train(m.workspace, m.runId, m.paused).catch((err) =>
        channel.postMessage({ type: 'event', runId: m.runId, event: { type: 'state', state: 'failed', error: describeError(err) } }),
      );
      break;
    case 'estimate':
      void estimate(m);
      break;
    case 'pause':
      runs.get(m.runId)?.pause(m.reason);
      break;
    case 'unpause':
      runs.get(m.runId)?.unpause(m.reason);
      break;
    case 'cancel':
      runs.get(m.id)?.cancel();
      estimates.get(m.id)?.abort();
      break;
    case 'status':
      channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
      break;
  }
});

setInterval(() => channel.postMessage({ type: 'heartbeat' }), HEARTBEAT_MS).unref();

const backend = await initTensorBackend();
channel.postMessage({ type: 'ready', backend: backend.description, device: backend.device });
