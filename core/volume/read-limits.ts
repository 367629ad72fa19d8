/**
 * How large a volume the readers accept, checked against the size a file's header claims before
 * any data is decompressed. Defaults protect a laptop from a mistaken or hostile file; override
 * with LABELWARP_MAX_VOXELS / LABELWARP_MAX_BYTES (positive integers).
 */
export interface ReadLimits {
  /** Voxels × components. */
  maxVoxels: number;
  /** Decompressed bytes of voxel data (header and extensions excluded). */
  maxBytes: number;
}

export const DEFAULT_MAX_VOXELS = 512 * 512 * 512;
/** float64 at the voxel limit. */
export const DEFAULT_MAX_BYTES = DEFAULT_MAX_VOXELS * 8;
/** Decompressed bytes allowed beyond what a header claims (headers' extensions, padding). */
export const DECOMPRESSION_SLACK_BYTES = 1024 * 1024;

function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export function readLimits(): ReadLimits {
  return {
    maxVoxels: fromEnv('LABELWARP_MAX_VOXELS', DEFAULT_MAX_VOXELS),
    maxBytes: fromEnv('LABELWARP_MAX_BYTES', DEFAULT_MAX_BYTES),
  };
}

/** The reason a claimed size is refused, or undefined when it is within the limits. */
export function sizeProblem(dims: number[], voxels: number, bytes: number, limits: ReadLimits = readLimits()): string | undefined {
  const shape = dims.join('×');
  if (voxels > limits.maxVoxels) return `is too large (${shape}); at most ${limits.maxVoxels} voxels are supported`;
  if (bytes > limits.maxBytes)
    return `is too large (${shape}, ${bytes} bytes of voxel data); at most ${limits.maxBytes} bytes are supported`;
  return undefined;
}
