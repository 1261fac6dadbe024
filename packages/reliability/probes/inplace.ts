/**
 * In-place writes through views and slice assignment, from plain JavaScript: writes must reach
 * the base and every other view of its storage, refuse targets with shared elements, refuse
 * writes autograd cannot differentiate (typed GradError, never a wrong gradient), and leave no
 * tensor half-written or leaked when they are refused.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type T = InstanceType<Fl['Tensor']>;

const grid = (fl: Fl): T => fl.arange(6).reshape([2, 3]).float();
const rows = (t: T): unknown => t.toArray();

/** Calls that must be refused: [id, call, error class, message]. */
const REFUSED: [string, (fl: Fl) => unknown, string, RegExp][] = [
  [
    'expanded-target/add_',
    (fl) => fl.zeros([3]).expand([2, 3]).add_(1),
    'ShapeError',
    /add_: unsupported operation: more than one element of the written-to tensor refers to a single memory location/,
  ],
  [
    'expanded-target/copy_',
    (fl) => fl.zeros([1]).expand([4]).copy_(fl.arange(4).float()),
    'ShapeError',
    /copy_: .*single memory location/,
  ],
  [
    'expanded-target/set-tensor',
    (fl) =>
      fl
        .zeros([3])
        .expand([2, 3])
        .set(0, fl.ones([3])),
    // x[0] of an expanded [2,3] is a [3] row of distinct elements: allowed; its own write is fine
    'none',
    /./,
  ],
  [
    'overlapping-constructor-view/mul_',
    (fl) => {
      const x = fl.tensor([1, 2, 3, 4]);
      const Tensor = fl.Tensor as unknown as new (...a: unknown[]) => T;
      return new Tensor(x.storage.retain(), [3, 2], [1, 1], 0).mul_(2);
    },
    'ShapeError',
    /mul_: .*single memory location.*strides \[1,1\]/,
  ],
  [
    'leaf-requiring-grad/add_',
    (fl) => fl.ones([2], { requiresGrad: true }).add_(1),
    'GradError',
    /add_: a leaf tensor that requires grad/,
  ],
  [
    'view-of-leaf/fill_',
    (fl) => fl.ones([2, 3], { requiresGrad: true }).index(0).fill_(0),
    'GradError',
    /fill_: a view of a leaf tensor that requires grad/,
  ],
  [
    'whole-view-of-leaf/fill_',
    (fl) => fl.ones([2, 3], { requiresGrad: true }).view([6]).fill_(0),
    'GradError',
    /fill_: a view of a leaf tensor that requires grad \(shape \[6\]\)/,
  ],
  [
    'no-grad-view-written-with-grad',
    (fl) => {
      const p = fl.ones([2, 3], { requiresGrad: true });
      fl.noGrad(() => p.index(0)).fill_(0);
    },
    'GradError',
    /fill_: \[3\] float32 is a view made under fl.noGrad\(\) of a tensor that autograd tracks/,
  ],
  [
    'set/value-shape',
    (fl) => fl.zeros([2, 3]).set(0, fl.ones([4])),
    'ShapeError',
    /set: a value of shape \[4\] cannot be broadcast to the indexed slice of shape \[3\]/,
  ],
  [
    'set/index-out-of-range',
    (fl) => fl.zeros([2, 3]).set(5, 1),
    'ShapeError',
    /index 5 is out of bounds for dimension 0 with size 2/,
  ],
  [
    'set/index-an-object',
    (fl) => (fl.zeros([2]).set as unknown as (i: unknown, v: unknown) => T)({ a: 1 }, 1),
    'ArgumentError',
    /set/,
  ],
  [
    'set/value-a-string',
    (fl) => (fl.zeros([2]).set as unknown as (i: unknown, v: unknown) => T)(0, 'x'),
    'ArgumentError',
    /set/,
  ],
  [
    'add_/lossy-cast-into-int32-view',
    (fl) => fl.zeros([2], { dtype: 'int32' }).index(0).add_(1.5),
    'DTypeError',
    /add_: the result type float32 cannot be written in place into a tensor of dtype int32/,
  ],
  [
    'saved-for-backward-then-written',
    (fl) => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true });
      const z = x.exp();
      z.index(0).mul_(2);
      z.sum().backward();
    },
    'GradError',
    /backward: a float32 tensor of shape \[3\] that 'exp' saved for its gradient was modified by an in-place operation \(mul_\): it is at version 1, expected version 0/,
  ],
  [
    'detached-view-takes-grad-value',
    (fl) => {
      const w = fl.tensor([1, 2], { requiresGrad: true });
      const y = w.mul(1);
      y.detach().index(0).copy_(w.index(1));
    },
    'GradError',
    /copy_: cannot write a value that requires grad into \[\] float32, which is detached from tensors that autograd tracks/,
  ],
  [
    'disposed-target',
    (fl) => {
      const x = fl.zeros([3]);
      x.dispose();
      x.fill_(1);
    },
    'DisposedTensorError',
    /fill_/,
  ],
];

const refused: Probe[] = REFUSED.map(([id, call, throws, match]) =>
  throws === 'none'
    ? { id, expect: 'ok', run: ({ fl }) => void call(fl) }
    : { id, expect: { throws, match }, run: ({ fl }) => call(fl) },
);

/** A refused write leaves the target, its views and fl.memory() exactly as they were. */
const untouched: Probe = {
  id: 'refused-write-changes-nothing',
  expect: 'ok',
  run: ({ fl }) => {
    const x = grid(fl);
    const row = x.index(1);
    const [four, five] = [fl.ones([4]), fl.ones([5])];
    const spread = x.index(':', 0).expand([3, 2]);
    const before = fl.memory();
    assert.throws(() => row.add_(four), { name: 'ShapeError' });
    assert.throws(() => x.set(0, five), { name: 'ShapeError' });
    assert.throws(() => spread.mul_(2), { name: 'ShapeError' });
    assert.deepEqual(rows(x), [
      [0, 1, 2],
      [3, 4, 5],
    ]);
    assert.deepEqual(fl.memory(), before);
  },
};

const writes: Probe[] = [
  {
    id: 'write-through/issue-examples',
    expect: 'ok',
    run: ({ fl }) => {
      const x = grid(fl);
      x.index(0).fill_(5);
      x.narrow(0, 1, 1).copy_(fl.tensor([[7, 8, 9]]));
      x.view([6]).add_(1);
      assert.deepEqual(rows(x), [
        [6, 6, 6],
        [8, 9, 10],
      ]);
    },
  },
  {
    id: 'write-through/siblings-and-transposes',
    expect: 'ok',
    run: ({ fl }) => {
      const x = grid(fl);
      const col = x.index(':', 1);
      const t = x.T;
      t.index(2).mul_(-1);
      col.zero_();
      assert.deepEqual(rows(x), [
        [0, 0, -2],
        [3, 0, -5],
      ]);
      assert.deepEqual(rows(t), [
        [0, 3],
        [0, 0],
        [-2, -5],
      ]);
    },
  },
  {
    id: 'set/python-tuple-semantics',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.zeros([2, 3], { dtype: 'int32' });
      x.set([1, '1:'], 9.9);
      x.set(0, fl.tensor([1.7, -2.7, 3.5]));
      assert.deepEqual(rows(x), [
        [1, -2, 3],
        [0, 9, 9],
      ]);
    },
  },
  {
    id: 'set/bool-and-float64',
    expect: 'ok',
    run: ({ fl }) => {
      const m = fl.zeros([4], { dtype: 'bool' });
      m.set('1:3', true);
      assert.deepEqual(rows(m), [false, true, true, false]);
      const d = fl.zeros([3], { dtype: 'float64' });
      d.set(['::2'], fl.tensor([NaN, -0], { dtype: 'float64' }));
      const v = d.dataSync();
      assert.ok(Number.isNaN(v[0]) && Object.is(v[2], -0));
    },
  },
  {
    id: 'memory/writes-leave-counts-exact',
    expect: 'ok',
    run: ({ fl }) => {
      const x = grid(fl);
      const row = x.index(1);
      const col = x.index(':', 0);
      const one = fl.ones([3]);
      const before = fl.memory();
      for (let i = 0; i < 50; i++) {
        row.add_(one);
        col.fill_(i);
        x.mul_(1);
      }
      assert.deepEqual(fl.memory(), before);
      assert.deepEqual(rows(x), [
        [49, 1, 2],
        [49, 54, 55],
      ]);
    },
  },
  {
    id: 'optimizer/step-writes-through-views',
    expect: 'ok',
    run: ({ fl }) => {
      const p = fl.nn.Parameter(fl.ones([2, 2]));
      const row = fl.noGrad(() => p.index(0));
      const opt = new fl.optim.Adam([p], { lr: 0.1 });
      p.sum().backward();
      opt.step();
      const got = Array.from(row.dataSync());
      assert.deepEqual(got, Array.from(p.dataSync()).slice(0, 2));
      assert.ok(
        got.every((v) => Math.abs(v - 0.9) < 1e-6),
        String(got),
      );
    },
  },
];

/** Gradients through in-place writes, as torch 1.13 gives them. */
const grads: Probe[] = [
  {
    id: 'grad/clone-then-view-mul',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true });
      const y = x.clone();
      y.index(0).mul_(2);
      y.mul(fl.tensor([1, 2, 3]))
        .sum()
        .backward();
      assert.deepEqual(rows(x.grad!), [2, 2, 3]);
    },
  },
  {
    id: 'grad/view-regenerated-after-base-write',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true });
      const w = fl.tensor([4, 5, 6], { requiresGrad: true });
      const y = x.mul(1);
      const v = y.index('1:');
      y.mul_(w);
      v.sum().backward();
      assert.deepEqual(rows(x.grad!), [0, 5, 6]);
      assert.deepEqual(rows(w.grad!), [0, 2, 3]);
    },
  },
  {
    id: 'grad/saved-output-zeroed-before-backward',
    expect: {
      throws: 'GradError',
      match: /'sigmoid' saved for its gradient was modified by an in-place operation \(fill_\)/,
    },
    run: ({ fl }) => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const y = x.sigmoid();
      const loss = y.sum();
      y.index(0).zero_();
      loss.backward();
    },
  },
];

export const probes: Probe[] = [...refused, untouched, ...writes, ...grads];
