/** Template thumbnails: the middle axial slice, windowed at the 1st–99th percentile, as a PNG data URL. */
import type { Volume } from '../../core/volume/volume.js';
import { encodeGrayPng } from './png.js';

export function thumbnail(img: Volume): string {
  const [nx, ny, nz] = img.dims;
  const k = Math.floor(nz / 2);
  const slice = img.data.subarray(k * nx * ny, (k + 1) * nx * ny);
  const sorted = Float32Array.from(slice).sort();
  const lo = sorted[Math.floor(sorted.length * 0.01)];
  const hi = sorted[Math.floor(sorted.length * 0.99)] || lo + 1;
  const px = new Uint8Array(nx * ny);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++)
      px[(ny - 1 - j) * nx + i] = Math.max(0, Math.min(255, Math.round((255 * (slice[j * nx + i] - lo)) / (hi - lo))));
  return `data:image/png;base64,${encodeGrayPng(nx, ny, px).toString('base64')}`;
}
