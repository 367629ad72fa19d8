/**
 * The volume reader process: reads, decodes and checks the volumes that the user interface asks
 * about (template import, adding scans, reference labels, the viewers' layers, DICOM series), and
 * answers with summaries or voxel data. A hostile or huge file costs this process, never the
 * server's event loop; if it dies, the main side fails the request and starts a fresh one.
 */
import { readVolume, readVolumeHeader, writeVolume } from '../../core/volume/io.js';
import { describeGrid } from '../../core/volume/volume.js';
import { sameLattice } from '../../core/volume/reorient.js';
import type { Grid } from '../../core/volume/volume.js';
import { LabelWarpError, describeError } from '../../core/util/errors.js';
import type { VolumePayload } from '../../core/ipc/contract.js';
import { thumbnail } from '../app/thumbnail.js';
import { checkLabelMap } from '../../core/quality/label-map-check.js';
import { parentPort } from './parent-port.js';
import type { FromReader, ReadRequest, ReadResults, ToReader } from './reader-protocol.js';

const channel = parentPort<ToReader, FromReader>();

const info = (v: Grid) => ({ dims: v.dims, spacing: v.spacing });

async function template(image: string, labels: string): Promise<ReadResults['template']> {
  const img = await readVolume(image, 'image');
  const lab = await readVolume(labels, 'labels');
  if (!sameLattice(lab, img))
    throw new LabelWarpError(`the label map's grid (${describeGrid(lab)}) does not match the image's (${describeGrid(img)})`, labels);
  const { labels: present } = checkLabelMap(lab, labels);
  return { info: info(img), labelCount: present.length, thumbnail: thumbnail(img) };
}

/** Sizes and the reference's grid from the headers alone: adding a scan decodes no voxels. */
async function scan(image: string, reference?: string): Promise<ReadResults['scan']> {
  const { grid, geometryGuessed } = await readVolumeHeader(image, 'image');
  let referenceMatches = false;
  if (reference) {
    try {
      referenceMatches = sameLattice((await readVolumeHeader(reference, 'labels')).grid, grid);
    } catch {
      referenceMatches = false;
    }
  }
  return { info: { ...info(grid), ...(geometryGuessed ? { geometryGuessed } : {}) }, referenceMatches };
}

async function reference(image: string, labels: string): Promise<ReadResults['reference']> {
  const [img, lab] = await Promise.all([readVolumeHeader(image, 'image'), readVolumeHeader(labels, 'labels')]);
  if (!sameLattice(lab.grid, img.grid))
    throw new LabelWarpError(
      `the reference label map's grid (${describeGrid(lab.grid)}) does not match the scan's (${describeGrid(img.grid)})`,
      labels,
    );
  return { info: info(img.grid) };
}

async function volume(file: string, kind: 'image' | 'labels' | 'vector'): Promise<VolumePayload> {
  const v = await readVolume(file, kind);
  const isLabels = kind === 'labels';
  return {
    dims: v.dims,
    spacing: v.spacing,
    origin: v.origin,
    direction: [...v.direction],
    type: isLabels ? 'uint16' : 'float32',
    data: isLabels ? Uint16Array.from(v.data) : v.data instanceof Float32Array ? v.data : Float32Array.from(v.data),
  };
}

async function answer(r: ReadRequest): Promise<unknown> {
  switch (r.op) {
    case 'template':
      return template(r.image, r.labels);
    case 'scan':
      return scan(r.image, r.reference);
    case 'reference':
      return reference(r.image, r.labels);
    case 'volume':
      return volume(r.file, r.kind);
    case 'dicom':
      await writeVolume(r.out, await readVolume(r.folder, 'image'));
      return { out: r.out };
  }
}

channel.on('message', (m) => {
  if (m.type !== 'read') return;
  answer(m.request).then(
    (value) => channel.postMessage({ type: 'result', id: m.id, ok: true, value }),
    (err) => channel.postMessage({ type: 'result', id: m.id, ok: false, error: describeError(err) }),
  );
});
