/**
 * Bundles the page: the backend module under test (and the oracle's) plus the suite's browser
 * entry, with esbuild's browser defaults (`browser` export condition, no Node built-ins).
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface BundleOptions {
  /** Absolute path (or package name) of the backend module; TypeScript sources are fine. */
  module: string;
  oracle?: string;
  /** Folder the module names resolve from (the calling package). */
  resolveDir: string;
}

const PAGE_ENTRY = fileURLToPath(new URL('./page.js', import.meta.url));

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * The page's JavaScript. A Node built-in reachable from the browser entries is a build error
 * naming the module that imports it (core's browser entry imports none).
 */
export async function bundlePage(o: BundleOptions): Promise<string> {
  const esbuild = await import('esbuild');
  const lines = [
    `import * as mod from ${JSON.stringify(o.module)};`,
    o.oracle ? `import * as oracle from ${JSON.stringify(o.oracle)};` : 'const oracle = undefined;',
    `import { runInPage } from ${JSON.stringify(PAGE_ENTRY)};`,
    'globalThis.__flintConformance = (req) => runInPage(mod, oracle, req);',
  ];
  const result = await esbuild.build({
    stdin: { contents: lines.join('\n'), resolveDir: o.resolveDir, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
            BUILTINS.has(args.path) || BUILTINS.has(args.path.replace(/\/.*$/, ''))
              ? { errors: [{ text: `Node built-in '${args.path}' imported by ${args.importer}` }] }
              : undefined,
          );
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}
