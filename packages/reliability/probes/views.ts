/**
 * View metadata from JavaScript: shapes, strides and offsets that do not fit their buffer, and
 * view ops called with values no view can have. Every one must be a typed error before any
 * kernel reads memory; a view that fits must read exactly the elements it names.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];

/** `new fl.Tensor` over a 4-element storage, as an adversarial caller would build it. */
function view(
  fl: Fl,
  shape: unknown,
  strides: unknown,
  offset: unknown,
): InstanceType<Fl['Tensor']> {
  const x = fl.tensor([1, 2, 3, 4]);
  const Tensor = fl.Tensor as unknown as new (...a: unknown[]) => InstanceType<Fl['Tensor']>;
  return new Tensor(x.storage.retain(), shape, strides, offset);
}

/** Constructor metadata that must be refused: [id, shape, strides, offset, error, message]. */
const REFUSED: [string, unknown, unknown, unknown, string, RegExp][] = [
  [
    'stride-overflows-int64',
    [274178],
    [67280421310721],
    0,
    'ShapeError',
    /past the end of a storage of 4/,
  ],
  ['numel-2^64-counts-zero', [2 ** 32, 2 ** 32], [0, 0], 0, 'ShapeError', /exceeds 2\^53/],
  ['numel-2^63', [2 ** 21, 2 ** 21, 2 ** 21], [0, 0, 0], 0, 'ShapeError', /exceeds 2\^53/],
  ['stride-2^31', [2], [2 ** 31], 0, 'ShapeError', /past the end/],
  ['stride-2^53', [2], [2 ** 53], 0, 'ShapeError', /safe integers/],
  ['stride-2^63', [2], [2 ** 63], 0, 'ShapeError', /safe integers/],
  ['stride-2^64', [2], [2 ** 64], 0, 'ShapeError', /safe integers/],
  ['negative-stride-before-start', [3], [-1], 1, 'ShapeError', /before the start/],
  ['negative-stride-2^53', [2], [-(2 ** 53 - 1)], 3, 'ShapeError', /before the start/],
  ['negative-size', [-1], [1], 0, 'ShapeError', /non-negative safe integers/],
  ['fractional-size', [1.5], [1], 0, 'ShapeError', /non-negative safe integers/],
  ['nan-size', [NaN], [1], 0, 'ShapeError', /non-negative safe integers/],
  ['infinite-stride', [2], [Infinity], 0, 'ShapeError', /safe integers/],
  ['fractional-stride', [2], [0.5], 0, 'ShapeError', /safe integers/],
  ['offset-past-end', [1], [1], 4, 'ShapeError', /offset is past the storage/],
  ['offset-2^53', [1], [1], 2 ** 53, 'ShapeError', /offset must be a non-negative safe integer/],
  ['offset-negative', [1], [1], -1, 'ShapeError', /offset must be/],
  ['offset-nan', [1], [1], NaN, 'ShapeError', /offset must be/],
  ['rank-mismatch', [2, 2], [1], 0, 'ShapeError', /one entry per dimension/],
  ['shape-not-an-array', 4, [1], 0, 'ArgumentError', /shape must be an array/],
  ['strides-an-object', [2], { 0: 1, length: 1 }, 0, 'ArgumentError', /strides must be an array/],
];

export const probes: Probe[] = [
  ...REFUSED.map(([id, shape, strides, offset, throws, match]): Probe => ({
    id: `constructor/${id}`,
    expect: { throws, match },
    run: ({ fl }) => view(fl, shape, strides, offset).neg().dataSync(),
  })),
  {
    id: 'constructor/storage-not-a-storage',
    expect: { throws: 'ArgumentError', match: /storage must be a Storage/ },
    run: ({ fl }) => new fl.Tensor({} as never, [1], [1], 0),
  },
  {
    id: 'constructor/fitting-views-read-their-elements',
    expect: 'ok',
    run: ({ fl }) => {
      assert.deepEqual(Array.from(view(fl, [2], [1], 2).dataSync()), [3, 4]);
      assert.deepEqual(Array.from(view(fl, [4], [-1], 3).dataSync()), [4, 3, 2, 1]);
      assert.deepEqual(Array.from(view(fl, [2, 2], [0, 3], 0).dataSync()), [1, 4, 1, 4]);
      assert.deepEqual(Array.from(view(fl, [2 ** 40, 0], [2 ** 40, 1], 2 ** 40).dataSync()), []);
      assert.deepEqual(Array.from(view(fl, [], [], 3).neg().dataSync()), [-4]);
    },
  },
  {
    id: 'constructor/caller-arrays-changed-afterwards',
    expect: 'ok',
    run: ({ fl }) => {
      const shape = [2];
      const strides = [1];
      const v = view(fl, shape, strides, 2);
      shape[0] = 274178;
      strides[0] = 67280421310721;
      assert.deepEqual(Array.from(v.exp().dataSync()).map(Math.round), [20, 55]);
    },
  },
  {
    id: 'constructor/refused-view-releases-its-reference',
    expect: 'ok',
    run: ({ fl }) => {
      const before = fl.memory().bytes;
      const x = fl.tensor([1, 2, 3, 4]);
      assert.throws(() => new fl.Tensor(x.storage.retain(), [274178], [67280421310721], 0));
      x.dispose();
      assert.equal(fl.memory().bytes, before);
    },
  },
  {
    id: 'narrow/fractional-start',
    expect: {
      throws: 'ArgumentError',
      match: /Tensor\.narrow: start must be an integer, got 0\.5/,
    },
    run: ({ fl }) => fl.ones([2, 3]).narrow(1, 0.5, 1),
  },
  {
    id: 'narrow/0-d',
    expect: { throws: 'ShapeError', match: /narrow.*0-d/ },
    run: ({ fl }) => fl.tensor(3).narrow(0, 0, 1),
  },
  {
    id: 'narrow/past-the-end',
    expect: { throws: 'ShapeError', match: /out of range/ },
    run: ({ fl }) => fl.ones([2, 3]).narrow(1, 2, 2),
  },
  {
    id: 'slice/huge-bounds-clamp',
    expect: 'ok',
    run: ({ fl }) => {
      const s = fl.arange(6).slice(0, -(2 ** 53 - 1), 2 ** 53 - 1, 2);
      assert.deepEqual(s.toArray(), [0, 2, 4]);
    },
  },
  {
    id: 'slice/fractional-step',
    expect: { throws: 'ArgumentError', match: /Tensor\.slice: step must be an integer/ },
    run: ({ fl }) => fl.arange(6).slice(0, 0, 6, 1.5),
  },
  {
    id: 'transpose/0-d-dims',
    expect: { throws: 'ShapeError', match: /dim 1 is out of range for a tensor of rank 0/ },
    run: ({ fl }) => fl.tensor(3).transpose(0, 1),
  },
  {
    id: 'transpose/0-d-dims-5-7',
    expect: { throws: 'ShapeError', match: /dim 5/ },
    run: ({ fl }) => fl.tensor(3).transpose(5, 7),
  },
  {
    id: 'transpose/0-d-dims-0-minus1',
    expect: 'ok',
    run: ({ fl }) => assert.equal(fl.tensor(3).transpose(0, -1).item(), 3),
  },
  {
    id: 'expand/negative-size',
    expect: { throws: 'ShapeError', match: /expand/ },
    run: ({ fl }) => fl.ones([1]).expand([-2]),
  },
  {
    id: 'expand/size-2^53',
    expect: { throws: 'ShapeError' },
    run: ({ fl }) => fl.ones([1]).expand([2 ** 53]),
  },
  {
    id: 'reshape/fractional',
    expect: { throws: 'ShapeError', match: /Tensor\.reshape/ },
    run: ({ fl }) => fl.ones([4]).reshape(2.5, 2),
  },
  {
    id: 'view/nan-size',
    expect: { throws: 'ShapeError', match: /Tensor\.view/ },
    run: ({ fl }) => fl.ones([4]).view([NaN]),
  },
  {
    id: 'index/out-of-range',
    expect: { throws: 'ShapeError', match: /index/ },
    run: ({ fl }) => fl.ones([2, 3]).index(2 ** 31),
  },
  {
    id: 'index/object-spec',
    expect: { throws: 'ArgumentError', match: /Tensor\.index: argument 1 must be an index/ },
    run: ({ fl }) => fl.ones([2, 3]).index({} as never),
  },
  {
    id: 'permute/repeated',
    expect: { throws: 'ShapeError', match: /repeat/ },
    run: ({ fl }) => fl.ones([2, 3]).permute(0, 0),
  },
  {
    id: 'flip/0-d-dim-1',
    expect: { throws: 'ShapeError', match: /flip: dim 1/ },
    run: ({ fl }) => fl.tensor(3).flip(1),
  },
];
