/**
 * From sparse keypoint displacements to a smooth dense field: Gaussian-weighted scattered-data
 * interpolation (Nadaraya–Watson). Each keypoint's value is splatted trilinearly with its weight
 * onto the grid, numerator and weight are blurred with the same separable Gaussian (σ in voxels
 * per axis), and divided; where no keypoint is near, the field falls back to the weighted mean of
 * all values (a small constant weight `floor` of the mean is added to both).
 */
import type { Vec3 } from '../../volume/volume.js';

/** In-place separable Gaussian blur of `channels` interleaved channels (edge-clamped). */
export function gaussianBlur(data: Float32Array, dims: Vec3, channels: number, sigma: Vec3): void {
  const [nx, ny] = dims;
  const strides = [channels, nx * channels, nx * ny * channels];
  for (let axis = 0; axis < 3; axis++) {
    const s = sigma[axis];
    if (!(s > 0)) continue;
    const r = Math.ceil(3 * s);
    const kernel = new Float64Array(2 * r + 1);
    let total = 0;
    for (let t = -r; t <= r; t++) total += kernel[t + r] = Math.exp(-(t * t) / (2 * s * s));
    for (let t = 0; t < kernel.length; t++) kernel[t] /= total;
    const n = dims[axis];
    const stride = strides[axis];
    const line = new Float64Array(n);
    const others = [0, 1, 2].filter((a) => a !== axis);
    for (let b = 0; b < dims[others[1]]; b++)
      for (let a = 0; a < dims[others[0]]; a++)
        for (let c = 0; c < channels; c++) {
          const base = a * strides[others[0]] + b * strides[others[1]] + c;
          for (let i = 0; i < n; i++) line[i] = data[base + i * stride];
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let t = -r; t <= r; t++) acc += kernel[t + r] * line[Math.min(n - 1, Math.max(0, i + t))];
            data[base + i * stride] = acc;
          }
        }
  }
}

/**
 * Dense field (3 values per voxel, the same units as `values`) on a grid of `dims` from values at
 * `points` (voxel coordinates of that grid, 3 per point).
 */
export function densify(points: Float32Array, values: Float32Array, dims: Vec3, sigma: Vec3, floor = 1e-3): Float32Array {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const acc = new Float32Array(4 * n); // Σ w·u (3) and Σ w
  const mean = [0, 0, 0];
  const count = points.length / 3;
  for (let p = 0; p < count; p++) {
    for (let a = 0; a < 3; a++) mean[a] += values[3 * p + a] / count;
    const x = Math.min(Math.max(points[3 * p], 0), nx - 1);
    const y = Math.min(Math.max(points[3 * p + 1], 0), ny - 1);
    const z = Math.min(Math.max(points[3 * p + 2], 0), nz - 1);
    const x0 = Math.min(Math.floor(x), nx - 2);
    const y0 = Math.min(Math.floor(y), ny - 2);
    const z0 = Math.min(Math.floor(z), nz - 2);
    for (let q = 0; q < 8; q++) {
      const i = Math.max(0, x0 + (q & 1));
      const j = Math.max(0, y0 + ((q >> 1) & 1));
      const k = Math.max(0, z0 + ((q >> 2) & 1));
      const w = (q & 1 ? x - x0 : 1 - (x - x0)) * ((q >> 1) & 1 ? y - y0 : 1 - (y - y0)) * ((q >> 2) & 1 ? z - z0 : 1 - (z - z0));
      if (w <= 0) continue;
      const v = 4 * (i + nx * (j + ny * k));
      acc[v] += w * values[3 * p];
      acc[v + 1] += w * values[3 * p + 1];
      acc[v + 2] += w * values[3 * p + 2];
      acc[v + 3] += w;
    }
  }
  gaussianBlur(acc, dims, 4, sigma);
  // The floor: the same small weight everywhere, of the mean value.
  let maxW = 0;
  for (let v = 0; v < n; v++) maxW = Math.max(maxW, acc[4 * v + 3]);
  const f = floor * maxW;
  const out = new Float32Array(3 * n);
  for (let v = 0; v < n; v++) {
    const w = acc[4 * v + 3] + f;
    for (let a = 0; a < 3; a++) out[3 * v + a] = w > 0 ? (acc[4 * v + a] + f * mean[a]) / w : mean[a];
  }
  return out;
}
