/**
 * The gpujs backend's special-value formulas from JavaScript (issue 9, browser correctness):
 * sin/cos over the whole float32 range (Payne–Hanek reduction beyond |x| = 32768), −0 results
 * made without `x·0` (which shader compilers fold to +0), and the declared subnormal capability.
 * Run on the 'gpujs' device only, through its device kernels (hostThreshold 0; WebAssembly in
 * Node — the browser suites cover WebGL2 and WebGPU).
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];

const probe = (p: Omit<Probe, 'devices'>): Probe => ({ ...p, devices: ['gpujs'] as const });

/** A gpujs device that runs every float32 primitive as a kernel (registered once per child). */
async function kernels(fl: Fl): Promise<string> {
  const name = 'gpujs-kernels';
  try {
    const { gpujsBackend } = await import('@flint/backend-gpujs');
    fl.register(gpujsBackend({ name, hostThreshold: 0 }));
  } catch {
    // already registered by an earlier probe of this process
  }
  return name;
}

const HUGE = [1e30, 3e38, -3e38, 3.4028234663852886e38, 32769, -1e5, 123456.7, 2 ** 24 + 2, 1e10];

export const probes: Probe[] = [
  probe({
    id: 'sin-cos/huge-arguments-accurate',
    expect: 'ok',
    run: async ({ fl }) => {
      const device = await kernels(fl);
      const xs = HUGE.map(Math.fround);
      const x = fl.tensor(xs, { device });
      const s = Array.from(x.sin().dataSync() as ArrayLike<number>);
      const c = Array.from(x.cos().dataSync() as ArrayLike<number>);
      xs.forEach((v, i) => {
        // the float64 value at the float32 input is the reference (V8's sin reduces exactly)
        assert.ok(
          Math.abs(s[i]! - Math.sin(v)) <= 1e-6 + 1e-5 * Math.abs(Math.sin(v)),
          `sin(${v}) = ${s[i]}`,
        );
        assert.ok(
          Math.abs(c[i]! - Math.cos(v)) <= 1e-6 + 1e-5 * Math.abs(Math.cos(v)),
          `cos(${v}) = ${c[i]}`,
        );
      });
    },
  }),
  probe({
    id: 'sin-cos/special-values',
    expect: 'ok',
    run: async ({ fl }) => {
      const device = await kernels(fl);
      const x = fl.tensor([NaN, Infinity, -Infinity, -0, 0], { device });
      const s = Array.from(x.sin().dataSync() as ArrayLike<number>);
      const c = Array.from(x.cos().dataSync() as ArrayLike<number>);
      assert.deepEqual(s.slice(0, 3).map(Number.isNaN), [true, true, true]);
      assert.ok(Object.is(s[3], -0) && Object.is(s[4], 0), `sin(±0) = ${s[3]}, ${s[4]}`);
      assert.deepEqual(c.slice(3), [1, 1]);
    },
  }),
  probe({
    id: 'round-remainder/negative-zero',
    expect: 'ok',
    run: async ({ fl }) => {
      const device = await kernels(fl);
      const r = Array.from(
        fl.tensor([-0, -0.4, 0.4, -2.5], { device }).round().dataSync() as ArrayLike<number>,
      );
      assert.ok(
        Object.is(r[0], -0) && Object.is(r[1], -0) && Object.is(r[2], 0),
        `round: ${r.join(', ')}`,
      );
      assert.equal(r[3], -2);
      const a = fl.tensor([-4, 4, -0], { device });
      const m = Array.from(
        a.remainder(fl.tensor([2, 2, 3], { device })).dataSync() as ArrayLike<number>,
      );
      assert.ok(
        Object.is(m[0], -0) && Object.is(m[1], 0) && Object.is(m[2], -0),
        `remainder: ${m.join(', ')}`,
      );
    },
  }),
  probe({
    id: 'caps/flushes-subnormals-declared-per-mode',
    expect: 'ok',
    run: async ({ fl }) => {
      const device = await kernels(fl);
      const b = fl.getBackend(device) as unknown as {
        mode: string;
        caps: { flushesSubnormals?: boolean };
      };
      // WebAssembly and the cpu mode keep subnormals; shader modes may flush them
      assert.equal(
        b.caps.flushesSubnormals,
        ['webgl2', 'webgl', 'headlessgl', 'webgpu'].includes(b.mode),
      );
      const y = fl.tensor([-100], { device }).exp().dataSync() as ArrayLike<number>;
      if (!b.caps.flushesSubnormals) assert.ok(y[0]! > 0, `exp(-100) = ${y[0]}`);
    },
  }),
];
