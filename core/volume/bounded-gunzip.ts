/**
 * Gzip decompression that never produces more than the caller allows: a prefix (for reading a
 * header before anything else) and a whole stream capped at a byte count (for data whose size the
 * header has already declared). A gzip bomb stops at the cap instead of filling memory.
 */
import { constants, gunzip, gunzipSync } from 'node:zlib';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Compressed bytes tried for a prefix; deflate expands at most ~1032×, so output stays small. */
const PREFIX_INPUT_STEPS = [1024, 4096, 16384, 65536];

/**
 * The first `want` decompressed bytes (fewer if the stream is shorter), decompressing only a
 * bounded slice of the input. Throws on corrupt data within that slice.
 */
export function gunzipPrefix(bytes: Uint8Array, want: number): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  for (const n of PREFIX_INPUT_STEPS) {
    const slice = bytes.subarray(0, Math.min(n, bytes.length));
    out = gunzipSync(slice, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 * 1024 });
    if (out.length >= want || slice.length === bytes.length) break;
  }
  return out.subarray(0, Math.min(want, out.length));
}

/** Thrown when the stream decompresses to more than the allowed bytes. */
export class GunzipLimitError extends Error {
  constructor(readonly limit: number) {
    super(`decompresses to more than ${limit} bytes`);
    this.name = 'GunzipLimitError';
  }
}

/** Largest output buffer allocated ahead of decompression (a bigger stream takes several). */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Decompresses the whole stream off the main thread, refusing output beyond `maxBytes`. The output
 * buffer is sized for the expected bytes (up to 64 MiB), so that a volume inflates in one or a few
 * calls on the thread pool instead of thousands of 16 KiB round trips and a final copy.
 */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number): Promise<Buffer> {
  const limit = Math.max(1, Math.floor(maxBytes));
  return new Promise((resolve, reject) => {
    gunzip(bytes, { maxOutputLength: limit, chunkSize: Math.max(64, Math.min(limit, MAX_CHUNK_BYTES)) }, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new GunzipLimitError(maxBytes));
      else reject(err);
    });
  });
}
