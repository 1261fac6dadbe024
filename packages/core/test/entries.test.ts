/**
 * The two entries of @flint/core and what tells them apart: package.json serves node.ts under
 * the `node` condition (and as `@flint/core/node`) and index.ts to browsers and everything else;
 * the Node entry's `fl.data` adds the file and folder loaders and is otherwise the same module
 * graph. Also `Model.fit`'s progress outside a terminal: one console line per epoch.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as node from '../src/node.js';
import * as portable from '../src/index.js';
import { createProgress, epochLines } from '../src/train/progress.js';
import { cpuBackend } from '@flint/backend-cpu';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, Record<string, unknown>>;
  imports: Record<string, Record<string, unknown>>;
  sideEffects: unknown;
};
const NODE_ONLY = [
  'DICT_WORDS',
  'FASHION_MNIST_DIR',
  'fashionMnist',
  'loadIdx',
  'loadWords',
  'mnist',
];

describe('package.json', () => {
  it('serves the Node entry under `node`, the portable one to browsers and by default', () => {
    const main = pkg.exports['.']!;
    const types = (c: string) => (main[c] as Record<string, string>).types;
    expect(Object.keys(main)).toEqual(['browser', 'node', 'default']);
    expect([types('browser'), types('node'), types('default')]).toEqual([
      './dist/index.d.ts',
      './dist/node.d.ts',
      './dist/index.d.ts',
    ]);
    expect(pkg.exports['./node']).toEqual(main.node);
    // types first in every entry, as TypeScript requires
    for (const e of [main.browser, main.node, main.default, pkg.exports['./backend']])
      expect(Object.keys(e as object)[0]).toBe('types');
    expect(pkg.imports['#platform']).toEqual({
      browser: './dist/platform/web.js',
      node: './dist/platform/node.js',
      default: './dist/platform/web.js',
    });
    expect(pkg.sideEffects).toBe(false);
  });
});

describe('the entries', () => {
  it('the Node entry is the portable one plus the file and folder loaders of fl.data', () => {
    expect(Object.keys(node).sort()).toEqual(Object.keys(portable).sort());
    for (const k of Object.keys(portable))
      if (k !== 'data')
        expect(node[k as keyof typeof node], k).toBe(portable[k as keyof typeof portable]);
    const extra = Object.keys(node.data).filter((k) => !(k in portable.data));
    expect(extra.sort()).toEqual(NODE_ONLY);
    for (const [k, v] of Object.entries(portable.data))
      expect(node.data[k as keyof typeof node.data], k).toBe(v);
  });
});

describe('Model.fit progress outside a terminal', () => {
  const backend = cpuBackend({ name: 'cpu' });
  beforeAll(() => node.use(backend));
  afterAll(() => node.removeBackend(backend.name));

  it('one line per epoch, with batches, logs, throughput and time', () => {
    const lines: string[] = [];
    const p = epochLines((l) => lines.push(l));
    p.start(0, 2, 3);
    p.update(1, { loss: 1 }, 10);
    p.update(3, { loss: 0.5 }, 12.4);
    p.stop({ loss: 0.5, accuracy: 0.25 });
    p.start(1, 2, 0); // a generator of batches has no length
    p.update(2, { loss: 0.00001 }, 7);
    p.stop({ loss: 0.00001 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^Epoch 1\/2: 3\/3 batches \| loss 0\.5000 {2}accuracy 0\.2500 \| 12 samples\/s \| \d+\.\d s$/,
    );
    expect(lines[1]).toMatch(
      /^Epoch 2\/2: 2 batches \| loss 1\.00e-5 \| 7 samples\/s \| \d+\.\d s$/,
    );
  });

  it('fit logs to the console when stdout is not a TTY; verbose 0 stays silent', async () => {
    expect(process.stdout.isTTY).not.toBe(true); // vitest's workers write to a pipe
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const quiet = await createProgress(0);
      quiet.start(0, 1, 1);
      quiet.stop({ loss: 1 });
      expect(log).not.toHaveBeenCalled();
      const model = new node.nn.Sequential(new node.nn.Linear(2, 1));
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      const [x, y] = [node.ones([4, 2]), node.zeros([4, 1])];
      await model.fit(x, y, { epochs: 3, batchSize: 2 });
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/^Epoch 1\/3: 2\/2 batches \| loss /),
        expect.stringMatching(/^Epoch 2\/3: 2\/2 batches \| loss /),
        expect.stringMatching(/^Epoch 3\/3: 2\/2 batches \| loss /),
      ]);
      for (const t of [x, y, ...model.parameters()]) t.dispose();
    } finally {
      log.mockRestore();
    }
  });
});
