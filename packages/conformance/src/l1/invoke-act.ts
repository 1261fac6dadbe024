/**
 * The activation fixture `op`s (scripts/fixtures/activations.py) — the mirror of
 * scripts/fixtures/torch_ops_act.py; both read the same args object.
 */
import * as fl from '@flint/core';
import type { Args, Invoke } from './invoke.js';

const F = fl.nn.functional;
const opt = <T>(a: Args, k: string, d: T): T => (a[k] === undefined ? d : (a[k] as T));

export const ACT_INVOKE: Record<string, Invoke> = {
  selu: ([x]) => F.selu(x!),
  celu: ([x], a) => F.celu(x!, opt(a, 'alpha', 1)),
  softsign: ([x]) => F.softsign(x!),
  hardsigmoid: ([x]) => F.hardsigmoid(x!),
  hardswish: ([x]) => F.hardswish(x!),
  mish: ([x]) => F.mish(x!),
  prelu: ([x, w]) => F.prelu(x!, w!),
  hardtanh: ([x], a) => F.hardtanh(x!, opt(a, 'minVal', -1), opt(a, 'maxVal', 1)),
  relu6: ([x]) => F.relu6(x!),
  logsigmoid: ([x]) => F.logsigmoid(x!),
  softmin: ([x], a) => F.softmin(x!, a.dim as number),
  tanhshrink: ([x]) => F.tanhshrink(x!),
  hardshrink: ([x], a) => F.hardshrink(x!, opt(a, 'lambd', 0.5)),
  softshrink: ([x], a) => F.softshrink(x!, opt(a, 'lambd', 0.5)),
  threshold: ([x], a) => F.threshold(x!, a.threshold as number, a.value as number),
  glu: ([x], a) => F.glu(x!, opt(a, 'dim', -1)),
  rrelu: ([x], a) => F.rrelu(x!, opt(a, 'lower', 1 / 8), opt(a, 'upper', 1 / 3), false),
};
