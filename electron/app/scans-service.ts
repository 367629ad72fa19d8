/** The scans service (core/ipc/services/scans.ts): images to segment, their reference labels, DICOM series. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isSupportedVolumeFile } from '../../core/volume/io.js';
import { looksLikeDicomFolder } from '../../core/volume/dicom-series.js';
import { LabelWarpError, describeError } from '../../core/util/errors.js';
import type { AddedScans, ScanSummary, ScansService } from '../../core/ipc/contract.js';
import { newId } from './app-context.js';
import type { AppContext } from './app-context.js';
import type { ScanRecord } from './app-state.js';

const LABEL_NAME = /label|seg|mask/i;

export class Scans implements ScansService {
  constructor(private readonly ctx: AppContext) {}

  async list(): Promise<ScanSummary[]> {
    return this.ctx.state.scans;
  }

  /** A label map beside the image, by name (X_t1 / X_image → X_labels). */
  private async findReference(image: string): Promise<string | undefined> {
    const dir = path.dirname(image);
    const m = /^(.*?)(?:_(?:t1|image|img|scan))?(\.nii\.gz|\.nii|\.nrrd|\.mha)$/i.exec(path.basename(image));
    if (!m) return undefined;
    for (const c of [`${m[1]}_labels${m[2]}`, `${m[1]}_seg${m[2]}`]) {
      const f = path.join(dir, c);
      if (f !== image && (await this.ctx.roots.allows(f, 'read'))) return f;
    }
    return undefined;
  }

  /** Adds one image: `trusted` only for files the app wrote itself (DICOM conversions in its state). */
  private async addOne(requested: string, trusted = false): Promise<ScanRecord> {
    const image = trusted ? requested : await this.ctx.roots.resolve(requested, 'read');
    const candidate = await this.findReference(image);
    const vol = await this.ctx.reader.read({ op: 'scan', image, reference: candidate });
    const existing = this.ctx.state.scans.find((s) => s.image === image);
    if (existing) return existing;
    const s: ScanRecord = {
      id: newId('scan'),
      name: path.basename(image).replace(/\.(nii\.gz|nii|nrrd|mha)$/i, ''),
      image,
      referenceLabels: vol.referenceMatches ? candidate : undefined,
      info: vol.info,
      status: 'new',
    };
    this.ctx.state.scans.push(s);
    return s;
  }

  async add(a: { paths: string[] }): Promise<AddedScans> {
    const added: ScanSummary[] = [];
    const errors: string[] = [];
    for (const requested of a.paths) {
      try {
        const p = await this.ctx.roots.resolve(requested, 'read');
        const st = await fs.stat(p).catch(() => undefined);
        if (st?.isDirectory()) {
          const r = await this.fromFolder(p);
          added.push(...r.added);
          errors.push(...r.errors);
        } else if (LABEL_NAME.test(path.basename(p))) {
          errors.push(`${p}: looks like a label map; add it as a template's labels or a scan's reference instead`);
        } else added.push(await this.addOne(p));
      } catch (err) {
        errors.push(describeError(err));
      }
    }
    await this.ctx.scansChanged();
    return { added, errors };
  }

  async addFolder(a: { folder: string }): Promise<AddedScans> {
    const r = await this.fromFolder(a.folder);
    await this.ctx.scansChanged();
    return r;
  }

  /** The images of a folder, or the folder as one DICOM series. */
  private async fromFolder(requested: string): Promise<AddedScans> {
    const folder = await this.ctx.roots.resolve(requested, 'read');
    let files: string[];
    try {
      files = (await fs.readdir(folder)).sort();
    } catch {
      throw new LabelWarpError('folder not found', folder);
    }
    const added: ScanSummary[] = [];
    const errors: string[] = [];
    if (await looksLikeDicomFolder(folder, files)) {
      try {
        const out = path.join(this.ctx.stateDir, 'dicom', `${path.basename(folder)}-${randomBytes(3).toString('hex')}.nii.gz`);
        // The series reader takes every file of the folder: a link in it must not lead outside.
        for (const f of files)
          if (!(await this.ctx.roots.allows(path.join(folder, f), 'read')))
            throw new LabelWarpError(`${f} in this DICOM folder links outside the folders LabelWarp may read`, folder);
        await this.ctx.reader.read({ op: 'dicom', folder, out });
        added.push(await this.addOne(out, true));
      } catch (err) {
        errors.push(describeError(err));
      }
    } else {
      for (const f of files) {
        if (!isSupportedVolumeFile(f) || LABEL_NAME.test(f)) continue;
        try {
          added.push(await this.addOne(path.join(folder, f)));
        } catch (err) {
          errors.push(describeError(err));
        }
      }
      if (added.length === 0 && errors.length === 0) errors.push(`${folder}: no NIfTI, NRRD or MHA images (and no DICOM series) found`);
    }
    return { added, errors };
  }

  async setReference(a: { scanId: string; labels: string }): Promise<ScanSummary> {
    const s = this.ctx.state.scan(a.scanId);
    const labels = await this.ctx.roots.resolve(a.labels, 'read');
    await this.ctx.reader.read({ op: 'reference', image: s.image, labels });
    s.referenceLabels = labels;
    await this.ctx.scansChanged();
    return s;
  }

  async remove(a: { scanId: string }): Promise<void> {
    const s = this.ctx.state.scan(a.scanId);
    if (s.status === 'running' || s.status === 'queued') throw new LabelWarpError(`${s.name} is being processed; cancel it first`);
    this.ctx.state.scans = this.ctx.state.scans.filter((x) => x.id !== a.scanId);
    await this.ctx.scansChanged();
  }
}
