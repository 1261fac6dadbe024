/**
 * Runs every Flint snippet of the comparison pages (docs/guide/pytorch.md, docs/guide/tfjs.md)
 * on the CPU backend: each table cell and each training-loop block, after the page's own setup.
 * A snippet passes when it runs without throwing; tensors it returns are read back, so errors of
 * deferred work surface too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { cellsOf, compile, extract } from './snippets.js';

const page = (p: string) =>
  readFileSync(fileURLToPath(new URL(`../../../docs/${p}`, import.meta.url)), 'utf8');

/** Reads back what a snippet returned (tensors, arrays and records of them). */
function settle(v: unknown): void {
  if (v instanceof fl.Tensor) v.dataSync();
  else if (Array.isArray(v)) v.forEach(settle);
  else if (v && typeof v === 'object' && !ArrayBuffer.isView(v))
    Object.values(v as object).forEach(settle);
}

// The pages' setups register the CPU backend (`fl.use(cpuBackend())`); a device name registers once.
fl.use(cpuBackend());
const USE = /^fl\.use\(cpuBackend\(\)\);$/m;

for (const file of ['guide/pytorch.md', 'guide/tfjs.md']) {
  describe(file, () => {
    const snippets = extract(page(file));
    // Console output of the loops is not the point here; keep the test log readable.
    const quiet = { ...console, log: () => {} };
    const setupOnce = (() => {
      let fns: (() => Promise<unknown>)[] | null = null;
      return async () => {
        if (!fns) {
          expect(snippets.setup).toMatch(USE);
          snippets.setup = snippets.setup.replace(USE, '');
          const make = compile(snippets, ['fl', 'cpuBackend', 'console']) as unknown as (
            ...a: unknown[]
          ) => () => Promise<(() => Promise<unknown>)[]>;
          fns = await make(fl, cpuBackend, quiet)();
        }
        return fns;
      };
    })();

    it('has snippets and a setup', () => {
      expect(snippets.snippets.length).toBeGreaterThan(10);
    });

    snippets.snippets.forEach((s, i) => {
      it(`${s.where}: ${s.code.split('\n')[0]!.slice(0, 80)}`, async () => {
        const fns = await setupOnce();
        settle(await fns[i]!());
      });
    });
  });
}

describe('the snippet extractor', () => {
  it('splits cells on pipes outside code spans', () => {
    expect(cellsOf('| `a \\| b` | `x.sum(1, true)` or `y` |')).toEqual([
      '`a | b`',
      '`x.sum(1, true)` or `y`',
    ]);
  });

  it('runs only the Flint column, skips remarks in parentheses, and reports failures', async () => {
    const page = extract(
      [
        '<!-- flint:setup -->',
        '```ts',
        'const x = fl.randn([4, 3]);',
        '```',
        '| PyTorch | Flint |',
        '| -- | -- |',
        '| `torch.bad()` | `x.reshape(5, 5)` |',
        '| `b` | `fl.nonexistent(x)` |',
        '| `c` | `x.sum(1).shape` (`[4]`) |',
      ].join('\n'),
    );
    expect(page.snippets.map((s) => s.code)).toEqual([
      'x.reshape(5, 5)',
      'fl.nonexistent(x)',
      'x.sum(1).shape',
    ]);
    const make = compile(page, ['fl']) as unknown as (f: unknown) => () => Promise<Run[]>;
    const fns = await make(fl)();
    await expect(fns[0]!()).rejects.toThrow(/reshape/);
    await expect(fns[1]!()).rejects.toThrow(/nonexistent/);
    expect(await fns[2]!()).toEqual([4]);
  });
});

type Run = () => Promise<unknown>;
