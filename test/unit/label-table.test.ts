import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseLabelTable, labelName } from '../../core/labels/label-table.js';
import { SHARED } from '../helpers/synthetic.js';

describe('label tables (ITK-SNAP and CSV)', () => {
  it('reads the DLMUSE ITK-SNAP file of the IXI brains: 148 names with their colours, background left out', async () => {
    const t = parseLabelTable(await fs.readFile(path.join(SHARED, 'ixi-brain', 'labels.txt'), 'utf8'));
    expect(t.length).toBe(148);
    expect(t.find((e) => e.label === 0)).toBeUndefined();
    expect(t.find((e) => e.label === 4)).toEqual({ label: 4, name: 'Third Ventricle', colour: [70, 124, 255] });
    expect(labelName(t, 31)).toBe('Right Amygdala');
    expect(labelName(t, 9999)).toBe('Label 9999');
  });

  it('reads the hippocampus ITK-SNAP file', async () => {
    const t = parseLabelTable(await fs.readFile(path.join(SHARED, 'hippocampus', 'labels.txt'), 'utf8'));
    expect(t.map((e) => e.name)).toEqual(['Anterior hippocampus', 'Posterior hippocampus']);
  });

  it('reads CSV with or without a header, colours and quotes, separated by comma, semicolon or tab', () => {
    const t = parseLabelTable('label,name,r,g,b\n1,Left thing,255,0,0\n2;"Right, thing"\n3\tThird\n', 'x.csv');
    expect(t).toEqual([
      { label: 1, name: 'Left thing', colour: [255, 0, 0] },
      { label: 2, name: 'Right, thing' },
      { label: 3, name: 'Third' },
    ]);
  });

  it('refuses other text, naming the file and the line but not its content', () => {
    expect(() => parseLabelTable('1,ok\nsecret words here\n', '/data/t.csv')).toThrow(/^\/data\/t\.csv: line 2 is neither/);
    expect(() => parseLabelTable('1,ok\nsecret words here\n', '/data/t.csv')).not.toThrow(/secret/);
    expect(() => parseLabelTable('# only a comment\n', 'e.txt')).toThrow(/holds no label names/);
    expect(() => parseLabelTable('1 300 0 0 1 1 1 "A"\n', 'c.txt')).toThrow(/line 1: a colour channel/);
    expect(() => parseLabelTable('70000,big\n', 'b.csv')).toThrow(/above 65535/);
  });
});
