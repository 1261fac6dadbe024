import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { FormatError } from '../src/errors.js';
import {
  gunzip,
  idxToTensor,
  loadIdx,
  parseIdx,
  parseIdxSync,
  scaleToUnit,
} from '../src/data/idx.js';
import { FASHION_MNIST_DIR, fashionMnist, mnist } from '../src/data/vision.js';
import { requireData } from './data-gate.js';

const RUNS = Number(process.env.FLINT_FUZZ_RUNS ?? 300);
const backend = cpuBackend({ name: 'cpu-data-idx-test' });
let dir = '';
beforeAll(async () => {
  fl.use(backend);
  dir = await mkdtemp(join(tmpdir(), 'flint-idx-'));
});
afterAll(async () => {
  fl.removeBackend(backend.name);
  await rm(dir, { recursive: true, force: true });
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

const CODES = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
} as const;
const SIZE = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;

/** A big-endian IDX file, written independently of the reader. */
function idx(dtype: keyof typeof CODES, shape: number[], values: number[]): Uint8Array {
  const head = 4 + 4 * shape.length;
  const out = new Uint8Array(head + values.length * SIZE[dtype]);
  const dv = new DataView(out.buffer);
  out[2] = CODES[dtype];
  out[3] = shape.length;
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  values.forEach((v, i) => {
    const at = head + i * SIZE[dtype];
    if (dtype === 'uint8') dv.setUint8(at, v);
    else if (dtype === 'int8') dv.setInt8(at, v);
    else if (dtype === 'int16') dv.setInt16(at, v);
    else if (dtype === 'int32') dv.setInt32(at, v);
    else if (dtype === 'float32') dv.setFloat32(at, v);
    else dv.setFloat64(at, v);
  });
  return out;
}

describe('IDX', () => {
  const samples: [keyof typeof CODES, number[]][] = [
    ['uint8', [0, 1, 128, 255, 7, 9]],
    ['int8', [-128, -1, 0, 1, 127, 5]],
    ['int16', [-32768, -2, 0, 300, 32767, 1]],
    ['int32', [-2147483648, -1, 0, 70000, 2147483647, 3]],
    ['float32', [0.5, -1.25, 3e38, -0, 1e-40, 7]],
    ['float64', [Math.PI, -1e300, 5e-324, 0, 2, -3]],
  ];
  for (const [dtype, values] of samples)
    it(`parses ${dtype}, raw and gzip`, async () => {
      const raw = idx(dtype, [2, 3], values);
      const want = {
        shape: [2, 3],
        dtype,
        data: Array.from(values, (v) => (dtype === 'float32' ? Math.fround(v) : v)),
      };
      const a = parseIdxSync(raw);
      expect({ ...a, data: Array.from(a.data) }).toEqual(want);
      const b = await parseIdx(gzipSync(raw));
      expect({ ...b, data: Array.from(b.data) }).toEqual(want);
      const t = idxToTensor(a);
      expect(t.dtype).toBe(dtype === 'float32' || dtype === 'float64' ? dtype : 'int32');
      expect(t.shape).toEqual([2, 3]);
      t.dispose();
    });

  it('decompresses with DecompressionStream too (the browser path)', async () => {
    const raw = idx('uint8', [4], [1, 2, 3, 4]);
    expect(Array.from(await gunzip(gzipSync(raw), { impl: 'web' }))).toEqual(Array.from(raw));
    await expect(
      gunzip(gzipSync(new Uint8Array(5000)), { impl: 'web', maxBytes: 1000 }),
    ).rejects.toThrow(/more than 1000 bytes/);
    await expect(gunzip(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { impl: 'web' })).rejects.toThrow(
      FormatError,
    );
  });

  it('loadIdx reads raw and .gz files; scaleToUnit maps 0..255 to [0, 1]', async () => {
    const raw = idx('uint8', [2, 2, 2], [0, 51, 102, 153, 204, 255, 0, 255]);
    await writeFile(join(dir, 'a-idx3-ubyte'), raw);
    await writeFile(join(dir, 'a-idx3-ubyte.gz'), gzipSync(raw));
    for (const f of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
      const t = await loadIdx(join(dir, f));
      expect(t.dtype).toBe('int32');
      expect(t.toArray()).toEqual([
        [
          [0, 51],
          [102, 153],
        ],
        [
          [204, 255],
          [0, 255],
        ],
      ]);
      const s = scaleToUnit(t);
      expect(s.dtype).toBe('float32');
      expect(Array.from(s.dataSync())).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 0, 1].map(Math.fround));
      t.dispose();
      s.dispose();
    }
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array([0, 0, 8]), /3 bytes is too short/],
    ['bad magic', new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), /bad magic number/],
    ['unknown type code', new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown type code 0x0a/],
    ['header cut short', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), /3 dims need a 16-byte header/],
    [
      'truncated data',
      idx('int32', [3], [1, 2, 3]).subarray(0, 14),
      /needs 12 data bytes but 6 follow.*truncated/,
    ],
    [
      'trailing bytes',
      new Uint8Array([...idx('uint8', [2], [1, 2]), 9]),
      /needs 2 data bytes but 3 follow.*trailing/,
    ],
    [
      'huge shape',
      new Uint8Array([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]),
      /needs 79228162458924105385300197375 data bytes|too large/,
    ],
    [
      'gzip given to the sync parser',
      gzipSync(idx('uint8', [1], [1])),
      /gzip-compressed; use the async parseIdx/,
    ],
  ];
  for (const [what, bytes, msg] of bad)
    it(`FormatError: ${what}`, () => expect(() => parseIdxSync(bytes)).toThrow(msg));

  it('FormatError for corrupt gzip and decompression bombs', async () => {
    const gz = gzipSync(idx('uint8', [64], new Array(64).fill(1)));
    gz[gz.length - 6] ^= 0xff; // CRC
    await expect(parseIdx(gz)).rejects.toThrow(/gzip decompression failed/);
    await expect(parseIdx(gzipSync(new Uint8Array(100_000)), { maxBytes: 1000 })).rejects.toThrow(
      FormatError,
    );
  });

  it('fuzz: mutated files parse or throw FormatError', async () => {
    const seed = idx('int16', [3, 2], [1, -2, 3, -4, 5, -6]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        async (flips, cut, gz) => {
          let b = seed.slice(0, 1 + (cut % seed.length));
          b = cut % 3 === 0 ? seed.slice() : b;
          for (const [p, v] of flips) b[p % b.length] = v;
          try {
            await parseIdx(gz ? gzipSync(b) : b);
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('Fashion-MNIST and MNIST', () => {
  it('mnist({ dir }) reads a tiny generated set (raw images, gzipped labels, dotted names)', async () => {
    const d = join(dir, 'tiny');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    const pixels = Array.from({ length: 3 * 4 * 4 }, (_, i) => (i * 17) % 256);
    await writeFile(join(d, 't10k-images.idx3-ubyte'), idx('uint8', [3, 4, 4], pixels));
    await writeFile(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx('uint8', [3], [2, 0, 9])));
    const { images, labels } = await mnist({ dir: d, split: 'test' });
    expect(images.shape).toEqual([3, 1, 4, 4]);
    expect(images.dtype).toBe('float32');
    expect(Array.from(images.dataSync())).toEqual(pixels.map((p) => Math.fround(p / 255)));
    expect(labels.toArray()).toEqual([2, 0, 9]);
    images.dispose();
    labels.dispose();
    await expect(mnist({ dir: d, split: 'train' })).rejects.toThrow(
      /MNIST train files not found.*train-images-idx3-ubyte\[\.gz\]/,
    );
    await writeFile(
      join(d, 'train-images-idx3-ubyte'),
      idx('uint8', [2, 4, 4], new Array(32).fill(0)),
    );
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idx('uint8', [3], [1, 2, 3]));
    await expect(mnist({ dir: d })).rejects.toThrow(
      /labels must be uint8 \[2\] to match the images, got uint8 \[3\]/,
    );
  });

  it('a missing dataset names the Debian package and FLINT_DATA', async () => {
    await expect(fashionMnist({ dir: join(dir, 'nowhere') })).rejects.toThrow(
      /dataset-fashion-mnist.*FLINT_DATA/s,
    );
  });

  it('FLINT_DATA is searched (directly and in fashion-mnist/)', async () => {
    const root = join(dir, 'flint-data');
    const d = join(root, 'fashion-mnist');
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    await writeFile(join(d, 't10k-images-idx3-ubyte'), idx('uint8', [1, 2, 2], [0, 255, 255, 0]));
    await writeFile(join(d, 't10k-labels-idx1-ubyte'), idx('uint8', [1], [4]));
    const prev = process.env.FLINT_DATA;
    process.env.FLINT_DATA = root;
    try {
      const { images, labels } = await fashionMnist({ split: 'test' });
      expect(images.toArray()).toEqual([
        [
          [
            [0, 1],
            [1, 0],
          ],
        ],
      ]);
      images.dispose();
      labels.dispose();
    } finally {
      if (prev === undefined) delete process.env.FLINT_DATA;
      else process.env.FLINT_DATA = prev;
    }
  });

  it('loads the real Fashion-MNIST test split from the Debian package', async (ctx) => {
    await requireData(ctx, {
      path: join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
      debianPackage: 'dataset-fashion-mnist',
    });
    const prev = process.env.FLINT_DATA;
    delete process.env.FLINT_DATA;
    try {
      const t0 = performance.now();
      const { images, labels } = await fashionMnist({ split: 'test' });
      const ms = performance.now() - t0;
      expect(images.shape).toEqual([10000, 1, 28, 28]);
      expect(labels.shape).toEqual([10000]);
      const [lo, hi, counts] = fl.tidy(() => [
        images.amin().item(),
        images.amax().item(),
        fl.oneHot(labels, 10).sum(0).toArray(),
      ]);
      expect(lo).toBe(0);
      expect(hi).toBe(1);
      expect(counts).toEqual(new Array(10).fill(1000)); // the test split is balanced
      console.log(`Fashion-MNIST test split loaded in ${ms.toFixed(0)} ms`);
      images.dispose();
      labels.dispose();
    } finally {
      if (prev !== undefined) process.env.FLINT_DATA = prev;
    }
  });
});
