import type { EngineHost, Job } from '../../electron/host/engine-host.js';

/** Resolves when the host reports job `id` finished (done, failed or cancelled). */
export function finishedJob(host: EngineHost, id: string): Promise<Job> {
  return new Promise((resolve) => {
    const on = (job: Job) => {
      if (job.id !== id) return;
      host.off('finished', on);
      resolve(job);
    };
    host.on('finished', on);
  });
}
