/**
 * Edge cases of ops and their gradients that the differential corpus found and that a fixture
 * case cannot express (infinite upstream gradients, gradients that stop, in-place writes), and
 * the view rule checked against a brute-force oracle: `view` succeeds exactly when one stride per
 * target dim addresses the elements in order — over flipped (negative-stride), permuted, sliced
 * and expanded layouts alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-ops-edges' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const data = (t: fl.Tensor) => Array.from(t.dataSync());

describe('max()/min() gradients fill zeros (torch: masked_fill), amax keeps the multiply', () => {
  it('an infinite upstream gradient reaches only the extreme', () => {
    const x = fl.tensor([100, 1, 3], { requiresGrad: true });
    x.max().exp().backward();
    expect(data(x.grad!)).toEqual([Infinity, 0, 0]);
    const y = fl.tensor([-100, 1], { requiresGrad: true });
    y.min().neg().exp().backward();
    expect(data(y.grad!)).toEqual([-Infinity, 0]);
  });

  it('a NaN upstream gradient too; amax gives NaN beside the extreme, as torch', () => {
    const x = fl.tensor([2, -1], { dtype: 'float64', requiresGrad: true });
    x.min().sqrt().backward();
    expect(data(x.grad!)).toEqual([0, NaN]);
    const z = fl.tensor([100, 1], { requiresGrad: true });
    z.amax().exp().backward();
    expect(data(z.grad!)).toEqual([Infinity, NaN]);
  });
});

describe('norm with p = 0 passes no gradient (torch returns an undefined one)', () => {
  it('stops a NaN from reaching the input', () => {
    const x = fl.tensor(0.157, { requiresGrad: true });
    const y = x.std({ dim: 0, correction: 2 }).norm(0);
    expect(Number.isNaN(x.std({ dim: 0, correction: 2 }).item())).toBe(true);
    expect(data(fl.grad([y], [x], { allowUnused: true })[0]!)).toEqual([0]);
    expect(() => fl.grad([y], [x])).toThrow(fl.GradError);
  });
});

describe('std and var', () => {
  it('equal values give exactly 0 and std a zero gradient, also in float64', () => {
    const x = fl.tensor(
      [
        [0.1, 0.1, 0.1],
        [0.7, 0.7, 0.7],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const s = x.std({ dim: 1 });
    expect(data(s)).toEqual([0, 0]);
    s.sum().backward();
    expect(data(x.grad!).map(Math.abs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(data(x.var({ dim: 1 }))).toEqual([0, 0]);
  });

  it('a float32 input is centred in float64: √ of an overflowing variance is finite', () => {
    const x = fl.tensor([3e38, -3e38, 1]);
    expect(x.std().item()).toBeCloseTo(3e38, -33);
    expect(x.var().item()).toBe(Infinity);
    expect(x.std().dtype).toBe('float32');
  });

  it('NaN and infinite slices stay NaN, fewer elements than the correction too', () => {
    expect(
      data(
        fl
          .tensor([
            [NaN, 1],
            [Infinity, Infinity],
          ])
          .std({ dim: 1 }),
      ),
    ).toEqual([NaN, NaN]);
    expect(fl.tensor([2]).std().item()).toBeNaN();
  });
});

describe('in-place ops refuse a result they would truncate (torch: "can\'t be cast")', () => {
  it('float into int32 and int32 into bool are DTypeErrors that leave the tensor as it was', () => {
    const i = fl.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(2.5)).toThrow(fl.DTypeError);
    expect(() => i.div_(2)).toThrow(/cannot be written in place into a tensor of dtype int32/);
    expect(() => i.mul_(fl.tensor([1.5, 2]))).toThrow(fl.DTypeError);
    expect(() => i.clamp_(0.5)).toThrow(fl.DTypeError);
    expect(data(i)).toEqual([1, 2]);
    const b = fl.tensor([true, false]);
    expect(() => b.add_(fl.tensor([1, 1], { dtype: 'int32' }))).toThrow(fl.DTypeError);
    expect(() => b.sub_(true)).toThrow(/sub: subtraction with a bool operand/);
  });

  it('within a category they still cast: float32 += float64, int32 += 2, bool |= true', () => {
    const f = fl.tensor([1, 2]).add_(fl.tensor([0.5, 0.5], { dtype: 'float64' }));
    expect([f.dtype, data(f)]).toEqual(['float32', [1.5, 2.5]]);
    expect(data(fl.tensor([1], { dtype: 'int32' }).add_(2))).toEqual([3]);
    expect(data(fl.tensor([false]).add_(true))).toEqual([1]);
  });
});

/** Storage offsets of a view's elements, in row-major order. */
function addresses(shape: readonly number[], strides: readonly number[], offset: number) {
  const out: number[] = [];
  const walk = (d: number, at: number) => {
    if (d === shape.length) return void out.push(at);
    for (let i = 0; i < shape[d]!; i++) walk(d + 1, at + i * strides[d]!);
  };
  walk(0, offset);
  return out;
}

/** Whether some strides lay `target` over the same addresses in the same order. */
function viewable(addr: readonly number[], target: readonly number[]): boolean {
  if (addr.length === 0) return true;
  const strides = target.map((_, i) => {
    const unit: number[] = target.map((__, j) => (j === i && target[i]! > 1 ? 1 : 0));
    const flat = unit.reduce((n, u, j) => n * target[j]! + u, 0);
    return addr[flat]! - addr[0]!;
  });
  const want = addresses(target, strides, addr[0]!);
  return want.every((a, k) => a === addr[k]);
}

/** A factorisation of n into `parts` dims (ones included), from a seed. */
function factorise(n: number, seed: number[]): number[] {
  const dims: number[] = [];
  let rest = n;
  for (const s of seed) {
    const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
    const d = divisors[s % divisors.length]!;
    dims.push(d);
    rest /= d;
  }
  dims.push(rest);
  return dims;
}

describe('view over flipped, permuted, sliced and expanded layouts', () => {
  it('succeeds exactly when one stride per target dim can address the elements', () => {
    const layout = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
      flips: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      perm: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      expandOne: fc.boolean(),
      step: fc.integer({ min: 1, max: 2 }),
      target: fc.array(fc.nat(10), { maxLength: 3 }),
    });
    let viewed = 0;
    fc.assert(
      fc.property(layout, ({ shape, flips, perm, expandOne, step, target }) =>
        fl.tidy(() => {
          const n = shape.reduce((a, b) => a * b, 1);
          let x = fl.arange(0, n * step).reshape([...shape.slice(0, -1), shape.at(-1)! * step]);
          x = x.slice(-1, 0, null, step);
          if (expandOne) x = x.unsqueeze(0).expand(2, ...x.shape);
          const dims = x.shape.map((_, i) => i);
          const order = dims.map((d) => [perm[d % 4]! + d / 10, d]).sort((a, b) => a[0]! - b[0]!);
          x = x.permute(...order.map(([, d]) => d!));
          const flipped = dims.filter((d) => flips[d % 4]);
          if (flipped.length) x = x.flip(flipped);
          const want = factorise(x.size, target);
          const ok = viewable(addresses(x.shape, x.strides, x.offset), want);
          let v: fl.Tensor | null = null;
          try {
            v = x.view(want);
          } catch (e) {
            expect(e).toBeInstanceOf(fl.ShapeError);
          }
          expect(v !== null).toBe(ok);
          if (v) {
            viewed++;
            expect(data(v)).toEqual(data(x.contiguous()));
          }
        }),
      ),
      { numRuns: 1500 },
    );
    expect(viewed).toBeGreaterThan(300);
  });

  it('a flip of every dim merges; a flip of one of two merged dims cannot', () => {
    const x = fl.arange(0, 6).reshape([2, 3]);
    expect(data(x.flip([0, 1]).view([6]))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(() => x.flip([1]).view([6])).toThrow(/use reshape\(\)/);
    expect(data(x.flip([1]).view([2, 3, 1]))).toEqual([2, 1, 0, 5, 4, 3]);
  });
});

describe('empty slices of a flipped tensor', () => {
  it('are empty views (an offset past the end would be negative with a negative stride)', () => {
    const x = fl.arange(0, 3).flip(0);
    for (const s of [0, 1, 3]) {
      const v = x.narrow(0, s, 0);
      expect(v.shape).toEqual([0]);
      expect(v.toArray()).toEqual([]);
    }
    expect(x.slice(0, 3).toArray()).toEqual([]);
    expect(fl.arange(0, 1).flip(0).narrow(0, 1, 0).shape).toEqual([0]);
    expect(x.narrow(0, 2, 1).toArray()).toEqual([0]);
  });
});
