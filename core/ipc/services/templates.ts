/** Templates: the annotated scans whose labels are carried onto new scans. */
import type { LabelEntry } from '../../labels/label-table.js';

export type { LabelEntry } from '../../labels/label-table.js';
import { absolutePath, id, none, object, optional, text } from '../check.js';
import { defineService } from '../table.js';

export interface VolumeInfo {
  dims: [number, number, number];
  spacing: [number, number, number];
  /** The file stores no position or orientation (NIfTI without qform/sform): the grid was guessed. */
  geometryGuessed?: boolean;
}

export interface TemplateSummary {
  id: string;
  name: string;
  image: string;
  labels: string;
  labelCount: number;
  info: VolumeInfo;
  /** Credit shown next to bundled data. */
  credit?: string;
  /** PNG data URL of the middle axial slice. */
  thumbnail: string;
  /** Shipped with the app (its files live in the app's resources). */
  bundled?: boolean;
}

export interface TemplatesService {
  list(): Promise<TemplateSummary[]>;
  import(args: { image: string; labels: string; names?: string; name?: string }): Promise<TemplateSummary>;
  labelNames(args: { templateId: string }): Promise<Record<string, string>>;
  /** Names and colours of the template's labels (ITK-SNAP or CSV table), sorted by label; empty without a table. */
  labelTable(args: { templateId: string }): Promise<LabelEntry[]>;
}

export const templatesContract = defineService<TemplatesService>(
  {
    list: none,
    import: object({ image: absolutePath, labels: absolutePath, names: optional(absolutePath), name: optional(text) }),
    labelNames: object({ templateId: id }),
    labelTable: object({ templateId: id }),
  },
  {},
);
