/**
 * Measures the training loop of docs/guide/training.md (784-128-64-10 MLP, Adam, cross entropy,
 * batches of 32) written WITHOUT fl.tidy, as a PyTorch user would write it:
 *   node scripts/forgotten-tidy.mjs [cpu|native] [steps] [every] [tidy]
 * With `tidy` last, each step runs in fl.tidy (the guide's loop as written), for comparison.
 * Prints live tensors, fl.memory().bytes and the process RSS every `every` steps, and the growth
 * per step. Used for the before/after figures in docs/guide/memory.md.
 */
import * as fl from '@flint/core';

const device = process.argv[2] ?? 'cpu';
const steps = Number(process.argv[3] ?? 5000);
const every = Number(process.argv[4] ?? 1000);
const withTidy = process.argv[5] === 'tidy';
if (device === 'native') fl.use((await import('@flint/backend-native')).nativeBackend());
else fl.use((await import('@flint/backend-cpu')).cpuBackend());
fl.manualSeed(0);
const { nn } = fl;

class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  fc2 = new nn.Linear(128, 64);
  fc3 = new nn.Linear(64, 10);
  forward(x) {
    const h = x.flatten(1);
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(h).relu()).relu());
  }
}
const model = new MLP();
const optimizer = new fl.optim.Adam(model.parameters(), { lr: 1e-3 });
const criterion = new nn.CrossEntropyLoss();
const xb = fl.keep(fl.rand([32, 1, 28, 28]));
const yb = fl.keep(fl.randint(0, 10, [32]));

let stepNow = 0;
const warnings = [];
const warn = console.warn;
console.warn = (...a) => {
  warnings.push({ step: stepNow, message: a.join(' ') });
};
const row = (step) => {
  const m = fl.memory();
  return { step, tensors: m.tensors, bytes: m.bytes, rss: process.memoryUsage().rss };
};
const rows = [row(0)];
const t0 = performance.now();
let last = 0;
for (let step = 1; step <= steps; step++) {
  stepNow = step;
  const train = () => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(xb), yb);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  last = withTidy ? fl.tidy(train) : train();
  if (step % every === 0) rows.push(row(step));
}
const ms = (performance.now() - t0) / steps;
console.log(
  `device ${device}, ${withTidy ? 'tidy per step' : 'no tidy'}, ${steps} steps, ` +
    `${ms.toFixed(2)} ms/step, last loss ${last.toFixed(4)}`,
);
console.log('step\ttensors\tbytes\trss(MB)');
for (const r of rows)
  console.log(`${r.step}\t${r.tensors}\t${r.bytes}\t${(r.rss / 2 ** 20).toFixed(1)}`);
const a = rows[1];
const b = rows[rows.length - 1];
const n = b.step - a.step;
if (n > 0)
  console.log(
    `growth per step after step ${a.step}: ${((b.tensors - a.tensors) / n).toFixed(2)} tensors, ` +
      `${((b.bytes - a.bytes) / n).toFixed(0)} bytes, ${((b.rss - a.rss) / n / 1024).toFixed(1)} KB RSS`,
  );
console.warn = warn;
console.log(`warnings: ${warnings.length}`);
for (const w of warnings) console.log(`  at step ${w.step}: ${w.message}`);
