import { BackendError, PRIM_NAMES } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import { contiguousView } from './helpers.test.util.js';
import { cpuBackend, CPU_CAPS } from './index.js';

describe('cpuBackend', () => {
  it('has exactly one kernel per primitive', () => {
    expect(Object.keys(cpuBackend().kernels).sort()).toEqual([...PRIM_NAMES].sort());
  });

  it('declares its caps and name', () => {
    const cpu = cpuBackend({ name: 'cpu2' });
    expect(cpu.name).toBe('cpu2');
    expect(cpuBackend().name).toBe('cpu');
    expect(cpu.caps).toBe(CPU_CAPS);
    expect([...cpu.caps.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(cpu.caps.maxRank).toBeGreaterThanOrEqual(8);
    expect(cpu.caps.tolerance.int32).toEqual({ rtol: 0, atol: 0 });
  });

  it('counts live buffers and bytes exactly, kernel outputs included', () => {
    const cpu = cpuBackend();
    const a = cpu.alloc('float64', 10);
    const b = cpu.alloc('bool', 3);
    expect(cpu.stats()).toEqual({ buffers: 2, bytes: 83 });
    const x = contiguousView(cpu, 'int32', [2], [1, 2]);
    const y = cpu.kernels.neg(x);
    expect(cpu.stats()).toEqual({ buffers: 4, bytes: 99 });
    for (const buf of [a, b, x.buf, y]) cpu.free(buf);
    expect(cpu.stats()).toEqual({ buffers: 0, bytes: 0 });
  });

  it('round-trips data through write/read/readSync', async () => {
    const cpu = cpuBackend();
    const buf = cpu.alloc('float32', 3);
    cpu.write(buf, new Float32Array([1, 2.5, -3]));
    expect(Array.from(cpu.readSync(buf, 'float32', 3))).toEqual([1, 2.5, -3]);
    const copy = await cpu.read(buf, 'float32', 3);
    copy[0] = 9; // reads are copies: the caller cannot corrupt the buffer
    expect(cpu.readSync(buf, 'float32', 1)[0]).toBe(1);
    const flags = cpu.alloc('bool', 3);
    cpu.write(flags, new Float64Array([2, 0, NaN]));
    expect(Array.from(cpu.readSync(flags, 'bool', 3))).toEqual([1, 0, 1]);
    await cpu.sync();
  });

  it('rejects bad frees, dead inputs and use after dispose with BackendError', async () => {
    const cpu = cpuBackend();
    const buf = cpu.alloc('float32', 2);
    expect(() => cpu.free(new Float32Array(2))).toThrow(BackendError);
    cpu.free(buf);
    expect(() => cpu.free(buf)).toThrow(/not live/);
    const dead = { buf, dtype: 'float32' as const, shape: [2], strides: [1], offset: 0 };
    expect(() => cpu.kernels.exp(dead)).toThrow(BackendError);
    expect(() => cpu.write(buf, new Float32Array(2))).toThrow(BackendError);
    expect(() => cpu.readSync(cpu.alloc('int32', 1), 'float32', 1)).toThrow(BackendError);
    expect(() => cpu.alloc('int32', -1)).toThrow(BackendError);
    cpu.dispose();
    expect(cpu.stats()).toEqual({ buffers: 0, bytes: 0 });
    expect(() => cpu.alloc('float32', 1)).toThrow(/disposed/);
    expect(() => cpu.kernels.fill([1], 'float32', 0)).toThrow(BackendError);
    await expect(cpu.read(buf, 'float32', 2)).rejects.toThrow(BackendError);
    await expect(cpu.sync()).rejects.toThrow(BackendError);
    expect(() => cpu.dispose()).not.toThrow();
  });

  it('rejects dtypes a primitive does not accept', () => {
    const cpu = cpuBackend();
    const b = contiguousView(cpu, 'bool', [2], [1, 0]);
    const i = contiguousView(cpu, 'int32', [2], [1, 0]);
    expect(() => cpu.kernels.exp(i)).toThrow(/exp has no kernel for dtype int32/);
    expect(() => cpu.kernels.add(b, b)).toThrow(BackendError);
    expect(() =>
      cpu.kernels.matmul(
        { ...b, shape: [1, 1, 2], strides: [0, 2, 1] },
        { ...b, shape: [1, 2, 1], strides: [0, 1, 1] },
      ),
    ).toThrow(BackendError);
  });

  it('recycles freed buffers without leaking their old contents into results', () => {
    const cpu = cpuBackend();
    const seed = (dtype: 'float32' | 'float64' | 'int32', n: number) => {
      const b = cpu.alloc(dtype, n);
      b.fill(7);
      cpu.free(b);
    };
    const ones = (dtype: 'float64' | 'int32', shape: number[]) =>
      contiguousView(cpu, dtype, shape, new Array<number>(64 * 64).fill(1));
    const [fa, fb] = [ones('float64', [1, 64, 64]), ones('float64', [1, 64, 64])];
    const [ia, ib] = [ones('int32', [1, 64, 64]), ones('int32', [1, 64, 64])];
    const empty = contiguousView(cpu, 'float32', [1, 64, 0], []);
    // Seed the pool with garbage of exactly the output sizes the kernels will ask for.
    seed('float64', 64 * 64);
    seed('int32', 64 * 64);
    seed('float32', 64 * 64);
    expect(new Set(cpu.kernels.matmul(fa, fb))).toEqual(new Set([64]));
    expect(new Set(cpu.kernels.matmul(ia, ib))).toEqual(new Set([64]));
    const z = cpu.kernels.matmul(empty, { ...empty, shape: [1, 0, 64], strides: [0, 64, 1] });
    expect(new Set(z)).toEqual(new Set([0]));
    expect(cpu.stats().buffers).toBe(8);
  });

  it('with poolBytes 0 never hands back a freed buffer', () => {
    const cpu = cpuBackend({ poolBytes: 0 });
    const a = cpu.alloc('float64', 1 << 14);
    cpu.free(a);
    expect(cpu.alloc('float64', 1 << 14)).not.toBe(a);
    const pooled = cpuBackend();
    const b = pooled.alloc('float64', 1 << 14);
    pooled.free(b);
    expect(pooled.alloc('float64', 1 << 14)).toBe(b);
  });
});
