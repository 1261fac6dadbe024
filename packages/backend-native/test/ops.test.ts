/**
 * The op table the addon was built with matches core's PRIMS and this package's override list
 * (native/prims.gen.h is generated from them), and every op has a kernel.
 */
import { readFileSync } from 'node:fs';
import { PRIM_NAMES } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import { addon } from '../src/binding.js';
import { OP_NAMES, primsHeader } from '../src/ops.js';

describe('op table', () => {
  it('native/prims.gen.h is up to date (regenerate with `pnpm gen` after changing PRIMS)', () => {
    const header = readFileSync(new URL('../native/prims.gen.h', import.meta.url), 'utf8');
    expect(header).toBe(primsHeader());
  });

  it('lists every primitive first, in PRIMS order', () => {
    expect(OP_NAMES.slice(0, PRIM_NAMES.length)).toEqual(PRIM_NAMES);
  });

  it('the loaded addon has the same table and a kernel for every op', () => {
    const info = addon().info();
    expect(info.ops).toEqual(OP_NAMES);
    expect(info.missing).toEqual([]);
  });
});
