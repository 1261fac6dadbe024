/**
 * In-place writes through views (issue 12 §2): `x.index(0).fill_(5)` and friends change `x` and
 * every other view of its storage, as in torch; `x.set(index, value)` is `x[index] = value`.
 * Expected values are torch 1.13's (checked by hand with python3 -c "import torch; …").
 */
import * as fl from '@flint/core';
import { assertClose, check } from '../harness/compare.js';
import { read, readNested } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';
import { expectError } from './check.js';

const api = (
  id: string,
  run: (ctx: CaseContext) => void | Promise<void>,
  extra: Partial<Case> = {},
): Case => ({ id: `api/inplace/${id}`, layer: 'L1', op: 'inplace', run, ...extra });
const err = (id: string, op: string, run: (ctx: CaseContext) => void | Promise<void>): Case => ({
  id: `errors/inplace/${id}`,
  layer: 'errors',
  op,
  run,
});

async function same(t: fl.Tensor, expected: fl.NestedArray, what: string): Promise<void> {
  const got = await readNested(t);
  check(
    JSON.stringify(got) === JSON.stringify(expected),
    `${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
  );
}

const grid = () => fl.arange(6).reshape([2, 3]).float();

const writeThrough: Case[] = [
  api('index-fill', async () => {
    const x = grid();
    x.index(0).fill_(5);
    await same(
      x,
      [
        [5, 5, 5],
        [3, 4, 5],
      ],
      'x after x.index(0).fill_(5)',
    );
  }),
  api('narrow-copy', async () => {
    const x = grid();
    x.narrow(0, 1, 1).copy_(fl.tensor([[7, 8, 9]]));
    await same(
      x,
      [
        [0, 1, 2],
        [7, 8, 9],
      ],
      'x after x.narrow(0, 1, 1).copy_(y)',
    );
  }),
  api('view-add', async () => {
    const x = grid();
    x.view([6]).add_(1);
    await same(
      x,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      'x after x.view([6]).add_(1)',
    );
  }),
  api('siblings', async () => {
    // torch: x[:, 1].clamp_(max=2) changes x and the row view taken before
    const x = grid();
    const row = x.index(0);
    const col = x.index(':', 1);
    col.clamp_(null, 2);
    await same(
      x,
      [
        [0, 1, 2],
        [3, 2, 5],
      ],
      'base',
    );
    await same(row, [0, 1, 2], 'sibling row view');
    await same(col, [1, 2], 'the written view');
  }),
  api('transposed-flipped-stepped', async () => {
    const x = grid();
    x.T.index(0).mul_(10); // column 0
    // row 1, right to left: flip is a view in Flint (as in NumPy) but a copy in torch, so the
    // torch program for this line is x[1].sub_([3, 2, 1])
    const back = x.flip(1);
    back.index(1).sub_(fl.tensor([1, 2, 3]));
    x.index(':', '::2').add_(100); // columns 0 and 2
    await same(
      x,
      [
        [100, 1, 102],
        [127, 2, 104],
      ],
      'x',
    );
  }),
  api('zero-row-of-weight', async () => {
    // the embedding idiom: emb.weight[pad].zero_() under no_grad
    const emb = new fl.nn.Embedding(4, 3);
    fl.noGrad(() => emb.weight.index(2).zero_());
    const w = (await readNested(emb.weight)) as number[][];
    check(w[2]!.every((v) => v === 0) && w[1]!.some((v) => v !== 0), 'row 2 zeroed, others kept');
    const out = emb.forward(fl.tensor([2], { dtype: 'int32' }));
    await same(out, [[0, 0, 0]], 'the padding row looked up');
    for (const p of emb.parameters()) p.dispose();
  }),
  api('fill-expanded', async () => {
    // torch allows fill_/zero_ on an expanded tensor: every element gets the one value
    const base = fl.zeros([3]);
    base.expand([2, 3]).fill_(4);
    await same(base, [4, 4, 4], 'base of the expanded view');
  }),
  api('overlapping-source', async () => {
    // values are read before the write (torch refuses this overlap; Flint defines it)
    const y = fl.arange(4).float();
    y.index('1:').copy_(y.index(':-1'));
    await same(y, [0, 0, 1, 2], 'y[1:] = y[:-1]');
    const z = fl.arange(4).float();
    z.add_(z.flip(0));
    await same(z, [3, 3, 3, 3], 'z += z.flip(0)');
  }),
  api('random-fill-of-view', async () => {
    const x = fl.zeros([3, 4]);
    x.index(':', '1:3').uniform_(2, 3);
    const v = (await readNested(x)) as number[][];
    for (const row of v) {
      check(row[0] === 0 && row[3] === 0, `untouched columns stay 0: ${JSON.stringify(row)}`);
      check(row[1]! >= 2 && row[1]! < 3 && row[2]! >= 2 && row[2]! < 3, 'drawn in [2, 3)');
    }
  }),
  api('memory-exact', async () => {
    // writes swap buffers: no tensor and no byte more or less afterwards
    const x = grid();
    const row = x.index(1);
    const col = x.index(':', 0);
    const one = fl.ones([2]);
    const before = fl.memory();
    row.add_(1);
    col.copy_(one);
    x.set(0, 2);
    const after = fl.memory();
    check(
      after.bytes === before.bytes && after.tensors === before.tensors,
      `bytes ${before.bytes} → ${after.bytes}, tensors ${before.tensors} → ${after.tensors}`,
    );
    await same(
      x,
      [
        [2, 2, 2],
        [1, 5, 6],
      ],
      'x',
    );
  }),
  api('optimizer-step-writes-through', async (ctx) => {
    // a view of a parameter sees the optimizer's update (fused sgdStep where the backend has it)
    const p = fl.nn.Parameter(fl.ones([2, 3]));
    const row = fl.noGrad(() => p.index(1));
    const opt = new fl.optim.SGD([p], { lr: 0.5, momentum: 0.9 });
    try {
      p.mul(fl.tensor([1, 2, 3]))
        .sum()
        .backward();
      opt.step();
      assertClose(await read(row), [0.5, 0, -0.5], { tol: ctx.tol('float32'), what: 'row view' });
      assertClose(await read(p), [0.5, 0, -0.5, 0.5, 0, -0.5], {
        tol: ctx.tol('float32'),
        what: 'parameter',
      });
    } finally {
      opt.dispose();
      p.dispose();
    }
  }),
];

const slices: Case[] = [
  api('set', async () => {
    const x = fl.zeros([2, 3]);
    x.set(0, 5);
    x.set([':', 1], fl.tensor([7, 8]));
    x.set([1, '1:'], fl.tensor([1, 2]));
    await same(
      x,
      [
        [5, 7, 5],
        [0, 1, 2],
      ],
      'x',
    );
  }),
  api('set-broadcast', async () => {
    const x = fl.zeros([2, 2, 2]);
    x.set([null, '...', 0], fl.tensor([[1], [2]]));
    await same(
      x,
      [
        [
          [1, 0],
          [1, 0],
        ],
        [
          [2, 0],
          [2, 0],
        ],
      ],
      'x[None, ..., 0] = [[1], [2]]',
    );
  }),
  api('set-int32-casts', async () => {
    // torch: a[0] = [1.7, -2.7, 3.5] truncates; a[1, 1:] = 9.9 gives 9
    const a = fl.zeros([2, 3], { dtype: 'int32' });
    a.set(0, fl.tensor([1.7, -2.7, 3.5]));
    a.set([1, '1:'], 9.9);
    await same(
      a,
      [
        [1, -2, 3],
        [0, 9, 9],
      ],
      'int32 slice assignment',
    );
  }),
  api('set-bool', async () => {
    const m = fl.zeros([4], { dtype: 'bool' });
    m.set('1:3', true);
    await same(m, [false, true, true, false], 'bool slice assignment');
  }),
  api(
    'set-float64-specials',
    async () => {
      const x = fl.zeros([4], { dtype: 'float64' });
      x.set('::3', fl.tensor([NaN, -0], { dtype: 'float64' }));
      const v = await read(x);
      check(Number.isNaN(v[0]) && Object.is(v[3], -0) && v[1] === 0, `got ${Array.from(v)}`);
    },
    { needs: { dtypes: ['float64'] } },
  ),
];

const errors: Case[] = [
  err('expanded-target', 'add_', () => {
    const y = fl.zeros([3]).expand([2, 3]);
    expectError(() => y.add_(1), 'ShapeError', 'add_', ['single memory location']);
    expectError(() => y.copy_(fl.ones([2, 3])), 'ShapeError', 'copy_', ['single memory location']);
  }),
  err('leaf-view', 'fill_', () => {
    const w = fl.ones([2, 3], { requiresGrad: true });
    expectError(() => w.index(0).fill_(0), 'GradError', 'fill_', ['leaf']);
    expectError(() => w.zero_(), 'GradError', 'fill_', ['leaf']);
  }),
  err('set-shape', 'set', () => {
    const x = fl.zeros([2, 3]);
    expectError(() => x.set(0, fl.ones([4])), 'ShapeError', 'set', ['[4]', '[3]']);
  }),
  err('saved-then-modified', 'exp', (ctx) => {
    // torch: "… output 0 of ExpBackward0, is at version 1; expected version 0 instead"
    const x = fl.tensor([1, 2, 3], { requiresGrad: true });
    const z = x.exp();
    z.index(0).mul_(2);
    expectError(() => z.sum().backward(), 'GradError', 'exp', ['in-place', 'version']);
    check(x.grad === null, 'no gradient reached x');
    void ctx;
  }),
];

export function inplaceCases(): Case[] {
  return [...writeThrough, ...slices, ...errors];
}
