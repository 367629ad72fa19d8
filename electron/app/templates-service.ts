/** The templates service (core/ipc/services/templates.ts): the bundled sample and imported templates. */
import path from 'node:path';
import type { LabelEntry, TemplateSummary, TemplatesService } from '../../core/ipc/contract.js';
import { readLabelTable, tableBeside } from '../../core/labels/label-table-file.js';
import { newId } from './app-context.js';
import type { AppContext } from './app-context.js';
import { labelNamesOf } from './app-state.js';
import type { TemplateRecord } from './app-state.js';

/** The templates shipped in the app's resources (paths relative to it). */
const BUNDLED = [
  {
    id: 'sample-ixi012',
    name: 'Sample: IXI012 brain, 148 DLMUSE regions',
    image: 'sample/ixi/IXI012_t1.nii.gz',
    labels: 'sample/ixi/IXI012_labels.nii.gz',
    names: 'sample/ixi/IXI012_labels.txt',
    credit: 'IXI data CC BY-SA 3.0 (brain-development.org); DLMUSE labels (CBICA, MIT)',
  },
];

const stripNames = ({ names: _n, table: _t, ...t }: TemplateRecord): TemplateSummary => t;

export class Templates implements TemplatesService {
  constructor(private readonly ctx: AppContext) {}

  /** Adds the bundled templates missing from the state (first start, or a new one shipped). */
  async addBundled(): Promise<void> {
    let added = false;
    for (const b of BUNDLED) {
      // Bundled data: read without the roots check (requests never name these paths).
      const file = (rel: string) => path.join(this.ctx.resourcesDir, ...rel.split('/'));
      const known = this.ctx.state.templates.find((t) => t.id === b.id);
      if (known) {
        // A state from before the bundled label table shipped: give it the names and colours.
        if (!known.table) {
          known.table = await readLabelTable(file(b.names));
          added = true;
        }
        continue;
      }
      const t = await this.make(file(b.image), file(b.labels), b.name, file(b.names));
      this.ctx.state.templates.unshift({ ...t, id: b.id, bundled: true, credit: b.credit });
      added = true;
    }
    if (added) await this.ctx.state.save();
  }

  private async make(image: string, labels: string, name: string, namesFile?: string): Promise<TemplateRecord> {
    const table = namesFile ? await readLabelTable(namesFile) : undefined;
    const t = await this.ctx.reader.read({ op: 'template', image, labels });
    return { id: newId('tpl'), name, image, labels, labelCount: t.labelCount, info: t.info, thumbnail: t.thumbnail, table };
  }

  async list(): Promise<TemplateSummary[]> {
    return this.ctx.state.templates.map(stripNames);
  }

  async import(a: { image: string; labels: string; names?: string; name?: string }): Promise<TemplateSummary> {
    const roots = this.ctx.roots;
    const image = await roots.resolve(a.image, 'read');
    const labels = await roots.resolve(a.labels, 'read');
    const names = a.names === undefined ? await tableBeside(labels, (f) => roots.allows(f, 'read')) : await roots.resolve(a.names, 'read');
    const t = await this.make(image, labels, a.name ?? path.basename(image).replace(/\.(nii\.gz|nii|nrrd|mha)$/i, ''), names);
    this.ctx.state.templates.push(t);
    await this.ctx.state.save();
    return stripNames(t);
  }

  async labelNames(a: { templateId: string }): Promise<Record<string, string>> {
    return labelNamesOf(this.ctx.state.template(a.templateId));
  }

  async labelTable(a: { templateId: string }): Promise<LabelEntry[]> {
    const t = this.ctx.state.template(a.templateId);
    return t.table ?? Object.entries(t.names ?? {}).map(([label, name]) => ({ label: Number(label), name }));
  }
}
