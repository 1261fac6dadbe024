/**
 * Every TypeScript code block of the docs (docs/**, not the generated API, and the READMEs) is
 * type-checked against the built packages and run in Node on the CPU backend; where the page shows
 * the output (a ```text block right after), the printed output must match. Conventions: the header
 * of snippets-blocks.ts and apps/docs/README.md. The comparison pages' table cells are type-checked
 * here too (snippets.test.ts runs them).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '@flint/backend-native';
import {
  blockOutput,
  blocksOf,
  compose,
  modeOf,
  outputMatches,
  programsOf,
  type Program,
} from './snippets-blocks.js';
import {
  CACHE,
  pages,
  prepare,
  ROOT,
  runAll,
  typeCheck,
  type Prepared,
  type Run,
} from './snippets-run.js';
import { extract } from './snippets.js';

const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The comparison pages' Flint table cells, one program per page, each cell in its own scope. */
function cellPrograms(page: string): Program[] {
  const { setup, snippets } = extract(read(page));
  const setupLine = blocksOf(read(page)).find((b) => b.setup)!.line;
  const cells = snippets.filter((s) => !s.where.includes('block'));
  const pieces = [
    { code: setup, line: setupLine },
    ...cells.map((s) => ({ code: `{\n${s.code};\n}`, line: Number(/\d+/.exec(s.where)![0]) - 1 })),
  ];
  const block = { ...blocksOf(read(page))[0]!, line: 0, output: null };
  return [{ page: `${page} (table cells)`, block, chain: null, pieces, mode: 'node' }];
}

/**
 * Fashion-MNIST cut to its first images, as IDX files in a directory for `$FLINT_DATA`: the
 * training pages' blocks run on it in seconds (the data's format and code path are the real ones).
 */
function fashionSubset(nTrain: number, nTest: number): string {
  const src = '/usr/share/datasets/fashion-mnist';
  if (!existsSync(src))
    throw new Error(
      `${src} is missing: the training pages' blocks need the Debian package dataset-fashion-mnist ` +
        '(scripts/bootstrap.sh installs it)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'flint-fashion-'));
  for (const [prefix, n] of [
    ['train', nTrain],
    ['t10k', nTest],
  ] as const)
    for (const [kind, idx, item] of [
      ['images', 'idx3', 28 * 28],
      ['labels', 'idx1', 1],
    ] as const) {
      const name = `${prefix}-${kind}-${idx}-ubyte`;
      const all = gunzipSync(readFileSync(`${src}/${name}.gz`));
      const header = 4 + 4 * all[3]!;
      const out = Buffer.from(all.subarray(0, header + n * item));
      out.writeUInt32BE(n, 4); // the first dimension: the number of items
      writeFileSync(join(dir, name), out);
    }
  return dir;
}

const programs = pages().flatMap((page) => programsOf(page, read(page)));
const cells = ['docs/guide/pytorch.md', 'docs/guide/tfjs.md'].flatMap(cellPrograms);
const fragments = pages().flatMap((page) =>
  blocksOf(read(page)).filter((b) => modeOf(b) === 'fragment'),
);
const native = nativeAvailable();
const uses = (p: Program, pkg: string) => p.pieces.some((x) => x.code.includes(`'${pkg}'`));
const runnable = (p: Program) =>
  p.mode === 'node' && (native.ok || !uses(p, '@flint/backend-native'));

let prepared: Prepared[] = [];
let errors = new Map<string, string[]>();
let runs = new Map<string, Run>();
let took = { check: 0, run: 0 };
let data = '';

describe('doc code blocks', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    prepared = prepare([...programs, ...cells]);
    errors = typeCheck(prepared);
    const t1 = Date.now();
    data = fashionSubset(320, 100);
    const env = { FLINT_DATA: data };
    runs = await runAll(
      prepared.filter((p) => !cells.includes(p.program) && runnable(p.program)),
      env,
    );
    took = { check: t1 - t0, run: Date.now() - t1 };
  }, 600_000);

  const slowest = () =>
    prepared
      .filter((p) => runs.has(p.file))
      .sort((a, b) => runs.get(b.file)!.ms - runs.get(a.file)!.ms)
      .slice(0, 6)
      .map((p) => `${p.program.page}:${p.program.block.line} ${runs.get(p.file)!.ms} ms`)
      .join(', ');

  afterAll(() => {
    if (data) rmSync(data, { recursive: true, force: true });
    const ran = [...runs.values()];
    console.log(
      `doc blocks: ${programs.length} type-checked (+${cells.length} table-cell programs), ` +
        `${ran.length} run in Node, ${programs.filter((p) => p.mode === 'browser').length} browser-only, ` +
        `${fragments.length} fragments; type-check ${took.check} ms, runs ${took.run} ms ` +
        `(slowest: ${slowest()})`,
    );
  });

  it('finds the blocks of every page', () => {
    expect(programs.length).toBeGreaterThan(40);
  });

  for (const p of [...programs, ...cells]) {
    const name = `${p.page}:${p.block.line} ${p.mode === 'browser' ? '(browser, type-checked)' : ''}`;
    const skip = !cells.includes(p) && p.mode === 'node' && !runnable(p);
    it.skipIf(skip)(name, () => {
      const prep = prepared.find((x) => x.program === p)!;
      expect(errors.get(prep.file)!.join('\n'), 'type errors').toBe('');
      const run = runs.get(prep.file);
      if (!run) return;
      const tail = (s: string) => s.slice(-3000);
      expect(run.code, `exit code; stderr:\n${tail(run.stderr)}`).toBe(0);
      if (p.block.output !== null)
        expect(
          outputMatches(p.block.output, blockOutput(run.stdout)),
          `printed:\n${tail(blockOutput(run.stdout))}`,
        ).toBe(true);
    });
  }
});

describe('the block extractor', () => {
  const page = [
    '<!-- flint:setup -->',
    '',
    '```ts',
    'const x = fl.randn([2, 3]);',
    '```',
    '```ts fragment',
    'x.foo(): Tensor',
    '```',
    '<!-- flint:given',
    'const y = x.clone();',
    '-->',
    '```ts',
    'console.log(y.shape);',
    '```',
    '',
    '```text',
    '[ 2, 3 ]',
    '```',
    '<!-- flint:continue -->',
    '```ts browser',
    'document.title = String(y.sum().item());',
    '```',
  ].join('\n');

  it('reads markers, modes and outputs', () => {
    const blocks = blocksOf(page);
    expect(blocks.map(modeOf)).toEqual(['node', 'fragment', 'node', 'browser']);
    expect(blocks[0]!.setup).toBe(true);
    expect(blocks[2]!.given).toEqual({ line: 10, code: 'const y = x.clone();' });
    expect(blocks[2]!.output).toBe('[ 2, 3 ]');
    expect(blocks[3]!.continues).toBe(true);
  });

  it('composes programs with imports first and page lines kept', () => {
    const [, second, third] = programsOf('p.md', page);
    const { source, lines } = compose(second!);
    expect(source.split('\n').slice(0, 3)).toEqual([
      "import * as fl from '@flint/core';",
      "import { cpuBackend } from '@flint/backend-cpu';",
      'fl.use(cpuBackend());',
    ]);
    expect(lines[source.split('\n').indexOf('console.log(y.shape);')]).toBe(13);
    expect(compose(third!).source).toContain('document.title');
    expect(compose(third!).source).not.toContain('cpuBackend'); // browser blocks: not run here
  });

  it('continues named chains and wraps throws blocks', () => {
    const chained = programsOf(
      'c.md',
      [
        '<!-- flint:name a -->',
        '```ts',
        'const a = 1;',
        '```',
        '```ts',
        'const b = 2;',
        '```',
        '<!-- flint:continue a -->',
        '```ts throws',
        'throw new Error(String(a));',
        '```',
      ].join('\n'),
    );
    expect(chained[2]!.pieces.map((p) => p.code)).toEqual([
      'const a = 1;',
      'throw new Error(String(a));',
    ]);
    expect(compose(chained[2]!).source).toMatch(
      /try \{\nthrow new Error\(String\(a\)\);\n\} catch/,
    );
  });

  it('reports a type error at the page line', () => {
    const [p] = programsOf(
      't.md',
      ['text', '', '```ts', 'const n: number = "one";', '```'].join('\n'),
    );
    const prepared = prepare([p!], join(CACHE, '..', 'flint-snippets-selftest'));
    const errors = typeCheck(prepared).get(prepared[0]!.file)!;
    expect(errors).toEqual(["t.md:4: TS2322: Type 'string' is not assignable to type 'number'."]);
  });

  it('matches output with … as a wildcard', () => {
    expect(outputMatches('a\n…\nd', 'a\nb\nc\nd\n')).toBe(true);
    expect(outputMatches('a\n…\nb', 'a\nb')).toBe(true);
    expect(outputMatches('loss 0.5 (…s)', 'loss 0.5 (12.8s)')).toBe(true);
    expect(outputMatches('loss 0.5', 'loss 0.6')).toBe(false);
    expect(outputMatches('a', 'a\nb')).toBe(false);
  });
});
