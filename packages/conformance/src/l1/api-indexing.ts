/**
 * Hand-written cases of the ops whose output shape depends on values (nonzero, maskedSelect,
 * mask indexing): their `…Async` forms on every device, and on a device without synchronous
 * read-back (`caps.syncRead: false`) the BackendError of the synchronous forms, which must name
 * the async form to use. The values themselves are checked against PyTorch by the fixtures
 * (ops/indexing/*), which skip such devices.
 */
import * as fl from '@flint/core';
import { check } from '../harness/compare.js';
import { readNested } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';

const api = (id: string, op: string, run: (ctx: CaseContext) => Promise<void>): Case => ({
  id: `api/indexing/${id}`,
  layer: 'L1',
  op,
  run,
});

async function same(t: fl.Tensor, want: fl.NestedArray, what: string): Promise<void> {
  const got = await readNested(t);
  check(
    JSON.stringify(got) === JSON.stringify(want),
    () => `${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
  );
}

/** Without synchronous read-back: a BackendError that names `op` and the async form `hint`. */
function refuses(ctx: CaseContext, op: string, hint: RegExp, f: () => unknown): void {
  if (ctx.backend.caps.syncRead !== false) return;
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  check(
    err instanceof fl.BackendError && err.message.includes(op) && hint.test(err.message),
    () =>
      `${op} without synchronous read-back: expected a BackendError naming ${hint}, got ${String(err)}`,
  );
}

const grid = () =>
  fl.tensor([
    [0, 1.5, 0],
    [-2, 0, NaN],
  ]);

export const indexingApiCases: Case[] = [
  api('async-nonzero', 'nonzero', async (ctx) => {
    const x = grid();
    await same(
      await x.nonzeroAsync(),
      [
        [0, 1],
        [1, 0],
        [1, 2],
      ],
      // the label names the NaN: on WebGPU it is what goes missing (WGSL may assume no NaN)
      'nonzeroAsync of [[0, 1.5, 0], [-2, 0, NaN]]',
    );
    const cols = await fl.nonzeroAsync(x, { asTuple: true });
    check(cols.length === 2, `asTuple: ${cols.length} tensors, expected 2`);
    await same(cols[0]!, [0, 1, 1], 'asTuple[0]');
    await same(cols[1]!, [1, 0, 2], 'asTuple[1]');
    // the tuple indexes like the mask, on every device
    await same(x.index(...cols), [1.5, -2, NaN], 'x.index(...nonzeroAsync(x, asTuple))');
    refuses(ctx, 'nonzero', /nonzeroAsync/, () => x.nonzero());
    refuses(ctx, 'nonzero', /nonzeroAsync/, () => fl.argwhere(x));
  }),
  api('async-masked-select', 'maskedSelect', async (ctx) => {
    const x = grid();
    const m = fl.tensor([true, false, true]);
    await same(await x.maskedSelectAsync(m), [0, 0, -2, NaN], 'maskedSelectAsync');
    await same(await fl.maskedSelectAsync(fl.tensor(4), fl.tensor(true)), [4], '0-d');
    refuses(ctx, 'maskedSelect', /maskedSelectAsync/, () => x.maskedSelect(m));
    refuses(ctx, 'index', /nonzeroAsync/, () => x.index(':', m));
    refuses(ctx, 'index', /nonzeroAsync/, () => x.index([true, false]));
  }),
  api('async-set-distinct', 'set', async () => {
    // distinct indices write the same values on every device (duplicates without accumulate
    // are left undefined by PyTorch)
    const x = fl.zeros([3, 2]);
    x.set(
      [[2, 0]],
      fl.tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    await same(
      x,
      [
        [3, 4],
        [0, 0],
        [1, 2],
      ],
      'x[[2, 0]] = v',
    );
    x.indexPut_([fl.tensor([1, 1], { dtype: 'int32' })], fl.tensor([5, 6]), true);
    await same(
      x,
      [
        [3, 4],
        [10, 12],
        [1, 2],
      ],
      'indexPut_ accumulate',
    );
  }),
];
