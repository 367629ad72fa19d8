/**
 * The engine host: a separate process that runs registrations one at a time, so the window never
 * freezes and a crash here never takes the app down. Started by EngineHost (engine-host.ts) as an
 * Electron utility process or a Node child process; talks through process messages.
 */
import { segmentToFolder } from '../../core/pipeline/segment-to-folder.js';
import { readTemplateFiles } from '../../core/pipeline/segment.js';
import type { VolumeRead } from '../../core/pipeline/segment.js';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { describeError, CancelledError } from '../../core/util/errors.js';
import { HEARTBEAT_MS } from './protocol.js';
import type { FromHost, ToHost, JobRequest } from './protocol.js';
import { parentPort } from './parent-port.js';
import { openWorkspace } from '../../core/workspace/workspace.js';
import { getRun } from '../../core/workspace/runs.js';
import { runWorkspaceJob } from '../../core/workspace/batch.js';

const channel = parentPort<ToHost, FromHost>();
const running = new Map<string, AbortController>();

/** The template of the current run, read once for all its scans (a new run, or other files, reads afresh). */
let cached: { key: string; template: Promise<[VolumeRead, VolumeRead]> } | undefined;

function runTemplate(req: JobRequest): Promise<[VolumeRead, VolumeRead]> {
  const files = { templateImage: req.templateImage, templateLabels: req.templateLabels };
  if (!req.runId) return readTemplateFiles(files);
  const key = JSON.stringify([req.runId, req.templateImage, req.templateLabels]);
  if (cached?.key !== key) {
    const template = readTemplateFiles(files);
    // A failed read is not kept: the next scan of the run tries again (and names the file itself).
    template.catch(() => {
      if (cached?.template === template) cached = undefined;
    });
    cached = { key, template };
  }
  return cached.template;
}

/** A job of a cohort workspace: claimed, computed and committed there (core/workspace/batch.ts). */
async function runInWorkspace(jobId: string, w: NonNullable<JobRequest['workspace']>, signal: AbortSignal): Promise<void> {
  const ws = await openWorkspace(w.root);
  const r = await runWorkspaceJob(ws, await getRun(ws, w.runId), w.scanId, {
    signal,
    onProgress: (p) => channel.postMessage({ type: 'progress', jobId, stage: p.stage, fraction: p.fraction, message: p.message }),
  });
  if (r.outcome === 'cancelled') throw new CancelledError();
  channel.postMessage({
    type: 'done',
    jobId,
    outcome: {
      meanDice: r.meanDice,
      seconds: r.seconds,
      warnings: [],
      files: [],
      workspace: { outcome: r.outcome, seconds: r.seconds, error: r.error },
    },
  });
}

async function run(jobId: string, req: JobRequest): Promise<void> {
  const controller = new AbortController();
  running.set(jobId, controller);
  try {
    if (req.workspace) return await runInWorkspace(jobId, req.workspace, controller.signal);
    const inputs = { templateImage: req.templateImage, templateLabels: req.templateLabels, scan: req.scan, scanLabels: req.scanLabels };
    const { result, files } = await segmentToFolder(inputs, req.outDir, {
      template: runTemplate(req),
      engine: req.engine,
      engineOptions: req.options,
      signal: controller.signal,
      onProgress: (p) => channel.postMessage({ type: 'progress', jobId, stage: p.stage, fraction: p.fraction, message: p.message }),
    });
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

// A heartbeat as long as the event loop turns: EngineHost replaces a host that falls silent.
setInterval(() => channel.postMessage({ type: 'heartbeat' }), HEARTBEAT_MS).unref();

const backend = await initTensorBackend();
channel.postMessage({ type: 'ready', backend: backend.description, device: backend.device });
channel.postMessage({ type: 'memory', rss: process.memoryUsage().rss });
