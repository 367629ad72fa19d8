/**
 * The app's saved state (state.json): saves started close together (a job's progress and its end,
 * as when a run is cancelled at once) leave the newest state on disk, and a state file that cannot
 * be read is moved aside and named to the user, never overwritten by the next save.
 */
import { describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppState } from '../../electron/app/app-state.js';
import { AppService } from '../../electron/app/app-service.js';
import type { ScanRecord } from '../../electron/app/app-state.js';
import { ROOT } from '../helpers/cli.js';

const RESOURCES = path.join(ROOT, 'resources');
const scan = (id: string, status: ScanRecord['status']): ScanRecord =>
  ({ id, name: id, image: `/data/${id}.nii.gz`, status }) as ScanRecord;
const stored = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { scans: ScanRecord[] };

describe('app state file', () => {
  it('writes saves in order: the last state wins, however the writes overlap', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-state-'));
    const state = new AppState(dir, RESOURCES);
    await state.load();
    state.scans = [scan('scan-1', 'new'), scan('scan-2', 'new')];
    // The disk is slow for the first write: unordered saves would rename it over the later ones.
    const writeFile = fs.writeFile.bind(fs);
    let calls = 0;
    const spy = vi.spyOn(fs, 'writeFile').mockImplementation(async (...args: Parameters<typeof fs.writeFile>) => {
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 300));
      return writeFile(...args);
    });
    const saves: Promise<void>[] = [];
    for (const status of ['queued', 'running', 'cancelled'] as const) {
      for (const s of state.scans) s.status = status;
      saves.push(state.save());
    }
    await Promise.all(saves).finally(() => spy.mockRestore());
    expect(calls).toBeGreaterThan(0);
    const onDisk = await stored(dir);
    expect(new Set(onDisk.scans.map((s) => s.status))).toEqual(new Set(['cancelled']));
    // No temporary file is left beside it.
    expect(await fs.readdir(dir)).toEqual(['state.json']);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('moves an unreadable state aside, says where, and keeps it through the next save', async () => {
    for (const broken of ['{"templates": [], "scans": [{"id": "scan-1", "na', '{"templates": 3}', 'null', '\u0000\u0001']) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-state-'));
      await fs.writeFile(path.join(dir, 'state.json'), broken);
      const state = new AppState(dir, RESOURCES);
      await state.load();
      expect(state.scans).toEqual([]);
      expect(state.notes).toHaveLength(1);
      expect(state.notes[0]).toMatch(/saved state was unreadable and was moved to .*state\.json\.unreadable-/);
      state.scans = [scan('scan-2', 'new')];
      await state.save();
      const files = await fs.readdir(dir);
      const aside = files.find((f) => f.startsWith('state.json.unreadable-'));
      expect(aside, files.join(', ')).toBeDefined();
      expect(await fs.readFile(path.join(dir, aside!), 'utf8')).toBe(broken);
      expect((await stored(dir)).scans.map((s) => s.id)).toEqual(['scan-2']);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('tells the interface at start (system.notes)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-state-'));
    await fs.writeFile(path.join(dir, 'state.json'), '{"scans": [');
    const app = new AppService({ stateDir: dir, resourcesDir: RESOURCES });
    try {
      await app.init();
      const notes = (await app.call('system.notes', {})) as string[];
      expect(notes).toEqual([expect.stringMatching(/^the saved state was unreadable and was moved to /)]);
      // The bundled templates are back; the scans of the unreadable state are not guessed at.
      expect(((await app.call('templates.list', {})) as unknown[]).length).toBeGreaterThan(0);
      expect(await app.call('scans.list', {})).toEqual([]);
    } finally {
      app.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('starts empty, with nothing to say, where no state was saved yet', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-state-'));
    const state = new AppState(dir, RESOURCES);
    await state.load();
    expect(state.scans).toEqual([]);
    expect(state.notes).toEqual([]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
