/**
 * The site's live parts in Node, without a browser: runnable blocks (compiled by
 * docs/.vitepress/runnable.mts, run by theme/run.ts), the changelog generator, and the model
 * page's safetensors summary (theme/model.ts). test/site.test.ts checks them in Chromium.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compileSnippet, runnableInfo } from '../../../docs/.vitepress/runnable.mjs';
import {
  changelogMarkdown,
  parseChangeset,
  pendingMarkdown,
} from '../../../docs/.vitepress/changelog.mjs';
import { runSnippet } from '../../../docs/.vitepress/theme/run.js';
import { cnnMismatch, openModel } from '../../../docs/.vitepress/theme/model.js';
import { loadFlint } from '../../../docs/.vitepress/theme/flint.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Compiles and runs a block as the page does; the output as text. */
async function run(code: string): Promise<{ text: string; error: string | null }> {
  const js = compileSnippet(ts, code, 'test.md:1');
  const r = await runSnippet(Buffer.from(js).toString('base64'), 'cpu');
  return { text: r.lines.map((l) => `${l.kind}: ${l.text}`).join('\n'), error: r.error };
}

describe('runnable blocks', () => {
  it('recognises `run` among the info words', () => {
    expect(runnableInfo('ts run')).toBe('ts');
    expect(runnableInfo('ts run throws {2}')).toBe('ts throws {2}');
    expect(runnableInfo('typescript fragment run')).toBe('typescript fragment');
    expect(runnableInfo('ts')).toBeNull();
    expect(runnableInfo('sh run')).toBeNull();
    expect(runnableInfo('ts running')).toBeNull();
  });

  it('refuses a block that does not parse, naming page and line', () => {
    expect(() => compileSnippet(ts, 'const x = ;\n', 'guide/x.md:12')).toThrow(
      /guide\/x\.md:12: the runnable block does not parse \(its line 1\): Expression expected/,
    );
  });

  it('prints logs, tensors and the last value; imports resolve to the page modules', async () => {
    const r = await run(
      [
        "import * as fl from '@flint/core';",
        "import { cpuBackend } from '@flint/backend-cpu';",
        'fl.use(cpuBackend());',
        'const t: fl.Tensor = fl.tensor([1, 2.5]);',
        "console.log('t is', t, { n: 1, s: 'a', xs: [1, 2] });",
        't.print();',
        'const { nn } = fl;',
        'new nn.Linear(2, 3).weight.shape;',
      ].join('\n'),
    );
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      [
        "log: t is tensor([1.0000, 2.5000], shape=[2], dtype=float32, device=cpu) { n: 1, s: 'a', xs: [1, 2] }",
        'log: tensor([1.0000, 2.5000], shape=[2], dtype=float32, device=cpu)',
        'result: [3, 2]',
      ].join('\n'),
    );
  });

  it('shows a thrown error as text, after what was printed before it', async () => {
    const r = await run("console.log('before');\nfl.zeros([2, 3]).reshape([4]);\n");
    expect(r.text).toBe('log: before');
    expect(r.error).toMatch(/^ShapeError: .*reshape/);
    const bad = await run("import pad from 'left-pad';\nconsole.log(pad);\n");
    expect(bad.error).toMatch(/can import @flint\/core, @flint\/backend-cpu, not 'left-pad'/);
  });

  it('top-level await and `nn` work; the global console is restored', async () => {
    const log = console.log;
    const r = await run('const b = await fl.save({ w: fl.ones([2]) });\nb.byteLength > 0;');
    expect(r).toEqual({ text: 'result: true', error: null });
    expect(console.log).toBe(log);
  });
});

describe('changelog', () => {
  it('reads changesets and groups them by their largest bump', () => {
    const a = parseChangeset('a-fix', "---\n'@flint/core': patch\n---\n\nFixed `x`.\n");
    const b = parseChangeset(
      'b-feature',
      '---\n\'@flint/core\': patch\n"@flint/backend-cpu": minor\n---\n\n## Heading\nNew.\n',
    );
    expect(b.releases).toEqual([
      ['@flint/core', 'patch'],
      ['@flint/backend-cpu', 'minor'],
    ]);
    const md = pendingMarkdown([a, b]);
    expect(md.indexOf('### Minor changes')).toBeLessThan(md.indexOf('### Patch changes'));
    expect(md).toContain(
      '#### b feature\n\nPackages: `@flint/core` (patch), `@flint/backend-cpu` (minor).',
    );
    expect(md).toContain('##### Heading'); // below the entry's own heading
    expect(() => parseChangeset('bad', 'no front matter')).toThrow(/bad\.md: no front matter/);
  });

  it('renders the pending changesets and released changelogs of a repository', () => {
    const root = mkdtempSync(join(tmpdir(), 'flint-changelog-'));
    mkdirSync(join(root, '.changeset'));
    mkdirSync(join(root, 'packages', 'core'), { recursive: true });
    writeFileSync(join(root, '.changeset', 'README.md'), '# Changesets\n');
    writeFileSync(join(root, '.changeset', 'one.md'), "---\n'@flint/core': minor\n---\n\nAdded.\n");
    writeFileSync(join(root, 'packages', 'core', 'package.json'), '{"name":"@flint/core"}');
    writeFileSync(
      join(root, 'packages', 'core', 'CHANGELOG.md'),
      '# @flint/core\n\n## 0.1.0\n\n### Minor Changes\n\n- abc: First.\n',
    );
    const md = changelogMarkdown(root);
    expect(md).toContain('## Unreleased\n\n### Minor changes\n\n#### one');
    expect(md).toContain('## Released\n\n### `@flint/core`\n\n#### 0.1.0\n\n##### Minor Changes');
    expect(md).not.toContain('# Changesets');
  });
});

describe('model page', () => {
  it('summarises a file written by the reference Python library', async () => {
    const bytes = readFileSync(here('../fixtures/reference-dtypes.safetensors'));
    const want = JSON.parse(readFileSync(here('../fixtures/reference-dtypes.json'), 'utf8'));
    const m = await openModel(new Blob([bytes]), 'reference-dtypes.safetensors');
    expect(m.metadata).toEqual(want.metadata);
    for (const r of m.rows) {
      const w = want.tensors[r.name];
      expect([r.name, r.shape, r.bytes]).toEqual([r.name, w.shape, w.bytes]);
      for (const k of ['min', 'max', 'mean', 'std'] as const)
        if (w[k] === null) expect(r[k], `${r.name}.${k}`).toBeNull();
        else
          expect(Math.abs(r[k]! - w[k]), `${r.name}.${k}`).toBeLessThan(
            1e-9 * Math.max(1, Math.abs(w[k])),
          );
    }
    expect(m.rows.find((r) => r.name === 'f16.half')).toMatchObject({
      fileDtype: 'F16',
      dtype: 'float32',
    });
    const { fl } = await loadFlint();
    expect(cnnMismatch(fl, m.tensors)).toMatch(/not the examples' CNN/);
    const cnn = await openModel(
      new Blob([readFileSync(here('../fixtures/reference-cnn.safetensors'))]),
      'cnn',
    );
    expect(cnnMismatch(fl, cnn.tensors)).toBeNull();
    for (const t of [...Object.values(m.tensors), ...Object.values(cnn.tensors)]) t.dispose();
  });
});
