/**
 * Issue 13's layers beyond the PyTorch fixtures (those are in the conformance suite's
 * nn-resample and layers families): channel dropout's statistics and modes, the module forms'
 * defaults and reprs, InstanceNorm's buffers, and that nothing leaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-layers-resample-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});
const { nn } = fl;

describe('channel dropout', () => {
  it('zeroes whole channels at rate p and scales the rest by 1/(1 − p)', () => {
    fl.manualSeed(1);
    fl.tidy(() => {
      const y = Array.from(nn.F.dropout2d(fl.ones([50, 40, 2, 3]), 0.3).dataSync());
      let zeros = 0;
      for (let c = 0; c < 2000; c++) {
        const plane = y.slice(c * 6, c * 6 + 6);
        expect(new Set(plane).size).toBe(1);
        if (plane[0] === 0) zeros++;
        else expect(plane[0]).toBeCloseTo(1 / 0.7, 6);
      }
      // 2000 Bernoulli(0.3) draws: 600 ± 20.5 (1σ); 5σ bounds.
      expect(zeros).toBeGreaterThan(500);
      expect(zeros).toBeLessThan(700);
    });
  });

  it('dropout1d takes unbatched [C, L]; eval, p = 0 and p = 1 as torch', () => {
    fl.tidy(() => {
      const x = fl.randn([3, 5]);
      const y = nn.F.dropout1d(x, 0.5);
      expect(y.shape).toEqual([3, 5]);
      expect(nn.F.dropout1d(x, 0.5, false)).toBe(x);
      expect(nn.F.dropout2d(fl.ones([1, 2, 2, 2]), 0)).toBeDefined();
      expect(Array.from(nn.F.dropout2d(fl.ones([1, 2, 2, 2]), 1).dataSync())).toEqual(
        new Array(8).fill(0),
      );
      const m = new nn.Dropout2d(0.5);
      const z = fl.ones([2, 2, 2, 2]);
      expect(m.eval().forward(z)).toBe(z);
      expect(String(m)).toBe('Dropout2d(p=0.5, inplace=false)');
    });
  });

  it('gradients flow only to the kept channels, scaled', () => {
    fl.manualSeed(3);
    fl.tidy(() => {
      const x = fl.ones([2, 6, 3], { requiresGrad: true });
      const y = nn.F.dropout1d(x, 0.5);
      y.sum().backward();
      expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(y.dataSync()));
    });
  });
});

describe('module forms', () => {
  it('print like torch', () => {
    const reprs = [
      [
        new nn.MaxPool1d(2),
        'MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)',
      ],
      [new nn.AvgPool1d(3), 'AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))'],
      [new nn.AdaptiveMaxPool2d([5, 7]), 'AdaptiveMaxPool2d(output_size=(5, 7))'],
      [
        new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }),
        'Upsample(scale_factor=2.0, mode=bilinear)',
      ],
      [
        new nn.UpsamplingNearest2d({ scaleFactor: 2 }),
        'UpsamplingNearest2d(scale_factor=2.0, mode=nearest)',
      ],
      [new nn.RMSNorm([4], { eps: 1e-6 }), 'RMSNorm((4,), eps=1e-06, elementwise_affine=true)'],
    ] as const;
    for (const [m, want] of reprs) expect(String(m)).toBe(want);
    for (const [m] of reprs) for (const p of m.parameters()) p.dispose();
  });

  it('AdaptiveMaxPool2d.forwardWithIndices gives plane indices', () => {
    fl.tidy(() => {
      const x = fl.tensor([1, 5, 2, 7, 0, 3, 4, 6, 8]).reshape([1, 1, 3, 3]);
      const [v, i] = new nn.AdaptiveMaxPool2d(2).forwardWithIndices(x);
      expect(v.toArray()).toEqual([
        [
          [
            [7, 5],
            [7, 8],
          ],
        ],
      ]);
      expect(i.toArray()).toEqual([
        [
          [
            [3, 1],
            [3, 8],
          ],
        ],
      ]);
    });
  });

  it('InstanceNorm keeps torch buffers; eval without tracking uses instance statistics', () => {
    const tracked = new nn.InstanceNorm2d(3, { trackRunningStats: true });
    expect(Object.keys(tracked.stateDict())).toEqual([
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    const plain = new nn.InstanceNorm1d(2);
    expect(Object.keys(plain.stateDict())).toEqual([]);
    fl.tidy(() => {
      const x = fl.tensor([
        [
          [1, 2, 3, 4],
          [10, 10, 20, 20],
        ],
      ]);
      const y = plain.eval().forward(x);
      const mean = y.mean(2);
      expect(Math.max(...Array.from(mean.abs().dataSync()))).toBeLessThan(1e-6);
      // An unaffine layer accepts another channel count, as torch (which only warns).
      expect(plain.forward(fl.randn([1, 5, 4])).shape).toEqual([1, 5, 4]);
    });
    tracked.train();
    fl.tidy(() => void tracked.forward(fl.randn([2, 3, 4, 4]).mul(3).add(1)));
    const sd = tracked.stateDict();
    expect(Array.from(sd.num_batches_tracked!.dataSync())).toEqual([0]); // torch never counts
    expect(sd.running_mean!.toArray()).not.toEqual([0, 0, 0]);
    for (const m of [tracked, plain]) for (const t of Object.values(m.stateDict())) t.dispose();
    for (const b of tracked.buffers()) b.dispose();
  });

  it('RMSNorm defaults eps to the dtype machine epsilon', () => {
    fl.tidy(() => {
      const tiny = fl.tensor([[1e-5, -1e-5]]);
      const m32 = new nn.RMSNorm(2);
      const y = m32.forward(tiny);
      // mean(x²) = 1e-10, far below float32's eps 2⁻²³ ≈ 1.19e-7: y = x / √(1e-10 + eps).
      const want = 1e-5 / Math.sqrt(1e-10 + 2 ** -23);
      expect(y.dataSync()[0]).toBeCloseTo(want, 6);
      const m64 = new nn.RMSNorm(2, { dtype: 'float64' });
      const x64 = tiny.to('float64');
      const v = x64.dataSync()[0]!;
      expect(m64.forward(x64).dataSync()[0]).toBeCloseTo(v / Math.sqrt(v * v + 2 ** -52), 12);
      for (const p of [...m32.parameters(), ...m64.parameters()]) p.dispose();
    });
  });
});
