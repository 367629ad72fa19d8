/**
 * One segmentation from files to its result folder: check the folder can take a result, read
 * the inputs, run the pipeline, write the folder as a whole. The one sequence behind `segment`,
 * `demo`, `bench` and the app's engine host.
 */
import { segmentScan, readSegmentInput } from './segment.js';
import type { VolumeRead } from './segment.js';
import type { SegmentFiles, SegmentOptions, SegmentResult } from './segment.js';
import { prepareResultFolder, writeSegmentResult } from '../results/result-folder.js';
import { resultProvenance } from './result-provenance.js';

export interface SegmentToFolderOptions extends SegmentOptions {
  /** Seconds from process start until the command began (recorded in metrics.stages). */
  startSeconds?: number;
  /** The template as read for an earlier scan of the same run (the engine host reads it once per run). */
  template?: Promise<[VolumeRead, VolumeRead]>;
}

export async function segmentToFolder(
  files: SegmentFiles,
  outDir: string,
  options: SegmentToFolderOptions,
): Promise<{ result: SegmentResult; files: string[] }> {
  // Refused before any work when the folder holds other files.
  await prepareResultFolder(outDir);
  const readStarted = performance.now();
  const { startSeconds, template, ...segmentOptions } = options;
  const input = await readSegmentInput(files, template);
  const read = (performance.now() - readStarted) / 1000;
  const result = await segmentScan(input, segmentOptions);
  result.metrics.stages = { start: startSeconds, read, ...result.metrics.stages };
  const { templateImage, templateLabels, scan, scanLabels } = files;
  const provenance = await resultProvenance(options.engine, options.engineOptions ?? {}, result.metrics.backend);
  const written = await writeSegmentResult(outDir, result, { inputs: { templateImage, templateLabels, scan, scanLabels }, provenance });
  return { result, files: written };
}
