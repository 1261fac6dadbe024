/** Hand-written error cases: mixing devices, use after dispose, bad shapes for creation. */
import * as fl from '@flint/core';
import { assertClose, assertDType, check, EXACT } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';
import { expectError } from './check.js';

type Tensor = fl.Tensor;

const err = (
  id: string,
  op: string,
  run: (ctx: CaseContext) => void | Promise<void>,
  extra: Partial<Case> = {},
): Case => ({
  id: `errors/${id}`,
  layer: 'errors',
  op,
  run,
  ...extra,
});

/** Calls that take two tensors, for the cross-device cases. */
const TWO: Record<string, (a: Tensor, b: Tensor) => unknown> = {
  add: (a, b) => a.add(b),
  matmul: (a, b) => a.matmul(b),
  cat: (a, b) => fl.cat([a, b]),
  where: (a, b) => fl.where(a.gt(0), a, b),
  maximum: (a, b) => fl.maximum(a, b),
};

function deviceCases(): Case[] {
  const cases = Object.entries(TWO).map(([op, f]) =>
    err(
      `device/${op}`,
      op,
      (ctx) => {
        const a = fl.ones([2, 2]);
        const b = fl.ones([2, 2], { device: ctx.second!.name });
        expectError(() => f(a, b), 'DeviceError', op, [ctx.backend.name, ctx.second!.name]);
      },
      { needs: { secondDevice: true } },
    ),
  );
  cases.push(
    err(
      'device/to',
      'to',
      async (ctx) => {
        const a = fl.tensor([
          [1.5, -2],
          [3, 4],
        ]);
        const b = a.to(ctx.second!.name);
        check(b.device === ctx.second!.name, `to('${ctx.second!.name}') gave device ${b.device}`);
        assertDType(b.dtype, 'float32');
        assertClose(await read(b), [1.5, -2, 3, 4], { tol: EXACT, what: 'copied values' });
        const back = b.mul(2).to(ctx.backend.name);
        check(back.device === ctx.backend.name, 'copy back has the wrong device');
        assertClose(await read(back), [3, -4, 6, 8], {
          tol: EXACT,
          what: 'values after a round trip',
        });
      },
      // a copy between devices reads the source synchronously (core's toDevice)
      { needs: { secondDevice: true, syncRead: true } },
    ),
    err('device/unknown', 'to', () => {
      expectError(() => fl.ones([1]).to('no-such-device'), 'DeviceError', 'to', ['no-such-device']);
    }),
  );
  return cases;
}

/** Ops on a disposed tensor: DisposedTensorError naming the op and the tensor's shape. */
const ON_DISPOSED: Record<string, (t: Tensor) => unknown> = {
  add: (t) => t.add(1),
  exp: (t) => fl.exp(t),
  sum: (t) => t.sum(),
  matmul: (t) => t.matmul(fl.ones([3, 2])),
  reshape: (t) => t.reshape([3, 2]),
  dataSync: (t) => t.dataSync(),
  toArray: (t) => t.toArray(),
};

function disposedCases(): Case[] {
  return Object.entries(ON_DISPOSED).map(([op, f]) =>
    err(`disposed/${op}`, op, () => {
      const t = fl.ones([2, 3]);
      t.dispose();
      expectError(() => f(t), 'DisposedTensorError', op, ['[2,3]']);
    }),
  );
}

const misc: Case[] = [
  err('shape/negative-size', 'zeros', () =>
    expectError(() => fl.zeros([2, -1]), 'ShapeError', 'zeros', ['[2,-1]']),
  ),
  err('shape/reshape-two-infer', 'reshape', () =>
    expectError(() => fl.ones([4]).reshape([-1, -1]), 'ShapeError', 'reshape'),
  ),
  err('shape/view-non-contiguous', 'view', () => {
    // A transposed tensor cannot be viewed as flat without a copy (reshape would copy).
    expectError(() => fl.ones([2, 3]).transpose(0, 1).view([6]), 'ShapeError', 'view');
  }),
  err('dtype/tensor-bad-dtype', 'tensor', () => {
    let thrown: unknown;
    try {
      fl.tensor([1], { dtype: 'float16' as never });
    } catch (e) {
      thrown = e;
    }
    check(
      thrown instanceof fl.DTypeError,
      `tensor(…, { dtype: 'float16' }) must throw DTypeError, got ${String(thrown)}`,
    );
  }),
];

export function errorCases(): Case[] {
  return [...deviceCases(), ...disposedCases(), ...misc];
}
