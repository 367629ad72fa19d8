/**
 * Just enough of the NIfTI-1/2 header to give clear errors before a file reaches the reader
 * (truncated data, wrong dimensionality, not NIfTI at all). Parsing proper is ITK's.
 */
export interface NiftiSummary {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0]: number of dimensions in use. */
  ndim: number;
  /** dim[1..7]. */
  dims: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  /** True for a header with a separate .img file ("ni1"/"ni2"). */
  pairedFile: boolean;
}

export function inspectNiftiHeader(bytes: Uint8Array): NiftiSummary | string {
  if (bytes.length < 348) return `only ${bytes.length} bytes: too short for a NIfTI header (348 bytes)`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (off: number, n: number) => String.fromCharCode(...bytes.subarray(off, off + n));
  for (const le of [true, false]) {
    const size = view.getInt32(0, le);
    if (size === 348) {
      const magic = ascii(344, 3);
      if (magic !== 'n+1' && magic !== 'ni1') return `header size is 348 but the magic is not NIfTI-1 ("${magic}")`;
      const dims = Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, le));
      return {
        version: 1,
        littleEndian: le,
        ndim: dims[0],
        dims: dims.slice(1),
        datatype: view.getInt16(70, le),
        bitpix: view.getInt16(72, le),
        voxOffset: view.getFloat32(108, le),
        pairedFile: magic === 'ni1',
      };
    }
    if (size === 540) {
      if (bytes.length < 540) return `only ${bytes.length} bytes: too short for a NIfTI-2 header`;
      const magic = ascii(4, 3);
      if (magic !== 'n+2' && magic !== 'ni2') return `header size is 540 but the magic is not NIfTI-2 ("${magic}")`;
      const dims = Array.from({ length: 8 }, (_, i) => Number(view.getBigInt64(16 + 8 * i, le)));
      return {
        version: 2,
        littleEndian: le,
        ndim: dims[0],
        dims: dims.slice(1),
        datatype: view.getInt16(12, le),
        bitpix: view.getInt16(14, le),
        voxOffset: Number(view.getBigInt64(168, le)),
        pairedFile: magic === 'ni2',
      };
    }
  }
  return 'not a NIfTI file (no NIfTI header found)';
}

/** Number of data bytes the header promises. */
export function niftiDataBytes(h: NiftiSummary): number {
  let n = 1;
  for (let d = 0; d < Math.max(1, Math.min(h.ndim, 7)); d++) n *= Math.max(1, h.dims[d]);
  return (n * h.bitpix) / 8;
}
