import { describe, expect, it } from 'vitest';
import { latestOnly } from '../../renderer/src/latest.js';

describe('latestOnly (the renderer’s repeated requests)', () => {
  it('keeps the newest answer when an older one arrives after it', async () => {
    const release: Record<string, (v: string) => void> = {};
    const applied: string[] = [];
    const load = latestOnly(
      (key: string) => new Promise<string>((resolve) => (release[key] = resolve)),
      (v) => applied.push(v),
    );
    const first = load('without template');
    const second = load('with template');
    release['with template']!('marked');
    await second;
    release['without template']!('unmarked');
    await first;
    expect(applied).toEqual(['marked']);
    await Promise.all([load('again'), Promise.resolve(release['again']!('later'))]);
    expect(applied).toEqual(['marked', 'later']);
  });
});
