import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as io from '../src/io/index.js';
import { FormatError } from '../src/errors.js';

const backend = cpuBackend({ name: 'cpu-io-test' });
const other = cpuBackend({ name: 'cpu-io-test-2' });
const FIXTURES = new URL('./fixtures/', import.meta.url);

beforeAll(() => {
  fl.register(other);
  fl.use(backend);
});
afterAll(() => {
  fl.removeBackend(backend.name);
  fl.removeBackend(other.name);
});
// Every test frees what it makes: a tensor left to the garbage collector could be finalized after
// removeBackend, and tests here double as a leak check of the code under test.
let liveAtStart = 0;
beforeEach(() => {
  liveAtStart = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

interface Golden {
  metadata: Record<string, string> | null;
  order: string[];
  tensors: Record<
    string,
    { stDtype: string; dtype: fl.DType; shape: number[]; values: (number | string | boolean)[] }
  >;
}

async function fixture(name: string): Promise<{ bytes: Uint8Array; golden: Golden }> {
  const bytes = new Uint8Array(await readFile(new URL(`${name}.safetensors`, FIXTURES)));
  const golden = JSON.parse(await readFile(new URL(`${name}.json`, FIXTURES), 'utf8')) as Golden;
  return { bytes, golden };
}

const SPECIAL: Record<string, number> = {
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};
const num = (v: number | string | boolean) => (typeof v === 'string' ? SPECIAL[v]! : Number(v));

function fromGolden(g: Golden['tensors'][string]): fl.Tensor {
  return fl.tensor(Float64Array.from(g.values, num), { dtype: g.dtype, shape: g.shape });
}

function expectMatches(t: fl.Tensor, g: Golden['tensors'][string]): void {
  expect(t.dtype).toBe(g.dtype);
  expect(t.shape).toEqual(g.shape);
  const got = Array.from(t.dataSync());
  const want = g.values.map(num);
  expect(got.length).toBe(want.length);
  // Object.is tells -0 from 0 and matches NaN
  got.forEach((v, i) => expect(Object.is(v, want[i]), `${v} vs ${want[i]} at ${i}`).toBe(true));
}

function disposeAll(ts: Record<string, fl.Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}

const ascii = (s: string) => new TextEncoder().encode(s);
function file(
  header: string,
  data: Uint8Array | number = 0,
  declared?: number | bigint,
): Uint8Array {
  const h = ascii(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
const headerOf = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
};

describe('safetensors: byte compatibility with the reference implementation', () => {
  // Byte vectors asserted by the reference crate's own unit tests (safetensors/src/tensor.rs).
  it('one F32 tensor whose header needs no padding', () =>
    fl.tidy(() => {
      const bytes = io.serialize({
        'attn.0': fl.arange(6, undefined, 1, { dtype: 'float32' }).reshape([1, 2, 3]),
      });
      expect(headerOf(bytes)).toEqual({
        n: 64,
        text: '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}',
      });
      expect(Array.from(bytes.subarray(72))).toEqual([
        0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
      ]);
    }));

  it('pads the header with spaces to a multiple of 8', () =>
    fl.tidy(() => {
      const bytes = io.serialize({
        attn0: fl.arange(6, undefined, 1, { dtype: 'float32' }).reshape([1, 1, 2, 3]),
      });
      expect(headerOf(bytes)).toEqual({
        n: 72,
        text: '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ',
      });
      expect(bytes.length).toBe(8 + 72 + 24);
    }));

  it('empty dicts, with and without metadata', () => {
    expect(Array.from(io.serialize({}))).toEqual([
      8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
    ]);
    expect(headerOf(io.serialize({}, { framework: 'pt' }))).toEqual({
      n: 40,
      text: '{"__metadata__":{"framework":"pt"}}     ',
    });
    expect(io.deserialize(io.serialize({}))).toEqual({ tensors: {}, metadata: undefined });
    expect(io.deserialize(file('{"__metadata__":null}')).metadata).toBeUndefined();
  });

  it('orders data by dtype (F64, F32, I32, BOOL) then by name in UTF-8 byte order', () =>
    fl.tidy(() => {
      const t = {
        z_bool: fl.tensor([true]),
        a_int: fl.tensor([1], { dtype: 'int32' }),
        b: fl.tensor([1]),
        B: fl.tensor([1]),
        '\u{1F600}': fl.tensor([1]),
        '\uFF21': fl.tensor([1]),
        y_f64: fl.tensor([1], { dtype: 'float64' }),
      };
      const { text } = headerOf(io.serialize(t));
      const keys = Object.keys(JSON.parse(text));
      expect(keys).toEqual(['y_f64', 'B', 'b', '\uFF21', '\u{1F600}', 'a_int', 'z_bool']);
    }));

  for (const name of ['basic', 'nometa']) {
    it(`${name}.safetensors: values match the golden JSON and serialize reproduces the file exactly`, async () => {
      const { bytes, golden } = await fixture(name);
      const before = fl.memory().tensors;
      const { tensors, metadata } = io.deserialize(bytes);
      expect(metadata).toEqual(golden.metadata ?? undefined);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(golden.tensors).sort());
      for (const [k, g] of Object.entries(golden.tensors)) expectMatches(tensors[k]!, g);
      expect(io.serialize(tensors, metadata)).toEqual(bytes);
      // the same tensors built from the golden values, inserted in reverse order
      const rebuilt = Object.fromEntries(
        Object.entries(golden.tensors)
          .reverse()
          .map(([k, g]) => [k, fromGolden(g)]),
      );
      expect(io.serialize(rebuilt, golden.metadata ?? undefined)).toEqual(bytes);
      expect(
        Object.keys(JSON.parse(headerOf(bytes).text)).filter((k) => k !== '__metadata__'),
      ).toEqual(golden.order);
      disposeAll(tensors);
      disposeAll(rebuilt);
      expect(fl.memory().tensors).toBe(before);
    });
  }

  it('readonly.safetensors: F16 and BF16 load as float32, I64 and U8 as int32', async () => {
    const { bytes, golden } = await fixture('readonly');
    const { tensors } = io.deserialize(bytes);
    for (const [k, g] of Object.entries(golden.tensors)) expectMatches(tensors[k]!, g);
    expect(tensors.half!.dtype).toBe('float32');
    expect(tensors.long!.dtype).toBe('int32');
    expect(tensors.bytes!.toArray()).toEqual([0, 1, 127, 128, 255]);
    disposeAll(tensors);
  });
});

describe('safetensors: round trips', () => {
  it('keeps every dtype, scalars, empty tensors, views and metadata', () =>
    fl.tidy(() => {
      const base = fl.arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]);
      const t = {
        view: base.T, // non-contiguous: written in logical row-major order
        scalar: fl.tensor(3.5),
        empty: fl.zeros([2, 0, 3], { dtype: 'int32' }),
        mask: fl.tensor([[true, false, true]]),
      };
      const { tensors, metadata } = io.deserialize(io.serialize(t, { note: 'héllo "quoted"\n' }));
      expect(metadata).toEqual({ note: 'héllo "quoted"\n' });
      expect(tensors.view!.toArray()).toEqual([
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
      expect(tensors.view!.dtype).toBe('float64');
      expect(tensors.scalar!.shape).toEqual([]);
      expect(tensors.scalar!.item()).toBe(3.5);
      expect(tensors.empty!.shape).toEqual([2, 0, 3]);
      expect(tensors.mask!.toArray()).toEqual([[true, false, true]]);
      disposeAll(tensors);
    }));

  it('accepts a Map, returns exact-size ArrayBuffers and honours the device option', () =>
    fl.tidy(() => {
      const buf = io.saveToBuffer(new Map([['w', fl.ones([2, 2])]]));
      expect(buf).toBeInstanceOf(ArrayBuffer);
      expect(buf.byteLength).toBe(8 + 64 + 16); // a 57-byte header padded to 64
      const t = io.loadFromBuffer(buf, { device: other.name });
      expect(t.w!.device).toBe(other.name);
      expect(t.w!.toArray()).toEqual([
        [1, 1],
        [1, 1],
      ]);
      t.w!.dispose();
    }));

  it('keeps names such as __proto__ as ordinary keys', () => {
    const bytes = file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4);
    const { tensors } = io.deserialize(bytes);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(headerOf(io.serialize(tensors)).text).toMatch(/^\{"__proto__":/);
    disposeAll(tensors);
  });

  it('property: deserialize(serialize(x)) equals x, and re-serializing gives the same bytes', () => {
    const dtypes = ['float32', 'float64', 'int32', 'bool'] as const;
    const entry = fc.record({
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), entry, { maxKeys: 5 }),
        (spec) => {
          delete (spec as Record<string, unknown>)['__metadata__'];
          const before = fl.memory().tensors;
          fl.tidy(() => {
            const t: Record<string, fl.Tensor> = {};
            for (const [k, s] of Object.entries(spec)) {
              fl.manualSeed(s.seed);
              Object.defineProperty(t, k, {
                value: fl.randn(s.shape).mul(100).to(s.dtype),
                enumerable: true,
              });
            }
            const bytes = io.serialize(t);
            expect(headerOf(bytes).n % 8).toBe(0);
            const back = io.deserialize(bytes).tensors;
            for (const k of Object.keys(t)) {
              expect(back[k]!.dtype).toBe(t[k]!.dtype);
              expect(back[k]!.toArray()).toEqual(t[k]!.toArray());
            }
            expect(io.serialize(back)).toEqual(bytes);
          });
          expect(fl.memory().tensors).toBe(before);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('safetensors: malformed input throws FormatError', () => {
  const F32 = (offsets: string, shape = '[1]') =>
    `{"t":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}}`;
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /5 bytes is too short/],
    ['header length beyond the file', file('{}', 0, 50), /header length 50 runs past the end/],
    [
      'header over 100 MB',
      file('{}', 0, 100_000_001),
      /100000001 exceeds the 100000000-byte limit/,
    ],
    ['header length near 2^64', file('{}', 0, 2n ** 64n - 1n), /18446744073709551615 exceeds/],
    [
      'invalid UTF-8',
      (() => {
        const f = file('{"\u00ff":1}');
        f[10] = 0xff;
        return f;
      })(),
      /not valid UTF-8/,
    ],
    ['byte-order mark', file('\ufeff{}'), /must start with '\{'/],
    ['not an object', file('[1,2]'), /must start with '\{'/],
    ['not JSON', file('{"t":'), /not valid JSON/],
    ['NaN literal', file(F32('[0,NaN]'), 4), /not valid JSON/],
    ['entry not an object', file('{"t":1}'), /tensor "t": expected an object/],
    ['dtype missing', file('{"t":{"shape":[],"data_offsets":[0,4]}}', 4), /dtype must be a string/],
    [
      'unknown dtype',
      file('{"t":{"dtype":"Q9","shape":[],"data_offsets":[0,4]}}', 4),
      /tensor "t" has unsupported dtype "Q9"/,
    ],
    [
      'unsupported I8',
      file('{"w":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}', 1),
      /tensor "w" has unsupported dtype "I8"/,
    ],
    ['shape not an array', file(F32('[0,4]', '3'), 4), /shape must be an array/],
    ['negative dim', file(F32('[0,4]', '[-1]'), 4), /shape\[0\] must be a non-negative integer/],
    ['fractional dim', file(F32('[0,4]', '[1.5]'), 4), /shape\[0\] must be a non-negative integer/],
    ['string dim', file(F32('[0,4]', '["1"]'), 4), /shape\[0\]/],
    ['three offsets', file(F32('[0,4,8]'), 4), /data_offsets must be \[begin, end\]/],
    ['offset beyond 2^53', file(F32('[0,9007199254740993]'), 4), /data_offsets\[1\]/],
    ['end before begin', file(F32('[4,0]'), 4), /end before they begin/],
    ['gap', file(F32('[4,8]'), 8), /leave a gap; expected it to begin at 0/],
    [
      'overlap',
      file(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
        8,
      ),
      /tensor "b".*overlap/,
    ],
    ['size mismatch', file(F32('[0,8]'), 8), /needs 4 bytes but data_offsets \[0,8\] span 8/],
    ['trailing bytes', file(F32('[0,4]'), 6), /2 trailing bytes/],
    [
      'truncated data',
      file(F32('[0,4]'), 2),
      /truncated: the tensors need a 4-byte data section but only 2/,
    ],
    ['huge shape, no data', file(F32('[0,4000000000000]', '[1000000,1000000]'), 0), /truncated/],
    [
      'overflowing shape',
      file(F32('[0,4]', '[4294967296,4294967296,4294967296]'), 4),
      /shape \[4294967296,4294967296,4294967296\] has more than 2\^53 elements/,
    ],
    [
      'metadata not strings',
      file('{"__metadata__":{"a":1}}'),
      /__metadata__\["a"\] must be a string/,
    ],
    ['metadata an array', file('{"__metadata__":["a"]}'), /__metadata__ must be an object/],
  ];
  for (const [what, bytes, msg] of cases)
    it(what, () => {
      const before = fl.memory();
      let err: unknown;
      try {
        io.deserialize(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(msg);
      expect(fl.memory()).toEqual(before);
    });

  it('an I64 value outside int32 names the tensor and frees the tensors already made', () => {
    const data = new Uint8Array(4 + 16);
    const dv = new DataView(data.buffer);
    dv.setBigInt64(4, 5n, true);
    dv.setBigInt64(12, 2n ** 40n, true);
    const bytes = file(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"big":{"dtype":"I64","shape":[2],"data_offsets":[4,20]}}',
      data,
    );
    const before = fl.memory();
    expect(() => io.deserialize(bytes)).toThrow(
      /tensor "big" \(I64\) holds 1099511627776 at element 1/,
    );
    expect(fl.memory()).toEqual(before);
  });

  it('rejects what the writer cannot encode', () =>
    fl.tidy(() => {
      expect(() => io.serialize({ a: 3 as unknown as fl.Tensor })).toThrow(/"a" is not a Tensor/);
      expect(() => io.serialize({ __metadata__: fl.ones([1]) })).toThrow(/reserved/);
      expect(() => io.serialize({ ['x\uD800']: fl.ones([1]) })).toThrow(/lone UTF-16 surrogate/);
      expect(() => io.serialize({}, { a: 1 as unknown as string })).toThrow(
        /metadata value for "a" must be a string/,
      );
      const t = fl.ones([1]);
      t.dispose();
      expect(() => io.serialize({ t })).toThrow(fl.DisposedTensorError);
    }));
});
