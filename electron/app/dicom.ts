/** DICOM series folders: detected by the DICM preamble, read by ITK (@itk-wasm/dicom), stored as NIfTI. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readImageDicomFileSeriesNode } from '@itk-wasm/dicom';
import type { Image } from 'itk-wasm';
import { writeAtomically } from '../../core/util/atomic.js';
import { writeImageNode } from '@itk-wasm/image-io';
import { LabelWarpError } from '../../core/util/errors.js';

async function isDicomFile(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return bytesRead === 132 && buf.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await fh.close();
  }
}

export async function looksLikeDicomFolder(folder: string, files: string[]): Promise<boolean> {
  const candidates = files.filter((f) => /\.dcm$/i.test(f) || !f.includes('.')).slice(0, 3);
  for (const f of candidates) if (await isDicomFile(path.join(folder, f))) return true;
  return false;
}

/** Reads the DICOM series in `folder` and writes it to `out` (NIfTI). */
export async function readDicomSeries(folder: string, out: string): Promise<void> {
  const files: string[] = [];
  for (const f of (await fs.readdir(folder)).sort()) if (await isDicomFile(path.join(folder, f))) files.push(path.join(folder, f));
  if (files.length === 0) throw new LabelWarpError('holds no DICOM files', folder);
  let image: Image;
  try {
    image = (await readImageDicomFileSeriesNode({ inputImages: files })).outputImage as Image;
  } catch (err) {
    throw new LabelWarpError(
      `the DICOM series could not be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      folder,
    );
  }
  await writeAtomically(out, (tmp) => writeImageNode(image, tmp, { useCompression: true }));
}
