/**
 * The smallest example: a 2-8-1 network learns XOR with autograd and plain SGD written in a few
 * lines of tensor code (no nn, no optim), on the CPU backend.
 *
 * Run: pnpm --filter @flint/examples xor
 */
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

fl.use(cpuBackend());
fl.manualSeed(0);

const x = fl.tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const y = fl.tensor([[0], [1], [1], [0]]);

// Parameters are leaves that require grad; `keep` exempts them from the per-step tidy scopes.
const params = {
  w1: fl.keep(fl.randn([2, 8]).mul(0.8).requiresGrad_()),
  b1: fl.keep(fl.zeros([8], { requiresGrad: true })),
  w2: fl.keep(fl.randn([8, 1]).mul(0.8).requiresGrad_()),
  b2: fl.keep(fl.zeros([1], { requiresGrad: true })),
};

const forward = (input: fl.Tensor) =>
  input.matmul(params.w1).add(params.b1).tanh().matmul(params.w2).add(params.b2).sigmoid();

const lr = 1.0;
const steps = 2000;
const start = fl.memory();
for (let step = 0; step <= steps; step++) {
  const loss = fl.tidy(() => {
    const p = forward(x);
    // Binary cross-entropy, clamped away from log(0).
    const eps = 1e-7;
    const l = y
      .mul(p.clamp(eps, 1).log())
      .add(y.neg().add(1).mul(p.neg().add(1).clamp(eps, 1).log()))
      .mean()
      .neg();
    l.backward();
    fl.noGrad(() => {
      for (const [name, w] of Object.entries(params) as [keyof typeof params, fl.Tensor][]) {
        const next = fl.keep(w.sub(w.grad!.mul(lr)).requiresGrad_());
        w.dispose();
        params[name] = next;
      }
    });
    return l.item();
  });
  if (step % 250 === 0) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(5)}`);
}

const pred = fl.tidy(() => forward(x).toArray() as number[][]);
console.log('predictions:', pred.map((r) => r[0]!.toFixed(3)).join(' '), '(targets 0 1 1 0)');
const correct = pred.filter((r, i) => Math.round(r[0]!) === [0, 1, 1, 0][i]).length;
console.log(`accuracy: ${correct}/4`);
const end = fl.memory();
console.log(`live tensors before/after training: ${start.tensors}/${end.tensors}`);
if (correct !== 4) process.exitCode = 1;
