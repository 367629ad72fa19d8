/**
 * The claimed size of a MetaImage (.mha/.mhd) or NRRD (.nrrd/.nhdr) file, read from its text
 * header and checked against the read limits before ITK allocates (and decompresses) the data.
 * Headers this check cannot parse are left to ITK, which refuses them.
 */
import { promises as fs } from 'node:fs';
import { LabelWarpError } from '../util/errors.js';
import { readLimits, sizeProblem } from './read-limits.js';

const HEADER_BYTES = 64 * 1024;

const META_TYPES: Record<string, number> = {
  MET_CHAR: 1,
  MET_UCHAR: 1,
  MET_SHORT: 2,
  MET_USHORT: 2,
  MET_INT: 4,
  MET_UINT: 4,
  MET_LONG: 4,
  MET_ULONG: 4,
  MET_LONG_LONG: 8,
  MET_ULONG_LONG: 8,
  MET_FLOAT: 4,
  MET_DOUBLE: 8,
};

const NRRD_TYPES: [RegExp, number][] = [
  [/^(signed |unsigned )?char$|^u?int8(_t)?$|^uchar$/, 1],
  [/^(signed |unsigned )?short( int)?$|^u?int16(_t)?$|^ushort$/, 2],
  [/^(signed |unsigned )?int$|^u?int32(_t)?$|^uint$|^float$/, 4],
  [/^(signed |unsigned )?long long( int)?$|^u?int64(_t)?$|^u?longlong$|^double$/, 8],
];

export function hasTextHeader(file: string): boolean {
  return /\.(mha|mhd|nrrd|nhdr)$/i.test(file);
}

/** Claimed dimensions and bytes per voxel, or undefined when the header does not say. */
function claimedSize(text: string, nrrd: boolean): { dims: number[]; bytesPerVoxel: number } | undefined {
  const field = (re: RegExp) => re.exec(text)?.[1]?.trim();
  const dimsText = nrrd ? field(/^sizes:\s*(.+)$/m) : field(/^DimSize\s*=\s*(.+)$/m);
  if (!dimsText) return undefined;
  const dims = dimsText.split(/\s+/).map(Number);
  if (dims.some((d) => !Number.isFinite(d))) return undefined;
  let bytes: number | undefined;
  if (nrrd) {
    const type = field(/^type:\s*(.+)$/m)?.toLowerCase();
    bytes = type ? NRRD_TYPES.find(([re]) => re.test(type))?.[1] : undefined;
  } else {
    const type = field(/^ElementType\s*=\s*(\S+)/m);
    const channels = Number(field(/^ElementNumberOfChannels\s*=\s*(\d+)/m) ?? 1);
    bytes = type && META_TYPES[type] ? META_TYPES[type] * channels : undefined;
  }
  return bytes ? { dims, bytesPerVoxel: bytes } : undefined;
}

/** Refuses a MetaImage or NRRD file whose header claims more than the read limits allow. */
export async function checkTextHeaderSize(file: string): Promise<void> {
  const fh = await fs.open(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEADER_BYTES, 0);
    text = buf.toString('latin1', 0, bytesRead);
  } finally {
    await fh.close();
  }
  const claim = claimedSize(text, /\.(nrrd|nhdr)$/i.test(file));
  if (!claim) return;
  if (claim.dims.some((d) => !(d >= 1))) throw new LabelWarpError(`claims the dimensions ${claim.dims.join('×')}`, file);
  const voxels = claim.dims.reduce((a, b) => a * b, 1);
  const problem = sizeProblem(claim.dims, voxels, voxels * claim.bytesPerVoxel, readLimits());
  if (problem) throw new LabelWarpError(problem, file);
}
