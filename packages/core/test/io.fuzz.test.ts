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

function check(bytes: Uint8Array): void {
  const before = live();
  try {
    const { tensors } = deserialize(bytes);
    for (const t of Object.values(tensors)) t.dispose();
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
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
});
