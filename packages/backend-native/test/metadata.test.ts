/**
 * Fuzz targets for the addon's metadata path (native/meta.cc, open_scratch in native/addon.cc),
 * run in the plain build by `vitest run` and under ASan + UBSan by `pnpm test:asan`:
 * - view metadata with values near 2^31, 2^53, 2^63 and 2^64 (and negative, fractional, NaN,
 *   ±Infinity) is accepted exactly when an exact (BigInt) model says the view fits its buffer;
 * - the scratch itself may be detached, resized, shrunk under a view, or a SharedArrayBuffer that
 *   another thread scribbles on during the calls: every call then either reads what is there now
 *   or throws an Error, never reads freed or out-of-range memory.
 */
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addon, args, begin, resetScratch, view } from '../src/binding.js';
import type { Handle } from '../src/binding.js';
import { OP_ID } from '../src/ops.js';

const a = addon();
const RUNS = Number(process.env.FLINT_FUZZ_RUNS ?? 300);
const ctx = a.createContext(2 ** 20);
const gc = (globalThis as { gc?: () => void }).gc;
const NEG = OP_ID.neg!;
// matmul validates both views, then rejects rank-1 inputs: which error a call gets says whether
// the views passed validation, without running a kernel over a view of 2^53 elements.
const MATMUL = OP_ID.matmul!;

/** Numbers a hostile or buggy encoder could put in a dim, stride or offset. */
const edgy = fc.oneof(
  fc.integer({ min: -3, max: 6 }),
  fc
    .tuple(
      fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 40, 2 ** 52, 2 ** 53, 2 ** 62, 2 ** 63, 2 ** 64),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(1, -1),
    )
    .map(([base, d, sign]) => sign * (base + d)),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -0.5, 1e300, -0, Number.MIN_VALUE, 67280421310721),
);

interface RawView {
  shape: number[];
  strides: number[];
  offset: number;
}

const SAFE = 2n ** 53n;
const isIndex = (v: number, lo: bigint) =>
  Number.isInteger(v) && BigInt(v) >= lo && BigInt(v) <= SAFE;

/** The addon's contract, computed exactly: does this view fit a float32 buffer of `size`? */
function fits(v: RawView, size: number): boolean {
  if (!isIndex(v.offset, 0n)) return false;
  if (!v.shape.every((d) => isIndex(d, 0n))) return false;
  if (!v.strides.every((s) => isIndex(s, -SAFE))) return false;
  const count = v.shape.reduce((n, d) => (d === 0 ? n : n * BigInt(d)), 1n);
  if (count > SAFE) return false;
  if (v.shape.includes(0)) return true;
  let lo = BigInt(v.offset);
  let hi = lo;
  v.shape.forEach((d, i) => {
    const span = BigInt(d - 1) * BigInt(v.strides[i]!);
    if (span < 0n) lo += span;
    else hi += span;
  });
  return lo >= 0n && hi < BigInt(size);
}

const rawView = (rank: number) =>
  fc.record({
    shape: fc.array(edgy, { minLength: rank, maxLength: rank }),
    strides: fc.array(edgy, { minLength: rank, maxLength: rank }),
    offset: edgy,
  });

describe('view metadata near the integer limits', () => {
  it('is accepted exactly when the exact model says the view fits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }).chain((r) => fc.tuple(rawView(r), rawView(1))),
        fc.integer({ min: 1, max: 24 }),
        ([v, w], size) => {
          const h = a.alloc(ctx, 0, size);
          begin(a, 2);
          view({ buf: h, dtype: 'float32', ...v });
          view({ buf: h, dtype: 'float32', ...w });
          args([]);
          const ok = fits(v, size) && fits(w, size);
          expect(() => a.call(ctx, MATMUL, h, h)).toThrow(
            ok ? /expected \[B,M,K\]/ : /^native\.matmul: (metadata|view)/,
          );
          a.free(ctx, h);
          expect(a.stats(ctx).buffers).toBe(0);
        },
      ),
      { numRuns: RUNS * 4, seed: 31 },
    );
  });

  it('a view that fits reads exactly the elements its strides name', () => {
    const small = fc.integer({ min: -4, max: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }).chain((shape) =>
          fc.record({
            shape: fc.constant(shape),
            strides: fc.array(small, { minLength: shape.length, maxLength: shape.length }),
            offset: fc.integer({ min: 0, max: 40 }),
          }),
        ),
        (v) => {
          const size = 48;
          fc.pre(fits(v, size));
          const h = a.alloc(ctx, 0, size);
          a.write(
            ctx,
            h,
            Float32Array.from({ length: size }, (_, i) => i + 1),
          );
          begin(a, 1);
          view({ buf: h, dtype: 'float32', ...v });
          args([]);
          const out = a.call(ctx, NEG, h) as Handle;
          const n = v.shape.reduce((p, d) => p * d, 1);
          const want: number[] = [];
          for (let i = 0; i < n; i++) {
            let at = v.offset;
            for (let d = v.shape.length - 1, rest = i; d >= 0; d--) {
              at += (rest % v.shape[d]!) * v.strides[d]!;
              rest = Math.floor(rest / v.shape[d]!);
            }
            want.push(-(at + 1));
          }
          expect(Array.from(a.read(ctx, out, n))).toEqual(want);
          a.free(ctx, out);
          a.free(ctx, h);
        },
      ),
      { numRuns: RUNS, seed: 53 },
    );
  });

  it('the issue repros are errors: a stride of 67280421310721, a [2^32, 2^32] view', () => {
    const h = a.alloc(ctx, 0, 4);
    const call = (shape: number[], strides: number[]) => {
      begin(a, 1);
      view({ buf: h, dtype: 'float32', shape, strides, offset: 0 });
      args([]);
      return () => a.call(ctx, NEG, h);
    };
    expect(call([274178], [67280421310721])).toThrow(/reaches beyond the int64 range/);
    expect(call([2 ** 32, 2 ** 32], [0, 0])).toThrow(/more than 2\^53 elements/);
    expect(call([2 ** 32, 2 ** 32, 0], [1, 1, 1])).toThrow(/more than 2\^53 elements/);
    expect(call([3], [2 ** 62])).toThrow(/stride must be an integer in -2\^53\.\.2\^53/);
    a.free(ctx, h);
  });
});

// ---- the scratch ------------------------------------------------------------------------------

/** A valid encoding of neg over a float32 [4] view: 7 numbers. */
const NEG4 = [1, 0, 1, 0, 4, 1, 0];

/** A resizable ArrayBuffer (ES2024; the TypeScript lib this package builds with predates it). */
type Resizable = ArrayBuffer & { resize(bytes: number): void; readonly maxByteLength: number };
const resizable = (bytes: number, max: number): Resizable =>
  new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(
    bytes,
    { maxByteLength: max },
  );

type Kind = 'plain' | 'offset' | 'resizable' | 'tracking' | 'shared';
function scratch(kind: Kind, n: number): { arr: Float64Array; rab?: Resizable } {
  switch (kind) {
    case 'plain':
      return { arr: new Float64Array(n) };
    case 'offset':
      return { arr: new Float64Array(new ArrayBuffer(8 * (n + 3)), 24, n) };
    case 'shared':
      return { arr: new Float64Array(new SharedArrayBuffer(8 * n)) };
    default: {
      const rab = resizable(8 * n, 8 * 4 * n);
      // 'tracking' follows the buffer's length; 'resizable' is fixed and goes out of bounds.
      return {
        arr: kind === 'tracking' ? new Float64Array(rab) : new Float64Array(rab, 0, n),
        rab,
      };
    }
  }
}

describe('a detached, resized or shared scratch', () => {
  // Its own context, so that x is its one live buffer.
  const sctx = a.createContext(0);
  const x = a.alloc(sctx, 0, 4);
  a.write(sctx, x, new Float32Array([1, 2, 3, 4]));
  const after = resetScratch; // the next call hands binding.ts's own scratch back

  it('every call reads the scratch as it is now, or throws', () => {
    const kind = fc.constantFrom<Kind>('plain', 'offset', 'resizable', 'tracking', 'shared');
    const change = fc.constantFrom('none', 'detach', 'shrink', 'shrink-to-0', 'grow');
    fc.assert(
      fc.property(kind, change, fc.integer({ min: 7, max: 64 }), (k, c, n) => {
        const { arr, rab } = scratch(k, n);
        arr.set(NEG4);
        a.setMeta(arr);
        let want: RegExp | 'ok' = 'ok';
        if (c === 'detach' && !(arr.buffer instanceof SharedArrayBuffer)) {
          structuredClone(arr.buffer, { transfer: [arr.buffer as ArrayBuffer] });
          want = /detached/;
        } else if (c.startsWith('shrink') && rab) {
          const bytes = c === 'shrink' ? 16 : 0;
          rab.resize(bytes);
          // A fixed view out of bounds, or a tracking one with 2 (or 0) numbers left.
          want = k === 'resizable' || bytes === 0 ? /empty/ : /metadata ends/;
        } else if (c === 'grow' && rab) {
          rab.resize(rab.maxByteLength);
        }
        gc?.();
        if (want === 'ok') {
          const out = a.call(sctx, NEG, x) as Handle;
          expect(Array.from(a.read(sctx, out, 4))).toEqual([-1, -2, -3, -4]);
          a.free(sctx, out);
        } else {
          expect(() => a.call(sctx, NEG, x)).toThrow(want);
        }
        expect(a.stats(sctx).buffers).toBe(1);
      }),
      { numRuns: RUNS, seed: 11 },
    );
    after();
  });

  it('the issue repro: detach the scratch, collect, call', () => {
    // No reference to the array or its buffer outlives this block: only the addon's.
    (() => {
      const arr = new Float64Array(64);
      arr.set(NEG4);
      a.setMeta(arr);
      structuredClone(arr.buffer, { transfer: [arr.buffer as ArrayBuffer] });
    })();
    for (let i = 0; i < 3; i++) gc?.();
    expect(() => a.call(sctx, NEG, x)).toThrow(/native\.neg: .*detached/);
    after();
  });

  it('a SharedArrayBuffer scratch that another thread keeps overwriting never crashes a call', async () => {
    const sab = new SharedArrayBuffer(8 * 32);
    const arr = new Float64Array(sab);
    a.setMeta(arr);
    // The writer puts small integers and invalid numbers in every slot, so that any view it
    // makes is either rejected or small (rank ≤ 5, dims ≤ 5): never a huge allocation.
    const writer = new Worker(
      `const { workerData } = require('node:worker_threads');
       const a = new Float64Array(workerData.sab);
       require('node:worker_threads').parentPort.postMessage('started');
       const vals = [-1, 0, 1, 2, 3, 4, 5, NaN, 0.5, -0, 2 ** 53, Infinity];
       const end = Date.now() + workerData.ms;
       while (Date.now() < end)
         for (let i = 0; i < a.length; i++) {
           const r = Math.random();
           a[i] = i < 7 && r < 0.8 ? [1, 0, 1, 0, 4, 1, 0][i] : vals[Math.floor(r * 1e6) % vals.length];
         }`,
      { eval: true, workerData: { sab, ms: 1500 } },
    );
    const done = new Promise((r) => writer.once('exit', r));
    await new Promise((r) => writer.once('message', r));
    let ok = 0;
    let rejected = 0;
    const until = Date.now() + 1400;
    while (Date.now() < until) {
      try {
        const out = a.call(sctx, NEG, x, x);
        for (const o of Array.isArray(out) ? out : [out]) if (o !== null) a.free(sctx, o as Handle);
        ok++;
      } catch (e) {
        expect((e as Error).message).toMatch(/^native\.neg: /);
        rejected++;
      }
    }
    await done;
    // Both outcomes happen: the writer leaves the valid encoding in place often enough.
    expect(ok).toBeGreaterThan(10);
    expect(rejected).toBeGreaterThan(10);
    expect(a.stats(sctx).buffers).toBe(1);
    after();
  });
});
