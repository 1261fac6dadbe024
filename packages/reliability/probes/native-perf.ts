/**
 * The native backend's speed paths from JavaScript (issue 14): the per-shape GEMM choice (the
 * built-in AVX-512 kernel or CBLAS for float32, CBLAS for float64), the thread pool's dynamic
 * chunks and its bounded spin. Every product and reduction must give the same answer at 1 and
 * 2 threads (bit for bit: chunks never change the arithmetic), float32 products must agree with
 * float64 ones over the shapes the GEMM rule distinguishes (skinny, transposed, batched, a
 * broadcast batch, empty), and an idle pool must stop using the CPU once its spin is over.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type * as Flint from '@flint/core';
import type { Probe } from '../src/probe.js';

const NATIVE = ['native'] as const;

type Fl = typeof Flint;
type T = Flint.Tensor;

interface NativeModule {
  setNativeThreads(n: number): void;
  nativeInfo(): { threads: number; gemm: string };
}
const native = async (): Promise<NativeModule> =>
  (await import('@flint/backend-native')) as unknown as NativeModule;

/** Runs `fn` with the addon at `threads`, then restores the count (it is process-wide). */
async function atThreads<R>(threads: number, fn: () => R): Promise<R> {
  const m = await native();
  const before = m.nativeInfo().threads;
  m.setNativeThreads(threads);
  try {
    return fn();
  } finally {
    m.setNativeThreads(before);
  }
}

/**
 * Product shapes [batch, m, k, n] and operand layouts: around the single-thread threshold
 * (m·n·k = 2^20), the MLP's skinny layers and its 10-column head, more rows than columns and
 * the reverse, a partial micro-tile on every edge, and empty ones.
 */
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [1, 64, 128, 64],
  [1, 64, 256, 64],
  [1, 64, 784, 128],
  [1, 64, 64, 10],
  [3, 37, 65, 29],
  [1, 300, 17, 5],
  [1, 5, 17, 300],
  [8, 64, 64, 64],
  [1, 0, 8, 8],
  [1, 8, 0, 8],
];

/** a [B,M,K] and b [B,K,N] in the requested layout: plain, transposed storage, or batch-broadcast. */
function operands(
  fl: Fl,
  [batch, m, k, n]: number[],
  layout: string,
  dtype: 'float32' | 'float64',
) {
  fl.manualSeed(batch * 1000 + m * 7 + k * 3 + n);
  const a0 = fl.randn([batch, m, k], { dtype: 'float64' });
  const b0 = fl.randn([batch, k, n], { dtype: 'float64' });
  const cast = (x: T) => (dtype === 'float64' ? x : x.float());
  if (layout === 'transposed') {
    // Same values, stored transposed: the kernels see column-major matrices.
    const at = cast(a0.transpose(1, 2).contiguous()).transpose(1, 2);
    const bt = cast(b0.transpose(1, 2).contiguous()).transpose(1, 2);
    return [at, bt] as const;
  }
  if (layout === 'broadcast') {
    const b1 = cast(b0.narrow(0, 0, 1)).expand([batch, k, n]);
    return [cast(a0), b1] as const;
  }
  return [cast(a0), cast(b0)] as const;
}

function matmulProbes(): Probe[] {
  const out: Probe[] = [];
  for (const layout of ['plain', 'transposed', 'broadcast'])
    out.push({
      id: `gemm/float32-agrees-with-float64/${layout}`,
      devices: NATIVE,
      expect: 'ok',
      timeoutMs: 30_000,
      run: async ({ fl }) => {
        for (const s of SHAPES)
          for (const threads of [1, 2])
            await atThreads(threads, () => {
              const [a, b] = operands(fl, s, layout, 'float32');
              const [a64, b64] = operands(fl, s, layout, 'float64');
              const got = a.matmul(b).dataSync();
              const want = a64.matmul(b64).dataSync();
              assert.equal(got.length, s[0] * s[1] * s[3], `size of ${s.join('×')}`);
              // float32 rounding of K products of N(0,1) values: ~1e-7·sqrt(K) relative.
              const tol = 1e-5 * Math.sqrt(Math.max(1, s[2])) * 4;
              for (let i = 0; i < got.length; i++)
                assert.ok(
                  Math.abs(got[i]! - want[i]!) <= tol,
                  `${layout} ${s.join('×')} at ${threads} threads, [${i}]: ${got[i]} vs ${want[i]}`,
                );
            });
      },
    });
  out.push({
    id: 'gemm/same-bits-at-1-and-2-threads',
    devices: NATIVE,
    expect: 'ok',
    timeoutMs: 30_000,
    run: async ({ fl }) => {
      for (const s of [...SHAPES, [1, 256, 256, 256] as [number, number, number, number]])
        for (const dtype of ['float32', 'float64'] as const) {
          const [a, b] = operands(fl, s, 'plain', dtype);
          const one = await atThreads(1, () => Array.from(a.matmul(b).dataSync()));
          const two = await atThreads(2, () => Array.from(a.matmul(b).dataSync()));
          assert.deepEqual(two, one, `${dtype} ${s.join('×')}`);
        }
    },
  });
  out.push({
    id: 'gemm/int32-wraps-exactly-at-2-threads',
    devices: NATIVE,
    expect: 'ok',
    run: async ({ fl }) => {
      // 2^16 · 2^16 · 3 = 3·2^32 + 0: wraps to 0; plus 7·1 → 7, as torch gives.
      const a = fl.full([64, 3], 2 ** 16, { dtype: 'int32' });
      const b = fl.full([3, 70], 2 ** 16, { dtype: 'int32' });
      const got = await atThreads(2, () => a.matmul(b).add(7).dataSync());
      assert.ok(
        Array.from(got).every((v) => v === 7),
        `expected 7 everywhere, got ${got[0]}`,
      );
    },
  });
  return out;
}

function reductionProbes(): Probe[] {
  return [
    {
      id: 'threads/reductions-and-softmax-same-bits-at-1-and-2-threads',
      devices: NATIVE,
      expect: 'ok',
      timeoutMs: 30_000,
      run: async ({ fl }) => {
        fl.manualSeed(3);
        const x = fl.randn([1024, 1024]);
        const ops: [string, (t: T) => T][] = [
          ['sum rows', (t) => t.sum(1)],
          ['sum cols', (t) => t.sum(0)],
          ['sum all', (t) => t.sum()],
          ['softmax rows', (t) => t.softmax(1)],
          [
            'relu(x·w+b)',
            (t) =>
              t
                .mul(t.narrow(0, 0, 1))
                .add(1)
                .relu(),
          ],
        ];
        for (const [name, f] of ops) {
          const one = await atThreads(1, () => Array.from(f(x).dataSync()));
          const two = await atThreads(2, () => Array.from(f(x).dataSync()));
          assert.deepEqual(two, one, name);
        }
      },
    },
  ];
}

/** Distance in float32 ulps between a float32 result and a float64 reference (both finite). */
function ulps(got: number, want: number): number {
  const w = Math.fround(want);
  if (got === w) return 0;
  const buf = new Float32Array([w]);
  const bits = new Int32Array(buf.buffer);
  bits[0]! += got > w ? 1 : -1;
  return Math.abs(got - w) / Math.abs(buf[0]! - w);
}

/**
 * The vector exp (exp, sigmoid, softmax, LSTM gates) has a short path for vectors whose lanes
 * all lie in ±86 and the general one (clamps, subnormal results, NaN, ±inf): a value must come
 * out bit for bit the same whichever path its vector took, i.e. whatever its neighbours are.
 */
function expProbes(): Probe[] {
  const specials = [NaN, Infinity, -Infinity, 88.5, 89, 100, -87.5, -100, -103.9, -104.5, 1e30];
  return [
    {
      id: 'exp/same-bits-beside-special-values',
      devices: NATIVE,
      expect: 'ok',
      run: ({ fl }) => {
        // −90…90 in steps of 0.37: every value once in a vector of ordinary neighbours, once
        // beside a special value that sends its vector down the general path.
        const vals = Array.from({ length: 487 }, (_, i) => -90 + i * 0.37);
        const plain = fl.tensor(vals).exp().dataSync();
        for (const s of specials) {
          const mixed = vals.flatMap((v) => [v, s]);
          const got = fl.tensor(mixed).exp().dataSync();
          for (let i = 0; i < vals.length; i++)
            assert.ok(
              Object.is(got[2 * i], plain[i]),
              `exp(${vals[i]}) beside ${s}: ${got[2 * i]} vs ${plain[i]} alone`,
            );
        }
      },
    },
    {
      id: 'exp/float32-within-1-ulp-and-special-values',
      devices: NATIVE,
      expect: 'ok',
      run: ({ fl }) => {
        const vals = Array.from({ length: 2001 }, (_, i) => -103 + i * 0.0955);
        const got = fl.tensor(vals).exp().dataSync();
        for (let i = 0; i < vals.length; i++) {
          const want = Math.exp(Math.fround(vals[i]!));
          if (Math.fround(want) === Infinity) assert.equal(got[i], Infinity, `exp(${vals[i]})`);
          else if (want >= 2 ** -126)
            assert.ok(ulps(got[i]!, want) <= 1, `exp(${vals[i]}) = ${got[i]}, want ${want}`);
          else assert.ok(Math.abs(got[i]! - want) <= 2 ** -149, `subnormal exp(${vals[i]})`);
        }
        const sp = fl.tensor(specials).exp().dataSync();
        const want = specials.map((v) => Math.fround(Math.exp(Math.fround(v))));
        for (let i = 0; i < specials.length; i++)
          if (Number.isNaN(want[i])) assert.ok(Number.isNaN(sp[i]), `exp(${specials[i]})`);
          else
            assert.ok(
              // One ulp, or one subnormal step (a subnormal result is rounded once, from
              // a polynomial that is itself within an ulp).
              sp[i] === want[i] ||
                Math.abs(sp[i]! - want[i]!) <= Math.max(Math.abs(want[i]!) * 2 ** -23, 2 ** -149),
              `exp(${specials[i]}) = ${sp[i]}, want ${want[i]}`,
            );
      },
    },
    {
      id: 'exp/sigmoid-and-softmax-finite-and-exact-at-the-edges',
      devices: NATIVE,
      expect: 'ok',
      run: ({ fl }) => {
        // Softmax rows whose spread crosses the short path's ±86 limit, and sigmoid around it.
        const rows = fl.tensor([
          [0, -85, -86.5, -200],
          [1000, 999, 0, -Infinity],
          [-Infinity, -Infinity, -Infinity, -Infinity],
        ]);
        const sm = rows.softmax(1).dataSync();
        const ref = (r: number[]) => {
          const m = Math.max(...r);
          const e = r.map((v) => Math.exp(v - m));
          const t = e.reduce((a, b) => a + b, 0);
          return e.map((v) => v / t);
        };
        const want = [ref([0, -85, -86.5, -200]), ref([1000, 999, 0, -Infinity])].flat();
        for (let i = 0; i < 8; i++)
          assert.ok(Math.abs(sm[i]! - want[i]!) <= 4e-7, `softmax[${i}]: ${sm[i]} vs ${want[i]}`);
        for (let i = 8; i < 12; i++) assert.ok(Number.isNaN(sm[i]), `all −inf row gives NaN`);
        const sg = fl.tensor([-90, -86, -85.9, 0, 85.9, 86, 90]).sigmoid().dataSync();
        const sref = [-90, -86, -85.9, 0, 85.9, 86, 90].map(
          // Of the float32 input: −85.9 is not exactly representable.
          (v) => 1 / (1 + Math.exp(-Math.fround(v))),
        );
        for (let i = 0; i < sref.length; i++)
          assert.ok(ulps(sg[i]!, sref[i]!) <= 2, `sigmoid: ${sg[i]} vs ${sref[i]}`);
      },
    },
  ];
}

/**
 * The buffer pool hands back the most recently freed block of a size first: whatever order
 * blocks are freed and reused in, a live tensor must never share a block with another one.
 */
function poolReuseProbes(): Probe[] {
  return [
    {
      id: 'pool/reused-blocks-never-alias-live-tensors',
      devices: NATIVE,
      expect: 'ok',
      run: ({ fl }) => {
        const n = 4096;
        const live: { t: T; v: number }[] = [];
        let seed = 7;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        for (let step = 0; step < 400; step++) {
          if (live.length > 0 && rand() < 0.45) {
            const [gone] = live.splice(Math.floor(rand() * live.length), 1);
            gone!.t.dispose();
          } else {
            const v = step + 0.5;
            // Two sizes share the pool; a chain leaves intermediates to be reused at once.
            const size = rand() < 0.5 ? n : n + 16;
            const t = fl.tidy(() =>
              fl
                .full([size], v - 1)
                .add(1)
                .relu(),
            );
            live.push({ t, v });
          }
        }
        for (const { t, v } of live) {
          const d = t.dataSync();
          assert.ok(
            d.every((x) => x === v),
            `a tensor filled with ${v} now holds ${d.find((x) => x !== v)}`,
          );
          t.dispose();
        }
      },
    },
  ];
}

function reductionThresholdProbes(): Probe[] {
  return [
    {
      id: 'threads/sum-rows-either-side-of-the-parallel-threshold',
      devices: NATIVE,
      expect: 'ok',
      timeoutMs: 30_000,
      run: async ({ fl }) => {
        // 8 MiB read is where a reduction starts using the pool: float32 2048×1024 and float64
        // 1024×1024 sit on it, 1024×1024 float32 below; every one must match a float64 sum.
        for (const [rows, dtype] of [
          [1024, 'float32'],
          [2048, 'float32'],
          [1024, 'float64'],
          [1023, 'float64'],
        ] as const) {
          fl.manualSeed(rows);
          const x = fl.randn([rows, 1024], { dtype });
          const xs = x.dataSync();
          const want = Array.from({ length: rows }, (_, r) => {
            let s = 0;
            for (let j = 0; j < 1024; j++) s += xs[r * 1024 + j]!;
            return s;
          });
          for (const threads of [1, 2]) {
            const got = await atThreads(threads, () => x.sum(1).dataSync());
            for (let r = 0; r < rows; r++)
              assert.ok(
                Math.abs(got[r]! - want[r]!) <= (dtype === 'float32' ? 4e-6 : 1e-12) * 32,
                `${dtype} ${rows}×1024 at ${threads} threads, row ${r}: ${got[r]} vs ${want[r]}`,
              );
          }
        }
      },
    },
  ];
}

/** Runs an ES module body in a fresh node process; returns what it printed, parsed as JSON. */
function runFresh(body: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `the process failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function poolProbes(): Probe[] {
  return [
    {
      id: 'threads/idle-pool-stops-spinning',
      devices: NATIVE,
      expect: 'ok',
      timeoutMs: 30_000,
      run: () => {
        // A fresh process at 2 threads: after the last kernel the workers poll for at most
        // ~100 µs, then sleep; so 300 ms of idling costs (nearly) no CPU time.
        const got = runFresh(`
          const core = await import(${JSON.stringify(import.meta.resolve('@flint/core'))});
          const { nativeBackend, nativeInfo } = await import(${JSON.stringify(import.meta.resolve('@flint/backend-native'))});
          const device = core.register(nativeBackend({ threads: 2 }));
          const m = core.randn([512, 512], { device });
          for (let i = 0; i < 20; i++) m.matmul(m).exp().sum(1).dispose();
          await new Promise((r) => setTimeout(r, 50));
          const c0 = process.cpuUsage();
          await new Promise((r) => setTimeout(r, 300));
          const c1 = process.cpuUsage(c0);
          console.log(JSON.stringify({ cpuMs: (c1.user + c1.system) / 1000, workers: nativeInfo().workers }));`) as {
          cpuMs: number;
          workers: number;
        };
        assert.equal(got.workers, 1, 'one pool thread started');
        assert.ok(got.cpuMs < 60, `idle for 300 ms, the process used ${got.cpuMs} ms of CPU`);
      },
    },
    ...[0, -1, 1.5, NaN, 2 ** 40].map((n): Probe => ({
      id: `threads/setNativeThreads-${String(n)}-is-refused`,
      devices: NATIVE,
      expect: {
        throws: 'BackendError',
        match: /setNativeThreads: expected a positive integer|thread count must be 1\.\.1024/,
      },
      run: async () => (await native()).setNativeThreads(n),
    })),
  ];
}

export const probes: Probe[] = [
  ...matmulProbes(),
  ...reductionProbes(),
  ...poolProbes(),
  ...expProbes(),
  ...poolReuseProbes(),
  ...reductionThresholdProbes(),
];
