/**
 * The layers, optimizers and schedulers of issue 13 §1 called badly from plain JavaScript:
 * F.interpolate with conflicting or impossible sizes and modes, adaptive max pooling of integers,
 * instance/RMS norm with mismatched shapes, channel dropout of the wrong rank, NAdam/RAdam with
 * hostile hyperparameters or a corrupt `mu_product`, and schedulers with impossible periods.
 * Each must be a typed error naming the call, leaving tensors and optimizers as they were; and
 * a few values that are easy to get wrong (torch's nearest rule, NaN in a max window, SGDR's
 * fractional epochs) are checked.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type Any = (...a: unknown[]) => unknown;
const F = (fl: Fl) => fl.nn.functional as unknown as Record<string, Any>;
const make = (fl: Fl, ns: 'nn' | 'optim', name: string, ...a: unknown[]) =>
  new (fl[ns] as unknown as Record<string, new (...a: unknown[]) => unknown>)[name]!(...a);
const sgd = (fl: Fl, opts: object = { lr: 0.1 }) =>
  new fl.optim.SGD([fl.nn.Parameter(fl.zeros([2]))], opts);
const img = (fl: Fl) => fl.randn([1, 2, 3, 3]);

/** [id, call, error class, message] */
const BAD: [string, (fl: Fl) => unknown, string, RegExp][] = [
  [
    'interpolate/size-and-scale',
    (fl) => F(fl).interpolate!(img(fl), { size: 4, scaleFactor: 2 }),
    'ArgumentError',
    /interpolate: give exactly one of size and scaleFactor/,
  ],
  [
    'interpolate/no-options',
    (fl) => F(fl).interpolate!(img(fl)),
    'ArgumentError',
    /interpolate: give exactly one/,
  ],
  [
    'interpolate/bilinear-on-3d',
    (fl) => F(fl).interpolate!(fl.randn([1, 2, 4]), { size: 8, mode: 'bilinear' }),
    'ArgumentError',
    /interpolate: mode 'bilinear' is not available for 3-D input/,
  ],
  [
    'interpolate/unknown-mode',
    (fl) => F(fl).interpolate!(img(fl), { size: 4, mode: 'bicubic'.repeat(1000) }),
    'ArgumentError',
    /interpolate/,
  ],
  [
    'interpolate/align-corners-nearest',
    (fl) => F(fl).interpolate!(img(fl), { size: 4, alignCorners: true }),
    'ArgumentError',
    /alignCorners can only be set with the linear modes/,
  ],
  [
    'interpolate/zero-output',
    (fl) => F(fl).interpolate!(img(fl), { scaleFactor: 0.1 }),
    'ShapeError',
    /interpolate: input and output sizes must be greater than 0/,
  ],
  [
    'interpolate/nan-scale',
    (fl) => F(fl).interpolate!(img(fl), { scaleFactor: NaN }),
    'ArgumentError',
    /interpolate/,
  ],
  [
    'interpolate/size-count',
    (fl) => F(fl).interpolate!(img(fl), { size: [2, 3, 4] }),
    'ShapeError',
    /interpolate: size must be one number or 2/,
  ],
  [
    'interpolate/int-bilinear',
    (fl) =>
      F(fl).interpolate!(fl.ones([1, 1, 2, 2], { dtype: 'int32' }), { size: 3, mode: 'bilinear' }),
    'DTypeError',
    /interpolate: mode 'bilinear' needs a floating-point input, got int32/,
  ],
  [
    'interpolate/rank-5',
    (fl) => F(fl).interpolate!(fl.ones([1, 1, 2, 2, 2]), { size: 3 }),
    'ShapeError',
    /interpolate: expected input of shape \[N,C,L\] or \[N,C,H,W\], got \[1,1,2,2,2\]/,
  ],
  [
    'adaptiveMaxPool2d/int32',
    (fl) => F(fl).adaptiveMaxPool2d!(fl.ones([1, 1, 2, 2], { dtype: 'int32' }), 1),
    'DTypeError',
    /adaptiveMaxPool2d: expected a floating-point input, got int32/,
  ],
  [
    'adaptiveMaxPool1d/zero-size',
    (fl) => F(fl).adaptiveMaxPool1d!(fl.ones([1, 2, 5]), 0),
    'ArgumentError',
    /adaptiveMaxPool1d/,
  ],
  [
    'adaptiveAvgPool1d/empty-length',
    (fl) => F(fl).adaptiveAvgPool1d!(fl.ones([1, 2, 0]), 2),
    'ShapeError',
    /adaptiveAvgPool1d: input of shape \[1,2,0\] has an empty spatial dim/,
  ],
  [
    'instanceNorm/one-element',
    (fl) => F(fl).instanceNorm!(fl.ones([2, 3, 1])),
    'ShapeError',
    /instanceNorm: expected more than 1 spatial element/,
  ],
  [
    'instanceNorm/weight-shape',
    (fl) => F(fl).instanceNorm!(fl.ones([2, 3, 4]), { weight: fl.ones([2]) }),
    'ShapeError',
    /instanceNorm: weight must have shape \[3\]/,
  ],
  [
    'rmsNorm/shape-mismatch',
    (fl) => F(fl).rmsNorm!(fl.ones([2, 3]), [4]),
    'ShapeError',
    /rmsNorm: expected input of shape \[\*, 4\]/,
  ],
  [
    'rmsNorm/int32',
    (fl) => F(fl).rmsNorm!(fl.ones([2, 3], { dtype: 'int32' }), [3]),
    'DTypeError',
    /rmsNorm: expected a floating-point input/,
  ],
  [
    'instanceNorm/int32',
    (fl) => F(fl).instanceNorm!(fl.ones([1, 2, 4], { dtype: 'int32' })),
    'DTypeError',
    /instanceNorm: expected a floating-point input, got int32/,
  ],
  [
    'dropout2d/rank-2',
    (fl) => F(fl).dropout2d!(fl.ones([2, 3]), 0.5),
    'ShapeError',
    /dropout2d: expected input of rank 3 or 4/,
  ],
  ['dropout1d/p-2', (fl) => F(fl).dropout1d!(fl.ones([2, 3]), 2), 'ArgumentError', /dropout1d/],
  [
    'InstanceNorm2d/channels',
    (fl) =>
      (make(fl, 'nn', 'InstanceNorm2d', 3, { affine: true }) as { forward: Any }).forward(
        fl.ones([1, 4, 2, 2]),
      ),
    'ShapeError',
    /InstanceNorm2d: expected input's size at dim 1 to match numFeatures \(3\)/,
  ],
  [
    'Upsample/no-size',
    (fl) => (make(fl, 'nn', 'Upsample', {}) as { forward: Any }).forward(img(fl)),
    'ArgumentError',
    /interpolate: give exactly one/,
  ],
  [
    'Upsample/python-kwarg',
    (fl) => make(fl, 'nn', 'Upsample', { scale_factor: 2 }),
    'ArgumentError',
    /Upsample/,
  ],
  [
    'RMSNorm/negative-eps',
    (fl) => make(fl, 'nn', 'RMSNorm', 4, { eps: -1 }),
    'ArgumentError',
    /RMSNorm/,
  ],
  [
    'NAdam/negative-momentum-decay',
    (fl) => make(fl, 'optim', 'NAdam', [fl.nn.Parameter(fl.zeros([2]))], { momentumDecay: -1 }),
    'OptimizerError',
    /NAdam.*momentumDecay/,
  ],
  [
    'RAdam/beta-1',
    (fl) => make(fl, 'optim', 'RAdam', [fl.nn.Parameter(fl.zeros([2]))], { betas: [0.9, 1] }),
    'OptimizerError',
    /RAdam.*betas\[1\]/,
  ],
  [
    'RAdam/maximize-not-in-torch-1.13',
    (fl) => make(fl, 'optim', 'RAdam', [fl.nn.Parameter(fl.zeros([2]))], { maximize: true }),
    'ArgumentError',
    /RAdam/,
  ],
  [
    'CosineAnnealingWarmRestarts/fractional-t0',
    (fl) => make(fl, 'optim', 'CosineAnnealingWarmRestarts', sgd(fl), { t0: 2.5 }),
    'ArgumentError',
    /CosineAnnealingWarmRestarts/,
  ],
  [
    'CosineAnnealingWarmRestarts/negative-epoch',
    (fl) =>
      (make(fl, 'optim', 'CosineAnnealingWarmRestarts', sgd(fl), { t0: 2 }) as { step: Any }).step(
        -1,
      ),
    'OptimizerError',
    /CosineAnnealingWarmRestarts.step: .*epoch/,
  ],
  [
    'CyclicLR/no-momentum',
    (fl) =>
      make(fl, 'optim', 'CyclicLR', new fl.optim.Adagrad([fl.nn.Parameter(fl.zeros([2]))]), {
        baseLr: 0.1,
        maxLr: 1,
      }),
    'OptimizerError',
    /CyclicLR: Adagrad has no momentum or betas to cycle/,
  ],
  [
    'CyclicLR/per-group-count',
    (fl) => make(fl, 'optim', 'CyclicLR', sgd(fl), { baseLr: [0.1, 0.2], maxLr: 1 }),
    'OptimizerError',
    /CyclicLR.*baseLr/,
  ],
  [
    'CyclicLR/zero-step-size',
    (fl) => make(fl, 'optim', 'CyclicLR', sgd(fl), { baseLr: 0.1, maxLr: 1, stepSizeUp: 0 }),
    'OptimizerError',
    /CyclicLR.*stepSizeUp/,
  ],
];

export const probes: Probe[] = [
  ...BAD.map(([id, run, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => run(fl),
  })),
  {
    id: 'nadam/corrupt-mu-product-leaves-optimizer-intact',
    expect: 'ok',
    run: ({ fl }) => {
      const p = fl.nn.Parameter(fl.tensor([1, 2]));
      const opt = new fl.optim.NAdam([p], { lr: 0.1 });
      p.grad = fl.tensor([0.5, -0.5]);
      opt.step();
      const sd = opt.stateDict({ keys: 'torch' });
      const before = JSON.stringify(opt.paramGroups.map((g) => g.lr));
      const entry = sd.state['0']!;
      entry.mu_product = 'x'.repeat(10000) as unknown as number;
      assert.throws(
        () => opt.loadStateDict(sd),
        (e: Error) =>
          e instanceof fl.FlintError && /mu_?[pP]roduct/.test(e.message) && e.message.length < 2000,
      );
      assert.equal(JSON.stringify(opt.paramGroups.map((g) => g.lr)), before);
      assert.equal((opt.state.get(p) as { step: number }).step, 1);
    },
  },
  {
    id: 'interpolate/failed-call-leaves-input-intact',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([[[1, 2, 3]]]);
      assert.throws(() => fl.nn.F.interpolate(x, { size: 2, mode: 'bilinear' }), fl.ArgumentError);
      assert.deepEqual(x.toArray(), [[[1, 2, 3]]]);
    },
  },
  {
    id: 'values/torch-rules',
    expect: 'ok',
    devices: ['cpu', 'native', 'gpujs'],
    run: ({ fl }) => {
      const { F: f } = fl.nn;
      // torch's legacy nearest rule with a given scale factor: source ⌊i / 1.7⌋, not ⌊i · 5/8⌋.
      const near = f.interpolate(fl.tensor([[[0, 1, 2, 3, 4]]]), { scaleFactor: 1.7 });
      assert.deepEqual(near.toArray(), [[[0, 0, 1, 1, 2, 2, 3, 4]]]);
      // A NaN wins its max window; the window without one takes its maximum.
      const mx = f.adaptiveMaxPool1d(fl.tensor([[[1, NaN, 3, 5, 4, 2]]]), 2);
      const got = Array.from(mx.dataSync());
      assert.ok(Number.isNaN(got[0]) && got[1] === 5, `got ${got.join(', ')}`);
      // Channel dropout keeps or zeroes whole channels.
      fl.manualSeed(0);
      const d = Array.from(f.dropout2d(fl.ones([4, 8, 2, 2]), 0.5).dataSync());
      for (let c = 0; c < 32; c++) {
        const plane = d.slice(c * 4, c * 4 + 4);
        assert.ok(plane.every((v) => v === plane[0]) && (plane[0] === 0 || plane[0] === 2));
      }
    },
  },
  {
    id: 'warm-restarts/fractional-epochs',
    expect: 'ok',
    run: ({ fl }) => {
      const opt = sgd(fl, { lr: 1 });
      const s = new fl.optim.CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 2 });
      s.step(1); // half of the first period: (1 + cos(π/2)) / 2
      assert.ok(Math.abs(s.getLastLr()[0]! - 0.5) < 1e-12);
      s.step(2); // a restart
      assert.equal(s.getLastLr()[0], 1);
      s.step(4); // halfway through the second period of length 4
      assert.ok(Math.abs(s.getLastLr()[0]! - 0.5) < 1e-12);
    },
  },
];
