import { describe, expect, expectTypeOf, it } from 'vitest';
import { option, parseOptions, defaultOptions, describeOptions } from '../../core/engines/options.js';
import type { OptionValues } from '../../core/engines/options.js';
import { GN_OPTIONS } from '../../core/engines/gn/options.js';
import type { GnOptions } from '../../core/engines/gn/options.js';
import { getEngineDefinition, engineOptions, createEngine, tensorBackendFor } from '../../core/engines/index.js';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { ROOT } from '../../core/cli/sample-data.js';
import { NO_TENSOR_BACKEND } from '../../core/tensor/backend.js';

const SCHEMA = {
  delta: option.number({ description: 'damping', default: 0.01, min: 1e-6, max: 100 }),
  levels: option.integer({ description: 'levels', default: 3, min: 1, max: 5 }),
  lambda: option.numberList({ description: 'per level', default: [0.1, 0.2], min: 0 }),
  flip: option.boolean({ description: 'flip', default: false }),
  model: option.path({ description: 'a folder' }),
};

describe('typed engine options', () => {
  it('type the values an engine receives from the schema, without casts', () => {
    expectTypeOf<OptionValues<typeof SCHEMA>>().toEqualTypeOf<{
      readonly delta: number;
      readonly levels: number;
      readonly lambda: number[];
      readonly flip: boolean;
      readonly model: string | undefined;
    }>();
    expectTypeOf<GnOptions['delta']>().toEqualTypeOf<number>();
    expectTypeOf<GnOptions['iterations']>().toEqualTypeOf<number[]>();
    expectTypeOf<GnOptions['model']>().toEqualTypeOf<string | undefined>();
  });

  it('fill in defaults, coerce command-line strings and check ranges with one-line errors', () => {
    const d = defaultOptions(SCHEMA);
    expect(d).toEqual({ delta: 0.01, levels: 3, lambda: [0.1, 0.2], flip: false, model: undefined });
    d.lambda.push(9); // a copy: the schema's default is untouched
    expect(defaultOptions(SCHEMA).lambda).toEqual([0.1, 0.2]);
    expect(parseOptions('engine "x"', SCHEMA, { delta: '0.5', lambda: '1,2,3', flip: 'true', model: 'M' })).toEqual({
      delta: 0.5,
      levels: 3,
      lambda: [1, 2, 3],
      flip: true,
      model: 'M',
    });
    expect(() => parseOptions('engine "x"', SCHEMA, { levels: '2.5' })).toThrow('engine "x" option "levels": 2.5 is not an integer');
    expect(() => parseOptions('engine "x"', SCHEMA, { delta: '1000' })).toThrow('above the maximum 100');
    expect(() => parseOptions('engine "x"', SCHEMA, { lambda: '1,,2' })).toThrow('is not a number');
    // A list declared increasing (gn's search couplings) refuses a decrease, naming it.
    expect(parseOptions('engine "gn"', GN_OPTIONS, { searchCouplings: '0,0.3,0.3,1' }).searchCouplings).toEqual([0, 0.3, 0.3, 1]);
    expect(() => parseOptions('engine "gn"', GN_OPTIONS, { searchCouplings: '0,0.5,0.3' })).toThrow(
      'engine "gn" option "searchCouplings": 0.3 follows 0.5: the values must not decrease',
    );
    expect(() => parseOptions('engine "x"', SCHEMA, { nope: 1 })).toThrow(
      'engine "x" has no option "nope"; options: delta, levels, lambda, flip, model',
    );
  });

  it('list each option once with its type, default, range and description', () => {
    expect(describeOptions(SCHEMA)[0]).toEqual({
      name: 'delta',
      type: 'number',
      description: 'damping',
      default: 0.01,
      min: 1e-6,
      max: 100,
    });
    const gn = getEngineDefinition('gn');
    expect(describeOptions(gn.options).map((o) => o.name)).toEqual(Object.keys(GN_OPTIONS));
    // The engine receives exactly the schema's defaults: the one home of every Gauss-Newton default.
    expect(engineOptions(gn, {})).toEqual(defaultOptions(GN_OPTIONS));
    expect(engineOptions(gn, {}).delta).toBe(GN_OPTIONS.delta.default);
  });
});

describe('creating an engine', () => {
  it('selects the tensor backend first where the engine uses tensors, so every caller (segment, teach, bench, the engine host) gets it', async () => {
    expect(tf.env().getBool('PROD')).toBe(false); // nothing in this file has selected a backend yet
    // Engines on typed-array kernels alone (affine, MIND-SSC gn) select none, and load no TensorFlow.js.
    for (const [name, options] of [
      ['affine', { levels: '2' }],
      ['gn', {}],
    ] as const) {
      const engine = await createEngine(name, options);
      expect(tf.env().getBool('PROD')).toBe(false);
      engine.dispose();
    }
    // What their results record.
    expect(await tensorBackendFor('affine')).toBe(NO_TENSOR_BACKEND);
    expect(await tensorBackendFor('gn')).toBe(NO_TENSOR_BACKEND);
    expect(tf.env().getBool('PROD')).toBe(false);
    // The learned mode computes its features with tensors.
    const model = { model: path.join(ROOT, 'resources/models/gn-hippocampus') };
    const learned = await createEngine('gn', model);
    expect(tf.env().getBool('PROD')).toBe(true); // initTensorBackend's first act
    expect(['tensorflow', 'cpu']).toContain(tf.getBackend());
    expect((await tensorBackendFor('gn', model)).name).toBe(tf.getBackend());
    learned.dispose();
  });
});
