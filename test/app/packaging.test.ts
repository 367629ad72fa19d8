import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import yaml from 'js-yaml';
import Ajv from 'ajv';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const config = yaml.load(readFileSync(path.join(ROOT, 'build', 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('packaging (electron-builder)', () => {
  it('the configuration validates against electron-builder’s schema and names every platform', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true });
    const valid = ajv.validate(schema, config);
    expect(ajv.errorsText(ajv.errors), 'schema errors').toBe('No errors');
    expect(valid).toBe(true);
    // The schema does catch mistakes.
    expect(ajv.validate(schema, { ...config, linux: { targets: ['AppImage'] } })).toBe(false);
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
    expect(config.extraResources).toEqual([{ from: 'resources', to: 'resources' }]);
    expect(existsSync(path.join(ROOT, 'resources', 'sample', 'ixi', 'LICENSE.md'))).toBe(true);
  });

  it('sets the Electron fuses of the security checklist', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  const binary = electronBinary();
  if (!binary) console.warn('electron-builder --linux dir skipped: no local Electron distribution (its download is blocked here).');
  it.runIf(binary !== undefined)(
    'builds an unpacked Linux app with the local Electron distribution',
    () => {
      const r = spawnSync(
        'npx',
        ['electron-builder', '--config', 'build/electron-builder.yml', '--linux', 'dir', '-c.electronDist=' + path.dirname(binary!)],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
    },
    600_000,
  );
});
