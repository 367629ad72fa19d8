/**
 * A training run's scans as the trainers read them (one folder, NAME_image / NAME_labels): links to
 * the chosen files, so scans from several folders train together without being copied.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { splitExtension } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';
import type { ScanEntry } from '../learned/dataset.js';

export interface TrainingScan {
  image: string;
  labels?: string;
  /** The subject's name (default: from the image's file name; a workspace's scans are all named image.*). */
  id?: string;
}

/** The subject id trainers use for a scan file (listScans' rule: no extension, no _image/_t1/_img). */
export function scanId(image: string): string {
  return splitExtension(path.basename(image))[0].replace(/_(image|t1|img)$/i, '');
}

async function link(target: string, at: string): Promise<void> {
  await fs.rm(at, { force: true });
  try {
    await fs.symlink(path.resolve(target), at);
  } catch {
    await fs.copyFile(target, at); // file systems without links
  }
}

/** Makes DIR hold NAME_image.EXT (and NAME_labels.EXT) for each scan; returns the entries. */
export async function linkScans(dir: string, scans: TrainingScan[]): Promise<ScanEntry[]> {
  await fs.mkdir(dir, { recursive: true });
  const seen = new Map<string, string>();
  const out: ScanEntry[] = [];
  for (const s of scans) {
    const id = s.id ?? scanId(s.image);
    if (seen.has(id)) throw new LabelWarpError(`two scans have the name ${id} (${seen.get(id)}); rename one`, s.image);
    seen.set(id, s.image);
    const image = path.join(dir, `${id}_image${splitExtension(s.image)[1]}`);
    await link(s.image, image);
    let labels: string | undefined;
    if (s.labels) {
      labels = path.join(dir, `${id}_labels${splitExtension(s.labels)[1]}`);
      await link(s.labels, labels);
    }
    out.push({ id, image, labels });
  }
  return out;
}
