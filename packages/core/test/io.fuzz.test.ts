/**
 * Fuzzing the safetensors reader: every input either parses or throws FormatError, and a failure
 * leaves no tensors behind. FLINT_FUZZ_RUNS=10000 for the nightly-size run.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { deserialize } from '../src/io/safetensors.js';
import { FormatError } from '../src/errors.js';

const RUNS = Number(process.env.FLINT_FUZZ_RUNS ?? 300);
/** The longest message a public error may carry (as the reliability probes require). */
const MAX_MESSAGE = 2000;
const backend = cpuBackend({ name: 'cpu-io-fuzz-test' });
let seeds: Uint8Array[] = [];

beforeAll(async () => {
  fl.use(backend);
  seeds = await Promise.all(
    ['basic', 'nometa', 'readonly'].map(
      async (n) =>
        new Uint8Array(await readFile(new URL(`./fixtures/${n}.safetensors`, import.meta.url))),
    ),
  );
});
afterAll(() => fl.removeBackend(backend.name));
// Every test frees what it makes: a tensor left to the garbage collector could be finalized after
// removeBackend, and tests here double as a leak check of the code under test.
let liveAtStart = 0;
beforeEach(() => {
  liveAtStart = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

/** Parse or throw FormatError; nothing else, and no leak either way. */
const live = () => ({
  tensors: fl.memory().tensors,
  bytes: fl.memory().bytes,
  buffers: backend.stats().buffers,
});

/** Parse or throw FormatError with a bounded message; nothing else, and no leak either way. */
function check(bytes: Uint8Array): void {
  const before = live();
  try {
    const { tensors } = deserialize(bytes);
    for (const t of Object.values(tensors)) t.dispose();
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    expect(e.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    expect(e.message).not.toContain('[object Object]');
  }
  expect(live()).toEqual(before);
}

function withHeader(json: string, data: Uint8Array, declared?: number): Uint8Array {
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, declared ?? h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))),
    data: bytes.subarray(8 + n),
  };
}

const seed = () => fc.integer({ min: 0, max: 2 }).map((i) => seeds[i]!);
const opts = { numRuns: RUNS };

describe('safetensors reader fuzz', () => {
  it('byte flips', () => {
    fc.assert(
      fc.property(
        seed(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (s, flips) => {
          const b = s.slice();
          for (const [pos, v] of flips) b[pos % b.length] = v;
          check(b);
        },
      ),
      opts,
    );
  });

  it('truncations and extensions', () => {
    fc.assert(
      fc.property(seed(), fc.nat(), fc.uint8Array({ maxLength: 16 }), (s, cut, extra) => {
        check(s.subarray(0, cut % (s.length + 1)));
        const longer = new Uint8Array(s.length + extra.length);
        longer.set(s);
        longer.set(extra, s.length);
        check(longer);
      }),
      opts,
    );
  });

  it('header edits: a field of one tensor replaced by arbitrary JSON', () => {
    const field = fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra');
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), fc.constant(2 ** 64)), {
        maxLength: 4,
      }),
      fc.constantFrom('F32', 'F64', 'I32', 'BOOL', 'F16', 'BF16', 'I64', 'U8', 'I8', 'F8_E4M3', ''),
    );
    fc.assert(
      fc.property(
        seed(),
        fc.nat(),
        field,
        value,
        fc.option(fc.nat(4096)),
        (s, which, f, v, declared) => {
          const { header, data } = split(s);
          const names = Object.keys(header);
          const name = names[which % names.length]!;
          const entry = header[name];
          if (typeof entry === 'object' && entry !== null)
            (entry as Record<string, unknown>)[f] = v;
          else header[name] = v;
          check(withHeader(JSON.stringify(header), data, declared ?? undefined));
        },
      ),
      opts,
    );
  });

  it('tensors shifted, swapped or resized while keeping the file self-consistent in places', () => {
    fc.assert(
      fc.property(
        seed(),
        fc.integer({ min: -16, max: 16 }),
        fc.integer({ min: -16, max: 16 }),
        fc.nat(),
        (s, db, de, which) => {
          const { header, data } = split(s);
          const names = Object.keys(header).filter((k) => k !== '__metadata__');
          const e = header[names[which % names.length]!] as {
            data_offsets: number[];
            shape: number[];
          };
          e.data_offsets = [e.data_offsets[0]! + db, e.data_offsets[1]! + de];
          check(withHeader(JSON.stringify(header), data));
          e.shape = [...e.shape, Math.abs(db) + 1];
          check(withHeader(JSON.stringify(header), data));
        },
      ),
      opts,
    );
  });

  it('random JSON headers and random bytes', () => {
    const entry = fc.record(
      {
        dtype: fc.constantFrom('F32', 'F64', 'I32', 'BOOL', 'F16', 'BF16', 'I64', 'U8', 'X'),
        shape: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }),
        data_offsets: fc.tuple(fc.integer({ min: -1, max: 64 }), fc.integer({ min: -1, max: 64 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 4 }), entry, { maxKeys: 4 }),
        fc.uint8Array({ maxLength: 64 }),
        (h, data) => {
          check(withHeader(JSON.stringify(h), data));
        },
      ),
      opts,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => check(b)),
      opts,
    );
    fc.assert(
      fc.property(fc.jsonValue(), (j) =>
        check(withHeader(JSON.stringify(j) ?? '', new Uint8Array(0))),
      ),
      opts,
    );
  });

  it('header structure mutations: wrap, nest, drop, rename, duplicate, retype', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('wrap'),
        depth: fc.integer({ min: 1, max: 200 }),
        obj: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('drop'),
        field: fc.constantFrom('dtype', 'shape', 'data_offsets'),
      }),
      fc.record({ kind: fc.constant('rename'), to: fc.string({ maxLength: 6 }) }),
      fc.record({ kind: fc.constant('duplicate') }),
      fc.record({ kind: fc.constant('root'), value: fc.jsonValue({ maxDepth: 3 }) }),
    );
    fc.assert(
      fc.property(seed(), fc.nat(), mutation, (s, which, m) => {
        const { header, data } = split(s);
        const names = Object.keys(header);
        const name = names[which % names.length]!;
        let json: string;
        if (m.kind === 'wrap') {
          // the entry (or the metadata) nested `depth` levels deep in arrays or objects
          const open = m.obj ? '{"x":' : '[';
          const close = m.obj ? '}' : ']';
          const inner = JSON.stringify(header[name]);
          json = JSON.stringify({ ...header, [name]: 0 }).replace(
            `${JSON.stringify(name)}:0`,
            `${JSON.stringify(name)}:${open.repeat(m.depth)}${inner}${close.repeat(m.depth)}`,
          );
        } else if (m.kind === 'drop') {
          const e = header[name];
          if (typeof e === 'object' && e !== null) delete (e as Record<string, unknown>)[m.field];
          json = JSON.stringify(header);
        } else if (m.kind === 'rename') {
          const { [name]: e, ...rest } = header;
          json = JSON.stringify({ ...rest, [m.to]: e });
        } else if (m.kind === 'duplicate') {
          // JSON.parse keeps the last of duplicate keys: the first entry's range becomes a gap
          const body = JSON.stringify(header).slice(1, -1);
          json = `{${body},${JSON.stringify(name)}:${JSON.stringify(header[name])}}`;
        } else json = JSON.stringify({ [name]: m.value, ...header, __metadata__: m.value }) ?? '';
        check(withHeader(json, data));
      }),
      opts,
    );
  });

  it('offsets and dims: huge, negative, fractional, non-numeric; shapes whose product overflows 2^53', () => {
    const weird = fc.oneof(
      fc.constantFrom(
        -1,
        -0,
        0.5,
        1e-300,
        2 ** 53,
        2 ** 53 + 2,
        2 ** 64,
        1e308,
        Number.MAX_SAFE_INTEGER,
      ),
      fc.constantFrom('1e999', '-1e999', '"4"', 'null', 'true', '[]', '{}', '1.0', '1e2', '-0'),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const raw = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const bigDim = fc.oneof(fc.integer({ min: 2 ** 20, max: 2 ** 40 }), fc.constant(2 ** 53 - 1));
    const dtype = fc.oneof(
      fc.constantFrom('F32', 'F64', 'I32', 'BOOL', 'F16', 'BF16', 'I64', 'U8'),
      fc.constantFrom('f32', 'F32 ', 'F3\u00002', 'F8_E5M2', 'C64', 'U64', 'I16'),
      fc.string({ maxLength: 5 }).map((x) => JSON.stringify(x).slice(1, -1)),
    );
    fc.assert(
      fc.property(
        dtype,
        fc.array(fc.oneof(fc.nat(4), bigDim, weird), { maxLength: 5 }),
        weird,
        weird,
        fc.uint8Array({ maxLength: 32 }),
        (dt, shape, b, e, data) => {
          const h = `{"t":{"dtype":"${dt}","shape":[${shape.map(raw).join(',')}],"data_offsets":[${raw(b)},${raw(e)}]}}`;
          check(withHeader(h, data));
        },
      ),
      opts,
    );
  });
});

describe('safetensors reader: hostile headers get short, typed errors', () => {
  const hostile = (json: string) => {
    let err: unknown;
    try {
      deserialize(withHeader(json, new Uint8Array(0)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    const msg = (err as Error).message;
    expect(msg.length).toBeLessThan(400);
    return msg;
  };

  it('a header nested a million levels deep: no stack overflow', () => {
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ])
      expect(hostile(`{"t":${open!.repeat(1e6)}${close!.repeat(1e6)}}`)).toMatch(
        /the header nests deeper than 64 levels \(at byte \d+\); a valid header needs 3/,
      );
    // brackets inside strings do not count
    expect(hostile(`{"t":"${'['.repeat(1000)}"}`)).toMatch(/tensor "t": expected an object/);
  });

  it('a 50 MB value anywhere is quoted only in part', () => {
    const big = 'x'.repeat(50 * 2 ** 20);
    expect(hostile(`{"t":{"dtype":"${big}","shape":[],"data_offsets":[0,0]}}`)).toMatch(
      /tensor "t" has unsupported dtype "x{20}"… \(52428800 characters\)/,
    );
    expect(hostile(`{"${big}":{"dtype":"F32","shape":[],"data_offsets":[0,0]}}`)).toMatch(
      /tensor "x{80}"… \(52428800 characters\): shape \[\] of F32 needs 4 bytes/,
    );
    expect(
      hostile(`{"t":{"dtype":"F32","shape":[${'1,'.repeat(1e6)}1],"data_offsets":[0,9]}}`),
    ).toMatch(/shape \[1,1,1,1,…,1,1\] \(1000001 dims\) of F32 needs 4 bytes/);
    expect(hostile(`{"__metadata__":{"k":["${big}"]}}`)).toMatch(
      /must be a string, got \["x{40}"… \(52428800 characters\)\]/,
    );
    expect(hostile(`{"t":["${big}", {"a": [1, 2, 3]}]}`)).toMatch(/expected an object/);
  });
});
