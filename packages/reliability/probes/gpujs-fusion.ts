/**
 * The gpujs backend's lazy element-wise fusion (issue 9, speed; backend-gpujs/src/fuse.ts): the
 * `fuse` option refused when malformed; fused chains equal to the unfused kernels, special values
 * included; inputs freed or written in place while an expression still reads them; chains and
 * operand counts beyond one kernel's limits; a lost context with work pending; no texture or
 * compile left behind by a loop of chains. Fusion applies above `sharedKernelMax` (65536
 * elements by default), so these tensors are larger. Also the reductions that read a strided
 * view in place (column sums, transposed and broadcast inputs: kernels/reduce.ts). 'gpujs' only.
 */
import assert from 'node:assert/strict';
import type { GpujsBackend } from '@flint/backend-gpujs';
import type * as Flint from '@flint/core';
import type { Probe, ProbeContext } from '../src/probe.js';

const gpujs = async () => (await import('@flint/backend-gpujs')).gpujsBackend;

const backendOf = (ctx: ProbeContext): GpujsBackend =>
  ctx.fl.tensor([0]).storage.backend as unknown as GpujsBackend;

const probe = (p: Omit<Probe, 'devices'>): Probe => ({ ...p, devices: ['gpujs'] as const });

/** Above the default sharedKernelMax (65536), where element-wise chains fuse. */
const N = 70_000;

/** x with special values in its first elements, then a ramp; w and b repeated rows of 100. */
function operands(fl: typeof Flint, device?: string) {
  const x = new Float32Array(N).map((_, i) => ((i % 97) - 48) / 7);
  x.set([NaN, Infinity, -Infinity, -0, 0, 3.5e38]);
  const row = (k: number) => new Float32Array(100).map((_, i) => (i - 50) / k);
  return {
    x: fl.tensor(x, { device }).reshape([N / 100, 100]),
    w: fl.tensor(row(13), { device }),
    b: fl.tensor(row(-29), { device }),
  };
}

const chain = (fl: typeof Flint, t: ReturnType<typeof operands>) =>
  t.x
    .mul(t.w)
    .add(t.b)
    .relu()
    .sub(t.x.abs().neg().exp())
    .maximum(fl.where(t.x.le(t.b), t.w, t.b));

function sameValues(a: number[], b: number[]): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => {
    const r = b[i]!;
    if (Number.isNaN(r)) assert.ok(Number.isNaN(v), `element ${i}: ${v} vs NaN`);
    else assert.ok(v === r || Math.abs(v - r) <= 1e-6 * Math.abs(r), `element ${i}: ${v} vs ${r}`);
  });
}

export const probes: Probe[] = [
  probe({
    id: 'options/fuse-not-a-boolean',
    expect: { throws: 'BackendError', match: /fuse must be a boolean, got 'yes'$/ },
    run: async () => (await gpujs())({ fuse: 'yes' as never }),
  }),
  probe({
    id: 'fusion/chain-equals-unfused-kernels',
    expect: 'ok',
    timeoutMs: 60_000,
    run: async (ctx) => {
      const { fl } = ctx;
      const plain = (await gpujs())({ name: 'gpujs-plain', fuse: false });
      fl.register(plain);
      const fused = fl.tidy(() => chain(fl, operands(fl)).flatten().toArray() as number[]);
      const ref = fl.tidy(
        () => chain(fl, operands(fl, 'gpujs-plain')).flatten().toArray() as number[],
      );
      sameValues(fused, ref);
      // relu(NaN·w+b) is NaN; −∞ ≤ b picks w; the ramp matches the float32 formulas
      assert.ok(Number.isNaN(fused[0]!));
    },
  }),
  probe({
    id: 'fusion/input-freed-before-the-read',
    expect: 'ok',
    timeoutMs: 30_000,
    run: (ctx) => {
      const { fl } = ctx;
      const t0 = backendOf(ctx).stats().textures;
      const x = fl.arange(N);
      const y = fl.tidy(() => x.mul(2).add(1));
      x.dispose();
      const v = y.toArray() as number[];
      assert.deepEqual([v[0], v[1], v[N - 1]], [1, 3, 2 * (N - 1) + 1]);
      y.dispose();
      assert.equal(backendOf(ctx).stats().textures, t0);
    },
  }),
  probe({
    id: 'fusion/input-written-in-place-before-the-read',
    expect: 'ok',
    timeoutMs: 30_000,
    run: ({ fl }) => {
      const x = fl.ones([N]);
      const y = x.mul(3);
      x.add_(1);
      x.mul_(10);
      assert.deepEqual((y.toArray() as number[]).slice(0, 2), [3, 3]);
      assert.deepEqual((x.toArray() as number[]).slice(0, 2), [20, 20]);
    },
  }),
  probe({
    id: 'fusion/pending-result-partly-overwritten',
    expect: 'ok',
    timeoutMs: 30_000,
    run: ({ fl }) => {
      const y = fl.ones([N]).mul(4);
      y.narrow(0, 1, 2).fill_(-1);
      const v = y.toArray() as number[];
      assert.deepEqual([v[0], v[1], v[2], v[3], v[N - 1]], [4, -1, -1, 4, 4]);
    },
  }),
  probe({
    id: 'fusion/disposed-pending-result',
    expect: { throws: 'DisposedTensorError' },
    run: ({ fl }) => {
      const y = fl.ones([N]).exp();
      y.dispose();
      return y.add(1);
    },
  }),
  probe({
    id: 'fusion/chain-longer-than-one-kernel',
    expect: 'ok',
    timeoutMs: 60_000,
    run: ({ fl }) => {
      const v = fl.tidy(() => {
        let y = fl.zeros([N]);
        for (let i = 0; i < 50; i++) y = y.add(1).mul(1);
        return y.toArray() as number[];
      });
      assert.deepEqual([v[0], v[N - 1]], [50, 50]);
    },
  }),
  probe({
    id: 'fusion/more-operands-than-one-kernel-reads',
    expect: 'ok',
    timeoutMs: 60_000,
    run: ({ fl }) => {
      const v = fl.tidy(() => {
        const xs = Array.from({ length: 12 }, (_, i) => fl.full([N], i));
        return xs.reduce((a, x) => a.add(x)).toArray() as number[];
      });
      assert.deepEqual([v[0], v[N - 1]], [66, 66]);
    },
  }),
  probe({
    id: 'fusion/context-lost-with-work-pending',
    expect: { throws: 'BackendError', match: /context was lost/ },
    run: async ({ fl }) => {
      const b = (await gpujs())({ name: 'gpujs-lost' });
      fl.register(b);
      const y = fl.ones([N], { device: 'gpujs-lost' }).mul(2);
      b.loseContext();
      return y.toArray();
    },
  }),
  probe({
    id: 'fusion/loop-of-chains-leaves-nothing-and-compiles-once',
    expect: 'ok',
    timeoutMs: 120_000,
    run: (ctx) => {
      const { fl } = ctx;
      const b = backendOf(ctx);
      const t = operands(fl);
      fl.tidy(() => chain(fl, t).sum().item());
      const [tex, compiles] = [b.stats().textures, b.stats().compiles];
      for (let i = 0; i < 20; i++) fl.tidy(() => chain(fl, t).sum().item());
      assert.equal(b.stats().textures, tex);
      assert.equal(b.stats().compiles, compiles);
    },
  }),
  probe({
    id: 'reduce/strided-views-read-in-place',
    expect: 'ok',
    timeoutMs: 60_000,
    run: ({ fl }) => {
      const [R, C] = [300, 250];
      const data = Float32Array.from({ length: R * C }, (_, i) => ((i * 7) % 13) - 6);
      const x = fl.tensor(data).reshape([R, C]);
      const col = (c: number) => {
        let s = 0;
        for (let r = 0; r < R; r++) s += data[r * C + c]!;
        return s;
      };
      const row = (r: number) => data.slice(r * C, (r + 1) * C).reduce((a, b) => a + b, 0);
      const sums = x.sum(0).toArray() as number[];
      assert.deepEqual([sums[0], sums[C - 1]], [col(0), col(C - 1)]);
      const tr = x.transpose(0, 1).sum(0).toArray() as number[];
      assert.deepEqual([tr[0], tr[R - 1]], [row(0), row(R - 1)]);
      const mx = x.transpose(0, 1).max(1).values.toArray() as number[];
      assert.equal(mx[7], Math.max(...Array.from({ length: R }, (_, r) => data[r * C + 7]!)));
      // a broadcast (stride 0) run: n copies of one value
      assert.equal(fl.full([1], 2.5).expand([4000]).sum().item(), 10_000);
      const nar = x.narrow(1, 3, 100).sum(1).toArray() as number[];
      assert.equal(
        nar[5],
        data.slice(5 * C + 3, 5 * C + 103).reduce((a, b) => a + b, 0),
      );
    },
  }),
];
