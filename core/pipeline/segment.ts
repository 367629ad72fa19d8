/**
 * One-shot segmentation of one scan: register the template image to the scan,
 * carry the template labels onto the scan's own grid, and score them when reference labels exist.
 */
import { sameGrid, describeGrid, gridOf, createVolume } from '../volume/volume.js';
import type { Volume } from '../volume/volume.js';
import { checkLabelMap } from '../quality/label-map-check.js';
import { registerScan } from './register.js';
import { tensorBackendFor } from '../engines/index.js';
import { readVolumeWithWarnings } from '../volume/io.js';
import { onLattice, describeMapping } from '../volume/reorient.js';
import type { SpatialTransform } from '../registration/transform.js';
import { segmentationMetricsParallel, jacobianInBackground, transferParallel } from '../parallel/kernel-pool.js';
import type { LabelMetric } from '../metrics/overlap.js';
import { pairStatistics } from '../metrics/overlap.js';
import { labelVolumes, totalMl, volumesFromCounts } from '../metrics/volumes.js';
import { labelCounts } from '../metrics/label-counts.js';
import type { LabelVolume } from '../metrics/volumes.js';
import { LabelWarpError, throwIfAborted } from '../util/errors.js';
import { subProgress } from './progress.js';
import type { ProgressFn } from './progress.js';
import { segmentMemory } from './segment-memory.js';

export interface SegmentInput {
  templateImage: Volume;
  templateLabels: Volume;
  scan: Volume;
  /** Reference labels of the scan, for scoring. */
  scanLabels?: Volume;
  /** Names used in error messages. */
  names?: { templateImage?: string; templateLabels?: string; scan?: string; scanLabels?: string };
  /** What the readers had to assume about the files (e.g. no qform/sform), one sentence each. */
  readWarnings?: string[];
  /** Files whose position and orientation were not stored and had to be guessed. */
  geometryGuessed?: string[];
}

export interface SegmentOptions {
  engine: string;
  engineOptions?: Record<string, unknown>;
  /** 'label-linear' (default, one-hot-linear) or 'nearest'. */
  labelInterpolation?: 'label-linear' | 'nearest';
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Return the displacement field also for affine engines (the workspace keeps it for every result). */
  keepDisplacement?: boolean;
}

/** Seconds spent in each stage of a run (those a caller measured outside the pipeline included). */
export interface StageSeconds {
  /** Process start until the command began (CLI only). */
  start?: number;
  /** Reading the input files. */
  read?: number;
  registration: number;
  /** Evaluating the transform once, carrying labels, image and grid pattern onto the scan. */
  labels: number;
  /** Dice, HD95, Jacobian determinant and its statistics. */
  metrics: number;
}

export interface SegmentMetrics {
  engine: string;
  backend: string;
  /** Wall time of the whole pipeline (registration, label transfer, metrics). */
  seconds: number;
  /** Wall time of the registration alone. */
  registrationSeconds: number;
  stages: StageSeconds;
  /** Present only with reference labels. */
  meanDice?: number;
  meanHd95?: number | null;
  /** One row per reference label: Dice, HD95 (mm), voxel counts and volume; the only per-label record. */
  labels?: LabelMetric[];
  /** Volume (ml) of every transferred label, with the reference volume beside it where reference labels exist. */
  volumes: LabelVolume[];
  nonPositiveJacobianPercent: number;
  sdLogJacobian: number;
  /** Labelled volume on the scan over that in the template (core/quality: far from 1 is implausible). */
  labelVolumeRatio: number;
  warnings: string[];
  /** Input files whose geometry had to be guessed (no qform/sform): the result may be misplaced. */
  geometryGuessed: string[];
  /** Label maps stored in another voxel order than their image, reoriented exactly (no interpolation). */
  reoriented: string[];
  details: Record<string, number | string>;
}

export interface SegmentResult {
  /** Template labels on the scan's grid. */
  labels: Volume;
  /** Template image on the scan's grid. */
  warpedTemplate: Volume;
  transform: SpatialTransform;
  /** u(x) = T(x) − x on the scan's grid, LPS mm, interleaved (only for deformable engines). */
  displacementMm?: Float32Array;
  /** The same field component by component (NIfTI's order), for the result folder. */
  displacementByComponent?: Float32Array;
  /** Jacobian determinant of T on the scan's grid (only for deformable engines). */
  jacobian?: Float32Array;
  /** The template's grid pattern carried onto the scan (review layer). */
  gridLayer: Uint8Array;
  metrics: SegmentMetrics;
}

/** Files of one segmentation: the template image and labels, the scan, optional reference labels. */
export interface SegmentFiles {
  templateImage: string;
  templateLabels: string;
  scan: string;
  scanLabels?: string;
}

export type VolumeRead = Awaited<ReturnType<typeof readVolumeWithWarnings>>;

/** Reads a segmentation's template (image, labels): once for a whole run (see readSegmentInput). */
export function readTemplateFiles(files: Pick<SegmentFiles, 'templateImage' | 'templateLabels'>): Promise<[VolumeRead, VolumeRead]> {
  return Promise.all([readVolumeWithWarnings(files.templateImage, 'image'), readVolumeWithWarnings(files.templateLabels, 'labels')]);
}

/**
 * Reads the files of a segmentation (each checked, errors name the file); `template`: the
 * template already read for an earlier scan of the same run (never modified by a segmentation).
 */
export async function readSegmentInput(files: SegmentFiles, template = readTemplateFiles(files)): Promise<SegmentInput> {
  // The scan's files are read while the template's are (decompression runs on Node's thread pool).
  const scanReads = Promise.all([
    readVolumeWithWarnings(files.scan, 'image'),
    files.scanLabels ? readVolumeWithWarnings(files.scanLabels, 'labels') : Promise.resolve(undefined),
  ]);
  // Both settle before either error is reported, so no rejection is left unhandled.
  const [templateReads, scanSide] = await Promise.allSettled([template, scanReads]);
  if (templateReads.status === 'rejected') throw templateReads.reason;
  if (scanSide.status === 'rejected') throw scanSide.reason;
  const reads = [...templateReads.value, ...scanSide.value] as const;
  const [templateImage, templateLabels, scan, scanLabels] = reads;
  const { templateImage: a, templateLabels: al, scan: sc, scanLabels: sl } = files;
  const names = [a, al, sc, sl];
  return {
    templateImage: templateImage.volume,
    templateLabels: templateLabels.volume,
    scan: scan.volume,
    scanLabels: scanLabels?.volume,
    names: { templateImage: a, templateLabels: al, scan: sc, scanLabels: sl },
    readWarnings: reads.flatMap((r) => r?.warnings ?? []),
    geometryGuessed: names.filter((name, i): name is string => Boolean(name && reads[i]?.geometryGuessed)),
  };
}

/**
 * Label maps stored on their image's voxel lattice in another index order (e.g. a DICOM series
 * read back with its slices reversed) are reoriented exactly onto the image's grid; `notes` says
 * which. Label maps on really different grids are left for checkInputs to refuse.
 */
export function alignLabelMaps(input: SegmentInput): { input: SegmentInput; notes: string[] } {
  const n = input.names ?? {};
  const notes: string[] = [];
  const align = (labels: Volume, image: Volume, name: string | undefined, what: string): Volume => {
    const r = onLattice(labels, image);
    if (!r?.mapping) return labels;
    notes.push(`${name ?? what} holds the voxels of ${what} in another index order (${describeMapping(r.mapping)}); reoriented exactly`);
    return r.volume;
  };
  const templateLabels = align(input.templateLabels, input.templateImage, n.templateLabels, "the template's image");
  const scanLabels = input.scanLabels && align(input.scanLabels, input.scan, n.scanLabels, 'the scan');
  return { input: { ...input, templateLabels, scanLabels }, notes };
}

export function checkInputs(input: SegmentInput): void {
  const n = input.names ?? {};
  if (!sameGrid(input.templateImage, input.templateLabels)) {
    throw new LabelWarpError(
      `the template label map's grid (${describeGrid(input.templateLabels)}) does not match its image (${describeGrid(input.templateImage)})`,
      n.templateLabels,
    );
  }
  if (input.scanLabels && !sameGrid(input.scan, input.scanLabels)) {
    throw new LabelWarpError(
      `the scan's reference label map grid (${describeGrid(input.scanLabels)}) does not match the scan (${describeGrid(input.scan)})`,
      n.scanLabels,
    );
  }
  checkLabelMap(input.templateLabels, n.templateLabels, 'the template label map');
}

export async function segmentScan(given: SegmentInput, options: SegmentOptions): Promise<SegmentResult> {
  const { input, notes: reoriented } = alignLabelMaps(given);
  checkInputs(input);
  const started = performance.now();
  const progress = options.onProgress;
  const out = await registerScan(input.scan, input.templateImage, {
    engine: options.engine,
    engineOptions: options.engineOptions,
    signal: options.signal,
    onProgress: subProgress(progress, 0, 0.85),
    templateFile: input.names?.templateImage,
    callerBytes: segmentMemory(input.scan),
  });
  const descriptor = out.descriptor;
  // Selected when the engine was created, where it computes with tensors.
  const backend = await tensorBackendFor(options.engine, options.engineOptions);
  throwIfAborted(options.signal);
  progress?.({ stage: 'labels', fraction: 0.86, message: 'warping template labels' });
  const labelsStarted = performance.now();
  // The transform is evaluated once; labels, image, grid layer and Jacobian all come from it,
  // slice by slice, half the slices on the second core (label-transfer.ts). The outputs are in
  // shared memory, for that core to use again: det J and its statistics are computed there while
  // this one scores the labels, and awaited after the scores.
  const transferred = await transferParallel(out.transform, input.scan, {
    grid: gridOf(input.templateImage),
    image: input.templateImage.data,
    labels: input.templateLabels.data,
    labelMode: options.labelInterpolation ?? 'label-linear',
  });
  const field = transferred.displacementMm;
  const jacobianPending = jacobianInBackground(gridOf(input.scan), field);
  const labels = createVolume(gridOf(input.scan), transferred.labels);
  const warpedTemplate = createVolume(gridOf(input.scan), transferred.warped);
  const gridLayer = transferred.gridLayer;
  const labelsSeconds = (performance.now() - labelsStarted) / 1000;
  throwIfAborted(options.signal);
  progress?.({ stage: 'metrics', fraction: 0.9, message: 'computing metrics' });
  const metricsStarted = performance.now();
  // In shared memory: the second thread reads both label maps for its share of the HD95 work.
  const int32 = (a: ArrayLike<number>) => {
    if (a instanceof Int32Array && a.buffer instanceof SharedArrayBuffer) return a;
    const out = new Int32Array(new SharedArrayBuffer(4 * a.length));
    out.set(a);
    return out;
  };
  const pred = int32(labels.data);
  const ref = input.scanLabels && int32(input.scanLabels.data);
  // Each label map is read once for its counts (the volumes and the Dice denominators), the
  // agreement and the bounding boxes.
  const pair = ref && pairStatistics(pred, ref, input.scan.dims);
  const counts = pair
    ? { ...pair.counts, agreement: pair.agreement, boxes: pair.boxes }
    : { pred: labelCounts(pred), ref: ref && labelCounts(ref) };
  const volumes = volumesFromCounts(counts.pred, input.scan, counts.ref);
  // The second thread computes det J and its statistics first (about as long as three quarters
  // of the HD95 work): it takes a fifth of the HD95 work.
  const seg = ref && (await segmentationMetricsParallel(pred, ref, input.scan, 1 / 5, counts));
  const { det: jacobian, statistics: deformation } = await jacobianPending;
  const metrics: SegmentMetrics = {
    engine: descriptor.name,
    backend: backend.description,
    seconds: 0,
    registrationSeconds: out.seconds,
    stages: { registration: out.seconds, labels: labelsSeconds, metrics: 0 },
    volumes,
    labelVolumeRatio: totalMl(volumes) / totalMl(labelVolumes(input.templateLabels.data, input.templateLabels)),
    nonPositiveJacobianPercent: deformation.nonPositiveJacobianPercent,
    sdLogJacobian: deformation.sdLogJacobian,
    warnings: [...(input.readWarnings ?? []), ...out.warnings],
    geometryGuessed: [...(input.geometryGuessed ?? [])],
    reoriented,
    details: out.details,
  };
  if (seg) {
    metrics.meanDice = seg.meanDice;
    metrics.meanHd95 = seg.meanHd95;
    metrics.labels = seg.labels;
  }
  metrics.stages.metrics = (performance.now() - metricsStarted) / 1000;
  metrics.seconds = (performance.now() - started) / 1000;
  progress?.({
    stage: 'done',
    fraction: 1,
    message: metrics.meanDice !== undefined ? `mean Dice ${metrics.meanDice.toFixed(3)}` : 'done',
  });
  const deformable = descriptor.deformable;
  return {
    labels,
    warpedTemplate,
    transform: out.transform,
    displacementMm: deformable || options.keepDisplacement ? field : undefined,
    displacementByComponent: deformable || options.keepDisplacement ? transferred.displacementByComponent : undefined,
    jacobian: deformable ? jacobian : undefined,
    gridLayer,
    metrics,
  };
}
