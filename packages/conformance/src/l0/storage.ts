/** L0 storage: alloc/write/read/readSync round trips per dtype, free and stats() accounting. */
import {
  BackendError,
  BYTES,
  coerce,
  typedArrayFor,
  type Backend,
  type DType,
  type TypedArray,
} from '@flint/core/backend';
import { assertClose, check, EXACT } from '../harness/compare.js';
import { syncReadable } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';
import { ALL, randomValues, specials } from './common.js';
import { Rng } from '../harness/rng.js';

function hostArray(dtype: DType, values: number[]) {
  const arr = typedArrayFor(dtype, values.length);
  values.forEach((v, i) => (arr[i] = coerce(v, dtype)));
  return arr;
}

function storageCase(
  dtype: DType,
  variant: string,
  run: (ctx: CaseContext) => void | Promise<void>,
): Case {
  return {
    id: `l0/storage/${variant}/${dtype}`,
    layer: 'L0',
    op: 'storage',
    dtype,
    needs: { dtypes: [dtype] },
    run,
  };
}

/**
 * The buffer's contents through read() and, where the device has synchronous read-back, through
 * readSync() too (the two must agree).
 */
async function readBoth(b: Backend, buf: unknown, dtype: DType, n: number): Promise<TypedArray> {
  const back = await b.read(buf, dtype, n);
  if (syncReadable(b.caps)) {
    const s = b.readSync(buf, dtype, n);
    check(
      s.constructor === back.constructor,
      `readSync returned ${s.constructor.name}, read() ${back.constructor.name}`,
    );
    assertClose(s, back, { tol: EXACT, signedZero: true, what: 'readSync vs read()' });
  }
  return back;
}

function roundTrip(dtype: DType, values: number[]) {
  return async (ctx: CaseContext): Promise<void> => {
    const b = ctx.backend;
    const host = hostArray(dtype, values);
    const buf = b.alloc(dtype, host.length);
    try {
      b.write(buf, host);
      const back = await readBoth(b, buf, dtype, host.length);
      check(
        back.constructor === host.constructor,
        `read() returned ${back.constructor.name}, expected ${host.constructor.name}`,
      );
      assertClose(back, host, { tol: EXACT, signedZero: true, what: 'read after write' });
    } finally {
      b.free(buf);
    }
  };
}

function asyncRead(dtype: DType) {
  return async (ctx: CaseContext): Promise<void> => {
    const b = ctx.backend;
    const host = hostArray(dtype, randomValues(new Rng(`read/${dtype}`), dtype, 33));
    const buf = b.alloc(dtype, host.length);
    try {
      b.write(buf, host);
      await b.sync();
      const back = await b.read(buf, dtype, host.length);
      assertClose(back, host, { tol: EXACT, signedZero: true, what: 'read() after write' });
      const orig = back[0]!;
      host[0] = dtype === 'bool' ? 1 - orig : orig + 1; // write() copies: the buffer must not alias host memory
      check(
        (await b.read(buf, dtype, host.length))[0] === orig,
        'write() kept a reference to the host array',
      );
    } finally {
      b.free(buf);
    }
  };
}

function statsAccounting(dtype: DType) {
  return (ctx: CaseContext): void => {
    const b = ctx.backend;
    const s0 = { ...b.stats() };
    const bufs = [b.alloc(dtype, 10), b.alloc(dtype, 0), b.alloc(dtype, 1000)];
    const s1 = { ...b.stats() };
    check(
      s1.buffers === s0.buffers + 3,
      `stats().buffers went ${s0.buffers} → ${s1.buffers} after 3 allocs`,
    );
    const want = BYTES[dtype] * 1010;
    check(
      s1.bytes - s0.bytes >= want,
      `stats().bytes grew by ${s1.bytes - s0.bytes}, expected ≥ ${want}`,
    );
    b.free(bufs[0]!);
    check(b.stats().buffers === s0.buffers + 2, 'free() did not decrement stats().buffers');
    b.free(bufs[1]!);
    b.free(bufs[2]!);
    const s2 = b.stats();
    check(
      s2.buffers === s0.buffers && s2.bytes === s0.bytes,
      `stats() ${JSON.stringify(s2)} after freeing all, expected ${JSON.stringify(s0)}`,
    );
  };
}

function emptyBuffer(dtype: DType) {
  return async (ctx: CaseContext): Promise<void> => {
    const buf = ctx.backend.alloc(dtype, 0);
    try {
      ctx.backend.write(buf, typedArrayFor(dtype, 0));
      check(
        (await readBoth(ctx.backend, buf, dtype, 0)).length === 0,
        'read of an empty buffer is not empty',
      );
    } finally {
      ctx.backend.free(buf);
    }
  };
}

/** A ranged write (`write(buf, data, at)`) sets exactly its elements; an overrun is refused. */
function rangedWrite(dtype: DType) {
  return async (ctx: CaseContext): Promise<void> => {
    const b = ctx.backend;
    const whole = hostArray(dtype, randomValues(new Rng(`ranged/${dtype}`), dtype, 40));
    const part = hostArray(dtype, randomValues(new Rng(`ranged-part/${dtype}`), dtype, 13));
    const buf = b.alloc(dtype, whole.length);
    try {
      b.write(buf, whole);
      b.write(buf, part, 20);
      b.write(buf, part.subarray(0, 0), 40); // an empty write at the end is in range
      const want = whole.slice();
      want.set(part, 20);
      assertClose(await readBoth(b, buf, dtype, whole.length), want, {
        tol: EXACT,
        signedZero: true,
        what: 'read after a ranged write',
      });
      for (const at of [28, 41, -1, 1.5]) {
        let threw: unknown;
        try {
          b.write(buf, part, at);
        } catch (e) {
          threw = e;
        }
        check(
          threw instanceof BackendError,
          `write of 13 elements at ${at} into a buffer of 40: expected a BackendError, got ${String(threw)}`,
        );
      }
      assertClose(await readBoth(b, buf, dtype, whole.length), want, {
        tol: EXACT,
        signedZero: true,
        what: 'the buffer after refused writes',
      });
    } finally {
      b.free(buf);
    }
  };
}

export function storageCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ALL) {
    cases.push(
      storageCase(d, 'roundtrip', roundTrip(d, randomValues(new Rng(`rt/${d}`), d, 257))),
      storageCase(d, 'special', roundTrip(d, specials(d))),
      storageCase(d, 'read-async', asyncRead(d)),
      storageCase(d, 'stats', statsAccounting(d)),
      storageCase(d, 'empty', emptyBuffer(d)),
      storageCase(d, 'ranged-write', rangedWrite(d)),
    );
  }
  return cases;
}
