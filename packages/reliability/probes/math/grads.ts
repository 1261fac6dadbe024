/** Gradients at special points (issue 15): each as PyTorch 1.13 gives it. */
import type { Probe } from '../../src/probe.js';
import { close, grad, second, values, type T } from './util.js';

export const gradients: Probe[] = [
  {
    id: 'grad/elu-overflow-float32',
    expect: 'ok',
    // expm1(100) overflows float32; the untaken branch's ∞·0 must not reach the gradient.
    run: ({ fl }) =>
      close(
        grad(fl, [89, 100, 1e30], (x) => fl.elu(x), 'float32'),
        [1, 1, 1],
        'elu',
      ),
  },
  {
    id: 'grad/norm-zero-vector',
    expect: 'ok',
    run: ({ fl }) => {
      for (const p of [2, 1, Infinity, -Infinity, 3, 1.5, 0.5])
        close(
          grad(fl, [0, 0, 0], (x) => x.norm(p)),
          [0, 0, 0],
          `norm(p=${p})'`,
        );
      close(
        grad(fl, [0, 0, 3, 4], (x) => x.reshape([2, 2]).norm(2, 1)),
        [0, 0, 0.6, 0.8],
        'rows',
      );
    },
  },
  {
    id: 'grad/norm-inf-ties-and-nan',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        grad(fl, [1, -1, 0.5], (x) => x.norm(Infinity)),
        [0.5, -0.5, 0],
        'ties share',
      );
      close(
        grad(fl, [NaN, 1, 2], (x) => x.norm(Infinity)),
        [0, 0, 0],
        'NaN: sign(NaN) = 0',
      );
      close(
        grad(fl, [NaN, 1, 2], (x) => x.norm(1)),
        [0, 1, 1],
        'p=1 at NaN',
      );
    },
  },
  {
    id: 'grad/std-equal-values',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        grad(fl, [2, 2, 2], (x) => x.std()),
        [0, 0, 0],
        'std([2,2,2])',
      );
      const r = Math.SQRT1_2;
      close(
        grad(fl, [2, 2, 1, 3], (x) => x.reshape([2, 2]).std(1)),
        [0, 0, -r, r],
        'rows',
        1e-9,
      );
      close(
        grad(fl, [1.5], (x) => x.reshape([]).std({ correction: 0 })),
        [0],
        '0-d',
      );
    },
  },
  {
    id: 'grad/var-infinite-element',
    expect: 'ok',
    // torch's 2/(n−1)·(x − mean): one ∞ does not make the other elements' gradient NaN.
    run: ({ fl }) =>
      close(
        grad(fl, [Infinity, 1, 2], (x) => x.var()),
        [NaN, -Infinity, -Infinity],
        'var',
      ),
  },
  {
    id: 'grad2/prod-one-zero',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        second(fl, [0, 2, 3], (x) => x.prod()),
        [5, 3, 2],
        'prod([0,2,3])',
      );
      close(
        second(fl, [0, 2, 3], (x) => x.reshape([1, 3]).prod(1)),
        [5, 3, 2],
        'prod(dim)',
      );
    },
  },
  {
    id: 'grad2/prod-two-zeros',
    expect: 'ok',
    // The true Hessian (torch's dim form); torch's full form stops differentiating and says 0.
    run: ({ fl }) =>
      close(
        second(fl, [0, 0, 3], (x) => x.prod()),
        [3, 3, 0],
        'prod([0,0,3])',
      ),
  },
  {
    id: 'grad/prod-nan-beside-zero',
    expect: 'ok',
    // With a zero in the input torch multiplies the others' products: finite at the NaN itself.
    run: ({ fl }) =>
      close(
        grad(fl, [NaN, 1, 2, 0, 1, 2], (x) => x.reshape([2, 3]).prod(1)),
        [2, NaN, NaN, 2, 0, 0],
        'prod',
      ),
  },
  {
    id: 'grad/softplus-at-threshold',
    expect: 'ok',
    run: ({ fl }) => {
      const s = 1 / (1 + Math.exp(-20));
      close(
        grad(fl, [20], (x) => fl.softplus(x)),
        [s],
        'βx == threshold is the smooth branch',
      );
      close(
        grad(fl, [1.5], (x) => fl.softplus(x, 2, 3)),
        [1 / (1 + Math.exp(-3))],
        'beta 2',
      );
    },
  },
  {
    id: 'grad/clamp-nan-input',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        grad(fl, [NaN, 0.5, 2, -1, 1], (x) => x.clamp(-1, 1)),
        [0, 1, 0, 1, 1],
        'both bounds',
      );
      close(
        grad(fl, [NaN, 0.5], (x) => x.clamp(-1)),
        [0, 1],
        'min only',
      );
    },
  },
  {
    id: 'grad/clamp-tensor-bounds',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([NaN, 0.5, 2, -2], { dtype: 'float64', requiresGrad: true });
      const lo = fl.tensor([-1, -1, -1, -1], { dtype: 'float64', requiresGrad: true });
      const hi = fl.tensor([1, 1, 1, 1], { dtype: 'float64', requiresGrad: true });
      const [gx, gl, gh] = fl.grad([x.clamp(lo, hi).sum()], [x, lo, hi]);
      close(values(gx!), [0, 1, 0, 0], 'x');
      close(values(gl!), [0, 0, 0, 1], 'min');
      close(values(gh!), [0, 0, 1, 0], 'max');
    },
  },
  {
    id: 'grad/max-min-nan-slice',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        grad(fl, [1, NaN, 3], (x) => x.max()),
        [0, 1, 0],
        'max()',
      );
      close(
        grad(fl, [1, NaN, 3], (x) => x.min()),
        [0, 1, 0],
        'min()',
      );
      close(
        grad(fl, [NaN, 1, NaN], (x) => x.max()),
        [0.5, 0, 0.5],
        'two NaNs share',
      );
      close(
        grad(fl, [1, NaN, 3], (x) => x.amax()),
        [NaN, NaN, NaN],
        'amax: NaN (torch)',
      );
      close(
        grad(fl, [1, NaN, 3], (x) => (x.max(0) as { values: T }).values),
        [0, 1, 0],
        'max(dim)',
      );
    },
  },
  {
    id: 'grad/silu-gelu-square-near-float-max',
    expect: 'ok',
    // torch's closed forms: σ(x)(1 + x(1 − σ(x))) and Φ(x) + xφ(x) stay finite at 3e38; the
    // product chains' g·x overflowed to ∞·0. square's g·2x overflows as torch's does.
    run: ({ fl }) => {
      close(
        grad(fl, [3e38, -3e38], (x) => fl.silu(x), 'float32'),
        [1, 0],
        'silu',
      );
      close(
        grad(fl, [3e38, -3e38], (x) => fl.gelu(x), 'float32'),
        [1, 0],
        'gelu',
      );
      close(
        grad(fl, [3e38], (x) => x.square(), 'float32'),
        [Infinity],
        'square',
      );
    },
  },
  {
    id: 'grad/relu-nan',
    expect: 'ok',
    run: ({ fl }) =>
      close(
        grad(fl, [NaN, 0, 1, -1], (x) => x.relu()),
        [1, 0, 1, 0],
        'relu',
      ),
  },
  {
    id: 'grad/remainder-divisor-at-infinity',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([Infinity, -1.5, 1.5, 3], { dtype: 'float64', requiresGrad: true });
      const b = fl.tensor([2, Infinity, Infinity, 2], { dtype: 'float64', requiresGrad: true });
      const [, gb] = fl.grad([a.remainder(b).sum()], [a, b]);
      close(values(gb!), [NaN, 1, -0, -1], 'd/db = −floor_divide(a, b)');
    },
  },
  {
    id: 'grad/pow-scalar-exponent-at-zero',
    expect: 'ok',
    run: ({ fl }) => {
      close(
        grad(fl, [-0, 0, -Infinity, Infinity, 4], (x) => x.pow(0.5)),
        [-Infinity, Infinity, NaN, 0, 0.25],
        '0.5',
      );
      close(
        grad(fl, [-0, 0, -Infinity, 4], (x) => x.pow(-0.5)),
        [-Infinity, -Infinity, -0, -0.0625],
        '-0.5',
      );
    },
  },
];
