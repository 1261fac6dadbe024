/**
 * The gpujs backend's fused kernels from JavaScript (issue 9, speed): the maxPool2d override
 * (NaN, −∞, padding, ceil mode; its int32 indices kept on the device as exact floats), strided
 * and broadcast operands read in place now that the backend takes strided views, and conv2d on
 * views — each compared with the reference CPU backend, plus bad arguments as typed errors.
 * Run on the 'gpujs' device only (WebAssembly in Node; the browser suites cover WebGL2).
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type T = InstanceType<Fl['Tensor']>;

const probe = (p: Omit<Probe, 'devices'>): Probe => ({ ...p, devices: ['gpujs'] as const });

/** A CPU reference device next to 'gpujs' (registered once per child process). */
async function cpuRef(fl: Fl): Promise<string> {
  const name = 'cpu-ref';
  try {
    fl.register((await import('@flint/backend-cpu')).cpuBackend({ name }));
  } catch {
    // already registered by an earlier probe of this process
  }
  return name;
}

/** Equal within float32 tolerance, NaN where the reference has NaN (same signs of infinity). */
function assertClose(got: T, want: T, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = Array.from(got.dataSync() as ArrayLike<number>);
  const w = Array.from(want.dataSync() as ArrayLike<number>);
  g.forEach((v, i) => {
    const e = w[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) assert.ok(Object.is(v, e), `${what}[${i}]`);
    else assert.ok(Math.abs(v - e) <= 1e-5 + 1e-5 * Math.abs(e), `${what}[${i}]: ${v} vs ${e}`);
  });
}

const SPECIAL = [1, NaN, -Infinity, 3, 2, 2, -1, NaN, 5, -Infinity, 0, 4, 7, 7, -2, 0.5];

export const probes: Probe[] = [
  probe({
    id: 'maxPool2d/nan-inf-padding-ceil-vs-cpu',
    expect: 'ok',
    run: async ({ fl }) => {
      const cpu = await cpuRef(fl);
      const opts = { stride: 2, padding: 1, ceilMode: true, returnIndices: true } as const;
      const run = (device: string) => {
        const x = fl.tensor(SPECIAL, { device }).reshape([1, 1, 4, 4]).requiresGrad_(true);
        const [v, i] = fl.nn.F.maxPool2d(x, 3, opts);
        const [gx] = fl.grad(
          v.mul(fl.arange(0, v.size, 1, { device, dtype: 'float32' }).reshape(v.shape)).sum(),
          [x],
        );
        return { v, i, gx: gx! };
      };
      const g = run('gpujs');
      const c = run(cpu);
      assertClose(g.v, c.v, 'values');
      assert.equal(g.i.dtype, 'int32');
      assert.deepEqual(Array.from(g.i.dataSync()), Array.from(c.i.dataSync()));
      assertClose(g.gx, c.gx.to('gpujs'), 'gradient');
    },
  }),
  probe({
    id: 'maxPool2d/indices-are-exact-int32-on-the-device',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.arange(0, 2 * 3 * 6 * 6, 1, { dtype: 'float32' }).reshape([2, 3, 6, 6]);
      const [, i] = fl.nn.F.maxPool2d(x, 2, { returnIndices: true });
      // every window's max is its bottom-right tap: plane index (2r+1)·6 + 2c+1
      const want = Array.from({ length: 2 * 3 * 9 }, (_, k) => {
        const p = k % 9;
        return (2 * Math.floor(p / 3) + 1) * 6 + 2 * (p % 3) + 1;
      });
      assert.deepEqual(Array.from(i.dataSync()), want);
      // int32 arithmetic on them stays exact (host side)
      assert.deepEqual(Array.from(i.add(2 ** 30).dataSync()).slice(0, 2), [
        2 ** 30 + 7,
        2 ** 30 + 9,
      ]);
    },
  }),
  probe({
    id: 'maxPool2d/dilated-window-vs-cpu',
    expect: 'ok',
    run: async ({ fl }) => {
      const cpu = await cpuRef(fl);
      const go = (device: string) => {
        fl.manualSeed(3);
        const x = fl.randn([2, 2, 7, 5], { device });
        return fl.nn.F.maxPool2d(x, [3, 2], { stride: [1, 2], padding: [1, 1], dilation: 2 });
      };
      assertClose(go('gpujs'), go(cpu).to('gpujs'), 'dilated pool');
    },
  }),
  probe({
    id: 'maxPool2d/kernel-larger-than-input',
    expect: { throws: 'ShapeError', match: /maxPool2d/ },
    run: ({ fl }) => fl.nn.F.maxPool2d(fl.zeros([1, 1, 2, 2]), 5),
  }),
  probe({
    id: 'broadcast/strided-and-expanded-operands-vs-cpu',
    expect: 'ok',
    run: async ({ fl }) => {
      const cpu = await cpuRef(fl);
      const go = (device: string) => {
        fl.manualSeed(5);
        const x = fl.randn([3, 4, 5], { device });
        const row = fl.randn([5], { device });
        const col = fl.randn([3, 1, 1], { device });
        // permuted, sliced and expanded operands reach the kernels as views
        const a = x.permute([2, 0, 1]).mul(fl.randn([5, 1, 1], { device }));
        const b = x
          .narrow(1, 1, 2)
          .add(row)
          .sub(col)
          .maximum(x.narrow(1, 0, 2).flip([2]));
        return fl.cat([a.flatten(), b.flatten()]);
      };
      assertClose(go('gpujs'), go(cpu).to('gpujs'), 'strided element-wise');
    },
  }),
  probe({
    id: 'conv2d/strided-views-and-grads-vs-cpu',
    expect: 'ok',
    run: async ({ fl }) => {
      const cpu = await cpuRef(fl);
      const go = (device: string) => {
        fl.manualSeed(7);
        const base = fl.randn([5, 2, 3, 6], { device });
        // a permuted (non-contiguous) input, stride and asymmetric padding
        const x = base.permute([1, 0, 3, 2]).requiresGrad_(true);
        const w = fl.randn([4, 5, 3, 2], { device }).requiresGrad_(true);
        const b = fl.randn([4], { device }).requiresGrad_(true);
        const y = fl.nn.F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 0] });
        return [y, ...fl.grad(y.square().sum(), [x, w, b])] as T[];
      };
      const g = go('gpujs');
      const c = go(cpu);
      g.forEach((t, k) => assertClose(t, c[k]!.to('gpujs'), `conv2d output ${k}`));
    },
  }),
  probe({
    id: 'conv2d/weight-of-rank-3',
    expect: { throws: 'ShapeError', match: /conv2d/ },
    run: ({ fl }) =>
      fl.nn.F.conv2d(fl.zeros([1, 2, 4, 4]), fl.zeros([3, 2, 3]) as unknown as T, null),
  }),
  probe({
    id: 'conv2d/channels-mismatch',
    expect: { throws: 'ShapeError', match: /conv2d.*2.*3|channel/i },
    run: ({ fl }) => fl.nn.F.conv2d(fl.zeros([1, 2, 4, 4]), fl.zeros([4, 3, 3, 3]), null),
  }),
];
