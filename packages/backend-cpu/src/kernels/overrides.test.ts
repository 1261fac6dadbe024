import { coerce, sizeOf } from '@flint/core/backend';
import type { DType } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import {
  contiguousView,
  expectClose,
  freshCpu,
  LAYOUTS,
  logical,
  makeView,
  read,
  rng,
} from '../helpers.test.util.js';

const cpu = freshCpu();
const ov = cpu.overrides!;

/** The composite's decomposition, evaluated in float64 over each line along `axis`. */
function decomposition(vals: number[], shape: number[], axis: number, log: boolean, dtype: DType) {
  const len = shape[axis]!,
    inner = sizeOf(shape.slice(axis + 1));
  const out = vals.slice();
  for (let base = 0; base < vals.length; base++) {
    if (Math.floor(base / inner) % len !== 0) continue;
    const at = (k: number) => base + k * inner;
    let m = -Infinity;
    for (let k = 0; k < len; k++) m = Math.max(m, vals[at(k)]!);
    let sum = 0;
    for (let k = 0; k < len; k++) sum += Math.exp(vals[at(k)]! - m);
    for (let k = 0; k < len; k++) {
      const z = vals[at(k)]! - m;
      out[at(k)] = coerce(log ? z - Math.log(sum) : Math.exp(z) / sum, dtype);
    }
  }
  return out;
}

describe('softmax / logSoftmax overrides', () => {
  for (const dtype of ['float32', 'float64'] as const)
    for (const name of ['softmax', 'logSoftmax'] as const)
      it(`${name} ${dtype} matches the decomposition on every layout and axis`, () => {
        const r = rng(3);
        const tol = dtype === 'float32' ? [1e-5, 1e-6] : [1e-12, 1e-12];
        for (const shape of [[7], [3, 4], [2, 3, 5], [2, 0, 3]])
          for (let axis = 0; axis < shape.length; axis++)
            for (const layout of LAYOUTS) {
              const x = makeView(cpu, dtype, shape, layout, () => (r() - 0.5) * 40);
              const want = decomposition(logical(x), shape, axis, name === 'logSoftmax', dtype);
              const got = read(cpu, ov[name]!(x, axis), dtype, sizeOf(shape));
              expectClose(got, want, tol[0]!, tol[1]!, `${name} ${layout} [${shape}] axis ${axis}`);
            }
      });

  it('is stable for large inputs and handles -inf entries, -inf lines and NaN', () => {
    const x = contiguousView(
      cpu,
      'float32',
      [4, 3],
      [1000, 1000, -Infinity, -Infinity, -Infinity, -Infinity, 1, NaN, 2, 0, 0, 0],
    );
    const sm = read(cpu, ov.softmax!(x, 1), 'float32', 12);
    expect(sm.slice(0, 3)).toEqual([0.5, 0.5, 0]);
    expect(sm.slice(3, 9).every(Number.isNaN)).toBe(true);
    const ls = read(cpu, ov.logSoftmax!(x, 1), 'float32', 12);
    expect(ls[2]).toBe(-Infinity);
    expect(ls[0]).toBeCloseTo(-Math.LN2, 6);
    expect(ls.slice(9)).toEqual(new Array(3).fill(Math.fround(-Math.log(3))));
  });
});
