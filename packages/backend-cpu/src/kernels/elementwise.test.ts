import { coerce, namesOfKind, PRIMS, sizeOf } from '@flint/core/backend';
import type { DType } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import {
  contiguousView,
  expectExact,
  FLOATS,
  freshCpu,
  INTS,
  LAYOUTS,
  logical,
  makeView,
  read,
  SHAPES,
  valueGen,
} from '../helpers.test.util.js';
import type { V } from '../helpers.test.util.js';
import { acceptsDType, DTYPES } from '@flint/core/backend';

const cpu = freshCpu();
const out = (buf: V['buf'], dtype: DType, shape: readonly number[]) =>
  read(cpu, buf, dtype, sizeOf(shape));

/** Every ordered pair of the special values, as two flat operands. */
function pairs(dtype: DType): [number[], number[]] {
  const pool = dtype === 'bool' ? [0, 1] : dtype === 'int32' ? INTS : FLOATS;
  return [pool.flatMap((a) => pool.map(() => a)), pool.flatMap(() => pool)];
}

describe('unary', () => {
  for (const op of namesOfKind('unary')) {
    const prim = PRIMS[op];
    for (const dtype of DTYPES.filter((d) => acceptsDType(prim.dtypes, d))) {
      it(`${op} ${dtype} matches ref on every layout and shape`, () => {
        const gen = valueGen(dtype, 7);
        for (const shape of SHAPES)
          for (const layout of LAYOUTS) {
            const x = makeView(cpu, dtype, shape, layout, gen);
            const y = cpu.kernels[op](x);
            const want = logical(x).map((v) => coerce(prim.ref(v, dtype), dtype));
            expectExact(out(y, dtype, shape), want, `${op} ${dtype} ${layout} [${shape}]`);
          }
      });
    }
  }
});

describe('binary', () => {
  for (const op of namesOfKind('binary')) {
    const prim = PRIMS[op];
    for (const dtype of DTYPES.filter((d) => acceptsDType(prim.dtypes, d))) {
      it(`${op} ${dtype} matches ref on special-value pairs and mixed layouts`, () => {
        const [as, bs] = pairs(dtype);
        const a = contiguousView(cpu, dtype, [as.length], as);
        const b = contiguousView(cpu, dtype, [bs.length], bs);
        const want = as.map((v, i) =>
          coerce(prim.ref(logical(a)[i]!, logical(b)[i]!, dtype), dtype),
        );
        expectExact(out(cpu.kernels[op](a, b), dtype, [as.length]), want, `${op} pairs`);
        const gen = valueGen(dtype, 3);
        for (const shape of SHAPES)
          for (const [la, lb] of LAYOUTS.map((l, i) => [l, LAYOUTS[(i + 2) % LAYOUTS.length]!])) {
            const x = makeView(cpu, dtype, shape, la, gen);
            const y = makeView(cpu, dtype, shape, lb, gen);
            const [lx, ly] = [logical(x), logical(y)];
            const ref = lx.map((v, i) => coerce(prim.ref(v, ly[i]!, dtype), dtype));
            expectExact(
              out(cpu.kernels[op](x, y), dtype, shape),
              ref,
              `${op} ${la}/${lb} [${shape}]`,
            );
          }
      });
    }
  }

  it('int32 arithmetic wraps like the refs', () => {
    const a = contiguousView(cpu, 'int32', [4], [2147483647, -2147483648, 65536, -7]);
    const b = contiguousView(cpu, 'int32', [4], [1, -1, 65536, 0]);
    expect(read(cpu, cpu.kernels.add(a, b), 'int32', 4)).toEqual([
      -2147483648, 2147483647, 131072, -7,
    ]);
    expect(read(cpu, cpu.kernels.mul(a, b), 'int32', 4)).toEqual([2147483647, -2147483648, 0, 0]);
    expect(read(cpu, cpu.kernels.remainder(a, b), 'int32', 4)).toEqual([0, 0, 0, 0]);
  });

  it('broadcasts a scalar (all strides 0) against a strided operand', () => {
    const x = makeView(cpu, 'float32', [3, 4], 'transposed', valueGen('float32', 5));
    const s: V = { ...contiguousView(cpu, 'float32', [1], [2]), shape: [3, 4], strides: [0, 0] };
    const want = logical(x).map((v) => Math.fround(v * 2));
    expectExact(out(cpu.kernels.mul(x, s), 'float32', [3, 4]), want, 'scalar broadcast');
  });
});

describe('compare', () => {
  for (const op of namesOfKind('compare'))
    for (const dtype of DTYPES)
      it(`${op} ${dtype} matches ref`, () => {
        const [as, bs] = pairs(dtype);
        const a = contiguousView(cpu, dtype, [as.length], as);
        const b = makeView(cpu, dtype, [as.length], 'flipped', () => 0);
        b.buf.set(
          Array.from(bs)
            .reverse()
            .map((v) => coerce(v, dtype)),
        );
        const [la, lb] = [logical(a), logical(b)];
        const want = la.map((v, i) => (PRIMS[op].ref(v, lb[i]!) ? 1 : 0));
        expectExact(out(cpu.kernels[op](a, b), 'bool', [as.length]), want, `${op} ${dtype}`);
      });
});

describe('where and cast', () => {
  for (const dtype of DTYPES)
    it(`where ${dtype} on mixed layouts`, () => {
      for (const shape of SHAPES) {
        const c = makeView(cpu, 'bool', shape, 'broadcast', valueGen('bool', 1));
        const a = makeView(cpu, dtype, shape, 'transposed', valueGen(dtype, 2));
        const b = makeView(cpu, dtype, shape, 'mixed', valueGen(dtype, 3));
        const [lc, la, lb] = [logical(c), logical(a), logical(b)];
        const want = lc.map((v, i) => (v !== 0 ? la[i]! : lb[i]!));
        expectExact(out(cpu.kernels.where(c, a, b), dtype, shape), want, `where [${shape}]`);
      }
    });

  for (const from of DTYPES)
    for (const to of DTYPES)
      it(`cast ${from} → ${to} coerces like a store`, () => {
        const x = makeView(cpu, from, [5, 6], 'mixed', valueGen(from, 11));
        const want = logical(x).map((v) => coerce(v, to));
        expectExact(out(cpu.kernels.cast(x, to), to, [5, 6]), want, `cast ${from}→${to}`);
      });

  it('cast to int32 truncates toward zero and maps NaN/±inf to 0', () => {
    const x = contiguousView(cpu, 'float64', [6], [2.9, -2.9, NaN, Infinity, -Infinity, 3e9]);
    expect(read(cpu, cpu.kernels.cast(x, 'int32'), 'int32', 6)).toEqual([
      2, -2, 0, 0, 0, -1294967296,
    ]);
    expect(read(cpu, cpu.kernels.cast(x, 'bool'), 'bool', 6)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('rank', () => {
  it('handles rank 16 views (CPU_CAPS.maxRank) in every layout', () => {
    // 16 dims, a few of size 1 so the test stays small (2^11 elements) yet cannot collapse fully.
    const shape = [2, 1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 2, 2];
    for (const layout of LAYOUTS) {
      const a = makeView(cpu, 'float64', shape, layout, valueGen('float64', 1));
      const b = makeView(cpu, 'float64', shape, 'mixed', valueGen('float64', 2));
      const [la, lb] = [logical(a), logical(b)];
      const want = la.map((v, i) => PRIMS.sub.ref(v, lb[i]!, 'float64'));
      expectExact(out(cpu.kernels.sub(a, b), 'float64', shape), want, `sub rank 16 ${layout}`);
    }
  });
});
