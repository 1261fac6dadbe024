/**
 * The page side of leak.test.ts, bundled for Chromium: trains a small MLP on `'gpujs'` (WebGL2)
 * for many steps and samples, every `every` steps, the GL-level counters that the test's init
 * script keeps (textures and framebuffers created minus deleted, texture bytes) beside Flint's
 * own `stats()` and `fl.memory()`. Also checks gpu.js #590: a kept result must not be
 * overwritten by later calls of the same kernel.
 */
import * as fl from '@flint/core';
import { gpujsBackend } from '../src/index.js';

/** What the init script in leak.test.ts counts at the WebGL level. */
interface GlCounts {
  textures: number;
  framebuffers: number;
  textureBytes: number;
}

export interface Sample {
  step: number;
  gl: GlCounts;
  flint: { buffers: number; bytes: number; textures: number; compiles: number };
  tensors: number;
  loss: number;
}

export interface LeakRun {
  samples: Sample[];
  ms: number;
  mode: string;
  /** Max |difference| between kept results and their values right after they were made. */
  keptDrift: { add: number; matmul: number };
}

const glCounts = (): GlCounts => ({
  ...(globalThis as unknown as { __glCounts: GlCounts }).__glCounts,
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Results of `op` kept while the same kernel runs again on other inputs: with gpu.js's default
 * mutable pipeline kernels the later calls would overwrite the kept texture.
 */
function keptDrift(op: (a: fl.Tensor, b: fl.Tensor) => fl.Tensor, shape: number[]): number {
  return fl.tidy(() => {
    const kept = op(fl.randn(shape), fl.randn(shape));
    const first = Float32Array.from(kept.dataSync());
    for (let i = 0; i < 5; i++) op(fl.randn(shape), fl.randn(shape)).dataSync();
    return maxDiff(kept.dataSync(), first);
  });
}

function train(steps: number, every: number, sizes: number[], batch: number): Sample[] {
  const layers: fl.nn.Module[] = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(new fl.nn.Linear(sizes[i - 1]!, sizes[i]!));
    if (i + 1 < sizes.length) layers.push(new fl.nn.ReLU());
  }
  const net = new fl.nn.Sequential(...layers);
  const opt = new fl.optim.Adam(net.parameters(), { lr: 1e-2 });
  const x = fl.keep(fl.randn([batch, sizes[0]!]));
  // a learnable target: the class of the largest of the first few features
  const y = fl.keep(x.narrow(1, 0, sizes[sizes.length - 1]!).argmax(1));
  const samples: Sample[] = [];
  const b = fl.getBackend('gpujs') as ReturnType<typeof gpujsBackend>;
  for (let s = 1; s <= steps; s++) {
    const sample = s % every === 0 || s === 1;
    // the loss is read only where sampled: a read per step would double the run time here
    const loss = fl.tidy(() => {
      opt.zeroGrad();
      const l = fl.nn.F.crossEntropy(net.forward(x), y);
      l.backward();
      opt.step();
      return sample ? l.item() : NaN;
    });
    if (sample)
      samples.push({
        step: s,
        gl: glCounts(),
        flint: b.stats(),
        tensors: fl.memory().tensors,
        loss,
      });
  }
  opt.dispose();
  for (const p of net.parameters()) p.dispose();
  x.dispose();
  y.dispose();
  return samples;
}

export async function run(o: {
  steps: number;
  every: number;
  sizes: number[];
  batch: number;
}): Promise<LeakRun> {
  const backend = gpujsBackend({ mode: 'webgl2' });
  fl.use(backend);
  fl.manualSeed(0);
  const t0 = performance.now();
  const samples = train(o.steps, o.every, o.sizes, o.batch);
  const ms = performance.now() - t0;
  const drift = {
    add: keptDrift((a, b) => a.add(b), [64, 64]),
    matmul: keptDrift((a, b) => a.matmul(b), [32, 32]),
  };
  return { samples, ms, mode: backend.mode, keptDrift: drift };
}

/**
 * The tiled WebGL matmul (kernels/matmul.ts) against a float64 reference at shapes the
 * conformance cases are too small to reach: odd m and n (2×2 block padding), k not a multiple
 * of 4 (vec4 padding), batches, m = 1, k = 1, a transposed operand. Returns, per case, the
 * largest error as a fraction of its bound 1e-5·Σ|a·b| + 1e-6 (≤ 1 passes).
 */
export function matmulCheck(): Record<string, number> {
  const cases: Record<string, [number[], number[], boolean]> = {
    'mlp 64x784 . 784x128': [[64, 784], [784, 128], false],
    'batched odd 3x33x37 . 3x37x35': [[3, 33, 37], [3, 37, 35], false],
    'transposed a (130x67)^T . 130x45': [[130, 67], [130, 45], true],
    'k=1 40x1 . 1x900': [[40, 1], [1, 900], false],
    'm=1 1x300 . 300x201': [[1, 300], [300, 201], false],
    // past one texture row per packed row (k/4 or the packed rows over 8192): the line layout
    'k=40000 3x40000 . 40000x5': [[3, 40000], [40000, 5], false],
    'batched 5000x2x9 . 5000x9x3': [[5000, 2, 9], [5000, 9, 3], false],
  };
  if (!fl.listDevices().includes('gpujs')) fl.use(gpujsBackend({ mode: 'webgl2' }));
  fl.manualSeed(1);
  const out: Record<string, number> = {};
  for (const [name, [sa, sb, transA]] of Object.entries(cases))
    out[name] = fl.tidy(() => {
      const a0 = fl.randn(sa);
      const a = transA ? a0.transpose(0, 1) : a0;
      const b = fl.randn(sb);
      const got = a.matmul(b).dataSync();
      return worstRatio(a.contiguous().dataSync(), b.dataSync(), got, a.shape, b.shape);
    });
  return out;
}

function worstRatio(
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  C: ArrayLike<number>,
  sa: readonly number[],
  sb: readonly number[],
): number {
  const [m, k] = sa.slice(-2) as [number, number];
  const n = sb[sb.length - 1]!;
  const batch = A.length / (m * k);
  let worst = 0;
  for (let q = 0; q < batch; q++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let ref = 0;
        let mag = 0;
        for (let t = 0; t < k; t++) {
          const p = A[q * m * k + i * k + t]! * B[q * k * n + t * n + j]!;
          ref += p;
          mag += Math.abs(p);
        }
        const err = Math.abs(C[q * m * n + i * n + j]! - ref);
        worst = Math.max(worst, err / (1e-5 * mag + 1e-6));
      }
  return worst;
}

Object.assign(globalThis, { __leak: run, __matmul: matmulCheck });
