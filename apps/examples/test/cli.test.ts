import { describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { BACKENDS, pickBackend } from '../src/backend.js';
import { UsageError, parseOptions, usage } from '../src/cli.js';
import { OPTIONS } from '../src/mlp.js';

describe('options', () => {
  it('parses flags, with FLINT_* variables as fallbacks', () => {
    expect(
      parseOptions(OPTIONS, ['--epochs', '3', '--style', 'torch', '--batch-size=64'], {}),
    ).toEqual({ help: false, epochs: 3, style: 'torch', batchSize: 64 });
    expect(
      parseOptions(OPTIONS, ['--epochs', '2'], { FLINT_EPOCHS: '7', FLINT_LIMIT: '1000' }),
    ).toEqual({ help: false, epochs: 2, limit: 1000 });
    expect(parseOptions(OPTIONS, ['--lr', '3e-4'], {}).lr).toBe(3e-4);
  });
  it('rejects bad values with a usage error', () => {
    expect(() => parseOptions(OPTIONS, ['--style', 'tf'], {})).toThrow(UsageError);
    expect(() => parseOptions(OPTIONS, ['--style', 'tf'], {})).toThrow(/torch, keras/);
    expect(() => parseOptions(OPTIONS, ['--epochs', '1.5'], {})).toThrow(/integer/);
    expect(() => parseOptions(OPTIONS, ['--epoch', '1'], {})).toThrow(UsageError);
    expect(() => parseOptions(OPTIONS, [], { FLINT_LIMIT: 'many' })).toThrow(/FLINT_LIMIT/);
  });
  it('documents every option', () => {
    const text = usage('mlp', 'Train.', OPTIONS);
    for (const flag of [
      '--style <torch|keras>',
      '--epochs <n>',
      '--batch-size <n>',
      '--limit <n>',
      'FLINT_TEST_LIMIT',
    ])
      expect(text).toContain(flag);
  });
});

describe('pickBackend', () => {
  it('selects the fastest available backend and is idempotent', async () => {
    expect(BACKENDS).toEqual(['native', 'cpu']);
    // The native addon is built by the workspace install (bootstrap installs its toolchain).
    const a = await pickBackend();
    expect(a.device).toBe('native');
    expect((await pickBackend()).device).toBe('native');
    expect(fl.getDefaultDevice()).toBe('native');
    const b = await pickBackend('cpu');
    expect(b.device).toBe('cpu');
    expect(fl.getDefaultDevice()).toBe('cpu');
    await expect(pickBackend('tpu')).rejects.toThrow(/unknown backend 'tpu' \(available: .*cpu/);
  });
});
