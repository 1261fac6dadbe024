/**
 * Device-side asserts of the 'cuda' device (issue 10, native/cuda/device_error.h): a kernel that
 * finds an index or a target out of range cannot throw, so it writes a safe value and records
 * the error; the next read or sync raises it as a ShapeError, once, and the context keeps working.
 * The calls go to the backend's kernel table directly, past core's own checks, as a caller that
 * bypasses the public API would.
 *
 * They need a 'cuda' device: a GPU, or the emulation build loaded through FLINT_NATIVE_ADDON
 * (`FLINT_NATIVE_ADDON=../backend-native/build-cudaemu/Release/flint_native.node node
 * dist/src/cli.js cuda-errflag`). With the default addon and no GPU there is none, and each probe
 * returns at once (scripts/test-cudaemu.mjs covers the same ground in every emulated run).
 */
import assert from 'node:assert/strict';
import type { Probe } from '../src/probe.js';

const NATIVE = ['native'] as const;

type Buf = unknown;
interface View {
  buf: Buf;
  dtype: string;
  shape: number[];
  strides: number[];
  offset: number;
}
interface CudaLike {
  alloc(dtype: string, n: number): Buf;
  free(b: Buf): void;
  write(b: Buf, data: ArrayLike<number>): void;
  read(b: Buf, dtype: string, n: number): Promise<ArrayLike<number>>;
  readSync(b: Buf, dtype: string, n: number): ArrayLike<number>;
  sync(): Promise<void>;
  stats(): { buffers: number; bytes: number };
  dispose(): void;
  kernels: { gather(x: View, index: View, axis: number): Buf };
  overrides?: { crossEntropy?(x: View, t: View, ignore: number): Buf };
}
interface CudaApi {
  cudaAvailable(): { ok: boolean; reason?: string };
  cudaBackend(o?: unknown): CudaLike;
}

/** A fresh 'cuda' backend (GPU or emulated), or null where there is none. */
async function cuda(): Promise<CudaLike | null> {
  const m = (await import('@flint/backend-native')) as unknown as CudaApi;
  const r = m.cudaAvailable();
  if (r.ok) return m.cudaBackend({ name: 'cuda-errflag' });
  if (/emulation build/.test(r.reason ?? ''))
    return m.cudaBackend({ name: 'cuda-errflag', emulate: true });
  return null;
}

/** Runs `fn` on a fresh device with an upload helper; checks that nothing leaked. */
async function onCuda(
  fn: (b: CudaLike, up: (dtype: string, data: number[]) => View) => Promise<void>,
): Promise<void> {
  const b = await cuda();
  if (!b) return;
  const held: Buf[] = [];
  const up = (dtype: string, data: number[]): View => {
    const buf = b.alloc(dtype, data.length);
    held.push(buf);
    b.write(buf, dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data));
    return { buf, dtype, shape: [data.length], strides: [1], offset: 0 };
  };
  try {
    await fn(b, up);
  } finally {
    for (const h of held) b.free(h);
  }
  assert.deepEqual(b.stats(), { buffers: 0, bytes: 0 });
  b.dispose();
}

const isAssert = (re: RegExp) => (e: Error) =>
  e.name === 'ShapeError' && re.test(e.message) && e.message.length < 300;

export const probes: Probe[] = [
  {
    id: 'crossEntropy/bad-target-at-read-once',
    devices: NATIVE,
    expect: 'ok',
    run: () =>
      onCuda(async (b, up) => {
        const x = { ...up('float32', [1, 2, 3, 4, 0, 0, 0, 0]), shape: [2, 4], strides: [4, 1] };
        const t = up('int32', [4, 1]);
        const loss = b.overrides!.crossEntropy!(x, t, -100);
        await assert.rejects(
          b.read(loss, 'float32', 2),
          isAssert(/^crossEntropy: target 4 is out of bounds for 4 classes \(valid 0 to 3, or/),
        );
        const again = Array.from(await b.read(loss, 'float32', 2));
        assert.ok(Number.isNaN(again[0]) && Math.abs(again[1]! - Math.log(4)) < 1e-6);
        b.free(loss);
      }),
  },
  {
    id: 'gather/bad-index-at-readSync-once',
    devices: NATIVE,
    expect: 'ok',
    run: () =>
      onCuda(async (b, up) => {
        const g = b.kernels.gather(up('float32', [10, 20]), up('int32', [1, -5, 0]), 0);
        assert.throws(
          () => b.readSync(g, 'float32', 3),
          isAssert(/^gather: index -5 is out of bounds for dimension 0 with size 2 \(valid: 0/),
        );
        assert.deepEqual(Array.from(b.readSync(g, 'float32', 3)), [20, 0, 10]);
        b.free(g);
      }),
  },
  {
    id: 'gather/huge-index-at-sync',
    devices: NATIVE,
    expect: 'ok',
    run: () =>
      onCuda(async (b, up) => {
        const g = b.kernels.gather(up('float32', [10, 20]), up('int32', [2 ** 31 - 1]), 0);
        await assert.rejects(b.sync(), isAssert(/index 2147483647 is out of bounds.*this sync$/));
        await b.sync();
        assert.deepEqual(Array.from(await b.read(g, 'float32', 1)), [0]);
        b.free(g);
      }),
  },
];
