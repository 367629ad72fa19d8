/**
 * DICOM series folders: detected by the DICM preamble of their files, read by ITK
 * (@itk-wasm/dicom, pure WebAssembly) into one image. Shared by the command line (`--scan DIR`)
 * and the app's folder import.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Image } from 'itk-wasm';
import { LabelWarpError } from '../util/errors.js';
import { itkFailureReason, quietItk } from './itk-quiet.js';

async function isDicomFile(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    if (!(await fh.stat()).isFile()) return false;
    const buf = Buffer.alloc(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return bytesRead === 132 && buf.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await fh.close();
  }
}

/** True when one of the first candidate files of `folder` (named *.dcm or without extension) is DICOM. */
export async function looksLikeDicomFolder(folder: string, files?: string[]): Promise<boolean> {
  const names = files ?? (await fs.readdir(folder).catch(() => [] as string[])).sort();
  const candidates = names.filter((f) => /\.dcm$/i.test(f) || !f.includes('.')).slice(0, 3);
  for (const f of candidates) if (await isDicomFile(path.join(folder, f))) return true;
  return false;
}

/** The DICOM files of a folder (resolved through symbolic links), sorted by name. */
async function dicomFiles(folder: string): Promise<string[]> {
  const real = await fs.realpath(folder);
  const files: string[] = [];
  for (const f of (await fs.readdir(real)).sort()) {
    const file = path.join(real, f);
    if (await isDicomFile(file)) files.push(await fs.realpath(file));
  }
  return files;
}

/** Reads the DICOM series in `folder` as one ITK image (slices ordered by ITK's GDCM series reader). */
export async function readDicomSeriesImage(folder: string): Promise<Image> {
  const files = await dicomFiles(folder).catch(() => {
    throw new LabelWarpError('folder not found', folder);
  });
  if (files.length === 0) throw new LabelWarpError('holds no DICOM files', folder);
  try {
    // Loaded on first use: most runs read no DICOM.
    const { readImageDicomFileSeriesNode } = await import('@itk-wasm/dicom');
    return (await quietItk(() => readImageDicomFileSeriesNode({ inputImages: files }))).outputImage as Image;
  } catch (err) {
    throw new LabelWarpError(`the DICOM series could not be read (${itkFailureReason(err)})`, folder);
  }
}
