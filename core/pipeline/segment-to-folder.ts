/**
 * One segmentation from files to its result folder: check the folder can take a result, read
 * the inputs, run the pipeline, write the folder as a whole. The one sequence behind `segment`,
 * `demo`, `bench` and the app's engine host.
 */
import { segmentScan, readSegmentInput } from './segment.js';
import type { SegmentFiles, SegmentOptions, SegmentResult } from './segment.js';
import { prepareResultFolder, writeSegmentResult } from '../results/result-folder.js';

export interface SegmentToFolderOptions extends SegmentOptions {
  /** Seconds from process start until the command began (recorded in metrics.stages). */
  startSeconds?: number;
}

export async function segmentToFolder(
  files: SegmentFiles,
  outDir: string,
  options: SegmentToFolderOptions,
): Promise<{ result: SegmentResult; files: string[] }> {
  // Refused before any work when the folder holds other files.
  await prepareResultFolder(outDir);
  const readStarted = performance.now();
  const input = await readSegmentInput(files);
  const read = (performance.now() - readStarted) / 1000;
  const { startSeconds, ...segmentOptions } = options;
  const result = await segmentScan(input, segmentOptions);
  result.metrics.stages = { start: startSeconds, read, ...result.metrics.stages };
  const { atlasImage, atlasLabels, scan, scanLabels } = files;
  const written = await writeSegmentResult(outDir, result, { inputs: { atlasImage, atlasLabels, scan, scanLabels } });
  return { result, files: written };
}
