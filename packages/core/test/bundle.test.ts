/**
 * The browser entry (DESIGN §10): @flint/core and @flint/backend-cpu bundled by esbuild with its
 * default browser settings (platform 'browser', no externals, minified) must contain no Node
 * built-in and none of core's Node-only modules, and the bundle must run a small program (train,
 * save to bytes, load from a Blob, a Response and a fetched URL, parse gzipped IDX) in a V8
 * context that has the web platform's globals and none of Node's.
 *
 * Packages resolve as a bundler resolves them, through package.json `exports`/`imports` and the
 * browser conditions; only the last step maps a `dist/*.js` target to its `src/*.ts`, so the test
 * needs no build and always sees the current sources.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const ROOTS: Record<string, string> = {
  '@flint/core': join(PACKAGES, 'core'),
  '@flint/backend-cpu': join(PACKAGES, 'backend-cpu'),
};
/** esbuild's conditions for platform 'browser' and an ESM import. */
const CONDITIONS = ['browser', 'import', 'module', 'default'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Core modules that only Node's side of `#platform` (or the Node entry) may reach. */
const NODE_ONLY = [
  'core/src/platform/node.ts',
  'core/src/platform/terminal.ts',
  'core/src/io/files.ts',
  'core/src/io/paths.ts',
  'core/src/data/vision.ts',
  'core/src/node.ts',
  'cli-progress',
];
/** Node's globals: the bundle must not read any of them, not even to feature-test. */
const NODE_GLOBALS = [
  'process',
  'Buffer',
  'require',
  'module',
  'global',
  'setImmediate',
  '__dirname',
  '__filename',
];

/** Node's PACKAGE_TARGET_RESOLVE, reduced to what package.json maps hold: strings and conditions. */
function pick(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return null;
  for (const [cond, sub] of Object.entries(target))
    if (CONDITIONS.includes(cond)) {
      const hit = pick(sub);
      if (hit !== null) return hit;
    }
  return null;
}

function pkgJson(root: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as never;
}

/** A package's `./dist/x.js` target as the source it is compiled from. */
function toSource(root: string, target: string): string {
  const m = /^\.\/dist\/(.+)\.js$/.exec(target);
  if (!m) throw new Error(`unexpected target ${target} in ${root}/package.json`);
  return join(root, 'src', `${m[1]}.ts`);
}

/** Resolves workspace packages (and core's `#platform`) through their maps; records built-ins. */
function workspace(builtins: string[]): Plugin {
  return {
    name: 'flint-workspace',
    setup(b) {
      b.onResolve({ filter: /^(@flint\/[\w-]+)(\/.*)?$/ }, (args) => {
        const [, name, sub] = /^(@flint\/[\w-]+)(\/.*)?$/.exec(args.path)!;
        const root = ROOTS[name!];
        if (!root) return { errors: [{ text: `unknown workspace package ${args.path}` }] };
        const target = pick(pkgJson(root).exports![sub ? `.${sub}` : '.']);
        if (!target)
          return { errors: [{ text: `${args.path}: no export for the browser conditions` }] };
        return { path: toSource(root, target) };
      });
      b.onResolve({ filter: /^#/ }, (args) => {
        const root = Object.values(ROOTS).find((r) => args.importer.startsWith(join(r, 'src')));
        const target = root && pick(pkgJson(root).imports?.[args.path]);
        if (!target)
          return { errors: [{ text: `${args.path}: no import for the browser conditions` }] };
        return { path: toSource(root, target) };
      });
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!BUILTINS.has(args.path)) return undefined;
        builtins.push(`${args.path} (imported by ${relative(PACKAGES, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** The program the bundle runs: the same text would run in a page. */
const PROGRAM = `
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

globalThis.__result = (async () => {
  fl.use(cpuBackend());
  fl.manualSeed(0);
  const model = new fl.nn.Sequential(new fl.nn.Linear(2, 1));
  model.compile({ optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }), loss: 'mse' });
  const x = fl.tensor([[0, 1], [1, 0], [1, 1], [2, 1], [0, 2], [1, 2]]);
  const y = fl.tensor([[-1], [2], [1], [3], [-2], [0]]); // y = 2 x0 - x1
  const history = await model.fit(x, y, { epochs: 200, batchSize: 6 });
  const bytes = await fl.save(model);
  const fromBlob = await fl.load(new Blob([bytes]));
  const fromResponse = await fl.load(new Response(bytes));
  const fromStream = await fl.load(new Blob([bytes]).stream());
  globalThis.__served = bytes;
  const fromUrl = await fl.io.loadWithMetadata('weights/model.safetensors');
  const noPath = await fl.save(model, 'model.safetensors').then(() => 'saved', (e) => e.name + ': ' + e.message);
  const idx = await fl.data.parseIdx(new Uint8Array(globalThis.__gzIdx));
  return {
    lastLoss: history.history.loss.at(-1),
    weight: fromBlob['0.weight'].toArray(),
    sameResponse: fromResponse['0.bias'].toArray(),
    sameStream: fromStream['0.bias'].toArray(),
    fromUrl: Object.keys(fromUrl.tensors).sort(),
    fetched: globalThis.__fetched,
    noPath,
    idx: { shape: idx.shape, dtype: idx.dtype, data: Array.from(idx.data) },
    nodeOnly: ['fashionMnist', 'mnist', 'loadIdx', 'loadWords'].filter((k) => k in fl.data),
    printed: String(model),
  };
})();
`;

/** `define` renames free references to Node's globals to markers the first test looks for. */
const MARKERS = Object.fromEntries(NODE_GLOBALS.map((g) => [g, `__flint_node_global_${g}`]));

async function bundle(mark = false, contents = PROGRAM) {
  const builtins: string[] = [];
  const out = await build({
    stdin: { contents, resolveDir: PACKAGES, sourcefile: 'program.js', loader: 'js' },
    absWorkingDir: PACKAGES,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    define: mark ? MARKERS : {},
    plugins: [workspace(builtins)],
  });
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs), builtins };
}

/** A context with the web platform's globals (Node's implementations) and traps on Node's. */
function browserLikeContext(logs: string[], touched: Set<string>) {
  const ctx: Record<string, unknown> = {
    console: { log: (...a: unknown[]) => logs.push(a.join(' ')), warn: () => {}, error: () => {} },
    fetch: (url: unknown) => {
      ctx.__fetched = String(url);
      return Promise.resolve(new Response(ctx.__served as Uint8Array));
    },
    __gzIdx: Array.from(
      gzipSync(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255])),
    ),
  };
  for (const k of [
    'Blob',
    'Response',
    'Request',
    'Headers',
    'ReadableStream',
    'DecompressionStream',
    'TextEncoder',
    'TextDecoder',
    'URL',
    'performance',
    'setTimeout',
    'clearTimeout',
    'queueMicrotask',
    'structuredClone',
    'crypto',
  ])
    ctx[k] = (globalThis as Record<string, unknown>)[k];
  for (const k of NODE_GLOBALS)
    Object.defineProperty(ctx, k, {
      get: () => {
        touched.add(k);
        return undefined;
      },
    });
  return ctx;
}

describe('the browser bundle of @flint/core and @flint/backend-cpu', () => {
  it('contains no Node built-in, no Node-only module, and reads no Node global', async () => {
    const { code, inputs, builtins } = await bundle(true);
    expect(builtins).toEqual([]);
    expect(inputs.filter((f) => NODE_ONLY.some((n) => f.includes(n)))).toEqual([]);
    expect(inputs.some((f) => f.includes('core/src/io/sources.ts'))).toBe(true);
    // Each free reference to a Node global was renamed to a marker (property keys and strings
    // that merely spell one are not references, so they are not).
    const free = [...new Set([...code.matchAll(/__flint_node_global_(\w+)/g)].map((m) => m[1]))];
    expect(free).toEqual([]);
    expect(pkgJson(ROOTS['@flint/core']!).sideEffects).toBe(false);
  });

  it('catches Node code: the Node entry bundled for a browser trips both checks', async () => {
    const { inputs, builtins } = await bundle(true, "export * from '@flint/core/node';");
    expect(
      builtins.some((b) => b.startsWith('node:fs/promises (imported by core/src/data/vision.ts')),
    ).toBe(true);
    expect(inputs.filter((f) => NODE_ONLY.some((n) => f.includes(n)))).toContain(
      'core/src/node.ts',
    );
  });

  it('runs: trains, saves bytes, loads a Blob, a Response and a URL, parses gzipped IDX', async () => {
    const { code } = await bundle();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      `browser bundle: ${kb(code.length)} minified, ${kb(gzipSync(code).length)} min+gzip`,
    );
    const logs: string[] = [];
    const touched = new Set<string>();
    const ctx = browserLikeContext(logs, touched);
    runInNewContext(code, ctx, { filename: 'flint-browser-bundle.js' });
    const r = (await ctx.__result) as Record<string, unknown>;
    expect(r.lastLoss as number).toBeLessThan(1e-3);
    const [[w0, w1]] = r.weight as number[][];
    expect(w0).toBeCloseTo(2, 1);
    expect(w1).toBeCloseTo(-1, 1);
    expect(r.sameResponse).toEqual(r.sameStream);
    expect((r.sameResponse as number[])[0]).toBeCloseTo(0, 1);
    expect(r.fromUrl).toEqual(['0.bias', '0.weight']);
    expect(r.fetched).toBe('weights/model.safetensors');
    expect(r.noPath).toMatch(
      /^IOError: fl\.save: this runtime has no file system .*leave the path out/,
    );
    expect(r.idx).toEqual({ shape: [2, 3], dtype: 'uint8', data: [1, 2, 3, 4, 5, 255] });
    expect(r.nodeOnly).toEqual([]);
    // the minifier renames classes; layers are still printed by their fl.nn names
    expect(r.printed).toMatch(/^Sequential\(\n {2}\(0\): Linear\(/);
    // Model.fit outside a terminal: one console line per epoch
    expect(logs).toHaveLength(200);
    expect(logs[0]).toMatch(
      /^Epoch 1\/200: 1\/1 batches \| loss \d+\.\d{4} \| \d+ samples\/s \| \d+\.\d s$/,
    );
    expect([...touched]).toEqual([]);
  });
});
