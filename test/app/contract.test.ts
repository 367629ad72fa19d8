import { describe, expect, it } from 'vitest';
import { validateRequest, ContractError, CHANNELS, MAX_MESSAGE_BYTES, encodedSize } from '../../core/ipc/contract.js';

describe('IPC contract validation', () => {
  it('accepts well-formed requests and returns cleaned arguments', () => {
    expect(validateRequest('scans.add', { paths: ['/data/a.nii.gz'] })).toEqual({ paths: ['/data/a.nii.gz'] });
    expect(
      validateRequest('jobs.run', { templateId: 'sample-ixi012', scanIds: ['scan-1a2b'], engine: 'gn', options: { levels: 3 } }),
    ).toMatchObject({ engine: 'gn' });
    expect(validateRequest('results.volume', { scanId: 'scan-1', layer: 'jacobian' })).toEqual({ scanId: 'scan-1', layer: 'jacobian' });
    expect(validateRequest('templates.list', undefined)).toEqual({});
  });

  it('rejects unknown channels, bad paths, ids, layers, extra keys and odd values', () => {
    const bad: [string, unknown, RegExp][] = [
      ['fs.readFile', {}, /unknown channel/],
      ['scans.add', { paths: ['relative/a.nii.gz'] }, /absolute path/],
      ['scans.add', { paths: [] }, /1 to 1000/],
      ['scans.add', { paths: ['/a\0b'] }, /non-empty string/],
      ['scans.remove', { scanId: '../../etc' }, /not a valid id/],
      ['results.volume', { scanId: 'scan-1', layer: 'secrets' }, /layer/],
      ['templates.list', { extra: 1 }, /unexpected argument/],
      ['jobs.run', { templateId: 't', scanIds: ['s'], engine: 'gn', options: { 'bad name': 1 } }, /bad option name/],
      ['jobs.run', { templateId: 't', scanIds: ['s'], engine: 'gn', options: { lambda: Infinity } }, /bad value/],
      ['jobs.cancel', { all: 'yes' }, /true or false/],
      ['scans.add', 'not an object', /must be an object/],
      ['system.pick', { kind: 'anything' }, /file, files, folder/],
      ['files.list', { folder: '/data/../etc' }, /"\." or "\.\." segments/],
      ['jobs.run', { templateId: 't', scanIds: ['s'], engine: 'gn', options: { lambda: [1, NaN] } }, /bad value/],
    ];
    for (const [channel, args, pattern] of bad) {
      expect(() => validateRequest(channel, args), channel).toThrow(ContractError);
      expect(() => validateRequest(channel, args), channel).toThrow(pattern);
    }
  });

  it('accepts no request that the transport could not carry (1 MiB per message, envelope included)', () => {
    // 300 paths of 4,000 characters: within the per-path limits, too large as a whole.
    const paths = Array.from({ length: 300 }, (_, i) => `/data/${i}/${'x'.repeat(3990)}`);
    expect(() => validateRequest('scans.add', { paths })).toThrow(/too large/);
    // Characters that JSON escapes (6 bytes each) and multi-byte UTF-8 count as sent.
    expect(() => validateRequest('scans.add', { paths: Array.from({ length: 60 }, () => '/' + '\u0001'.repeat(4000)) })).toThrow(
      /too large/,
    );
    expect(() => validateRequest('scans.add', { paths: Array.from({ length: 150 }, () => '/' + 'é'.repeat(4000)) })).toThrow(/too large/);
    // The largest accepted request fits in one message.
    let n = 200;
    let accepted: Record<string, unknown> | undefined;
    while (!accepted) {
      try {
        accepted = validateRequest('scans.add', { paths: Array.from({ length: n }, () => '/' + 'é'.repeat(4000)) });
      } catch {
        n--;
      }
    }
    const envelope = JSON.stringify({ id: Number.MAX_SAFE_INTEGER, channel: 'scans.add', args: accepted });
    expect(new TextEncoder().encode(envelope).length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(encodedSize(accepted)).toBeGreaterThan(MAX_MESSAGE_BYTES - 8192);
  });

  it('every channel is handled by the validator', () => {
    for (const c of CHANNELS) {
      try {
        validateRequest(c, {});
      } catch (err) {
        expect((err as Error).message).not.toMatch(/unknown channel/);
      }
    }
  });
});
