/**
 * The publishable packages as a user gets them: `pnpm pack` each one, install the tarballs into a
 * scratch project outside the workspace (offline from pnpm's store where its metadata cache
 * allows, else resolving third-party dependencies from the registry), and use them there: a
 * training step on cpu and native (whose addon cmake-js compiles on install from the sources in
 * the tarball) and gpujs (gpu.js's WebAssembly mode in Node), the conformance CLI with its fixtures,
 * and every source map resolving.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFields, rootRepository } from '../../../scripts/repository.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['core', 'backend-cpu', 'backend-native', 'backend-gpujs', 'conformance'] as const;
const work = mkdtempSync(join(tmpdir(), 'flint-pack-'));
const app = join(work, 'app');
const tarballs: Record<string, string> = {};

/**
 * The environment without most npm_* / pnpm_* settings that `pnpm test` passes down: they would
 * tie the scratch install to this workspace (its directory, lockfile and config).
 */
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    // Where packages come from (registry, proxy, store, cache, certificates) still applies.
    ([k]) =>
      !/^(npm|pnpm)_/i.test(k) || /registry|proxy|store_dir|cache|cafile|strict_ssl/i.test(k),
  ),
);

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`,
    );
  return r.stdout;
}

function files(tgz: string): string[] {
  return run('tar', ['tzf', tgz], work)
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

function manifest(tgz: string): Record<string, unknown> {
  return JSON.parse(run('tar', ['xzf', tgz, '-O', 'package/package.json'], work)) as Record<
    string,
    unknown
  >;
}

/** Install the tarballs into `app`; offline first, as the store usually has everything. */
function install(): void {
  // Relative specs: pnpm keys the build allow-list by the spec as its lockfile writes it.
  const deps = Object.fromEntries(
    PACKAGES.map((p) => [`@flint/${p}`, `file:../${basename(tarballs[p]!)}`]),
  );
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    packageManager: string;
  };
  run('mkdir', ['-p', app], work);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'flint-pack-scratch',
      private: true,
      type: 'module',
      // The workspace's pnpm: corepack would otherwise fetch the latest one.
      packageManager: root.packageManager,
      dependencies: deps,
    }),
  );
  // pnpm 10 runs install scripts only of allowed dependencies (a file: one by its full spec).
  const allowed = [
    '@flint/backend-native',
    `@flint/backend-native@${deps['@flint/backend-native']}`,
  ];
  // A tarball's own dependencies on other @flint packages resolve to the tarballs too.
  const overrides = Object.entries(deps).map(
    ([n, spec]) => `  ${JSON.stringify(n)}: ${JSON.stringify(spec)}`,
  );
  writeFileSync(
    join(app, 'pnpm-workspace.yaml'),
    `onlyBuiltDependencies:\n${allowed.map((a) => `  - ${JSON.stringify(a)}`).join('\n')}\n` +
      `overrides:\n${overrides.join('\n')}\n`,
  );
  const args = [
    'install',
    '--config.auto-install-peers=false',
    '--config.confirmModulesPurge=false',
  ];
  const offline = spawnSync('pnpm', [...args, '--offline'], {
    cwd: app,
    env: ENV,
    encoding: 'utf8',
  });
  if (offline.status !== 0) run('pnpm', [...args, '--prefer-offline'], app);
}

beforeAll(() => {
  for (const p of PACKAGES) {
    const out = run('pnpm', ['pack', '--pack-destination', work], join(ROOT, 'packages', p));
    tarballs[p] = out.trim().split('\n').pop()!.trim();
  }
  install();
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarballs', () => {
  it.each(PACKAGES)('%s ships README, LICENSE, sources and its metadata, no tests', (p) => {
    const list = files(tarballs[p]!);
    expect(list).toContain('README.md');
    expect(list).toContain('LICENSE');
    expect(list).toContain('dist/index.js');
    expect(list).toContain('src/index.ts');
    expect(list.filter((f) => /\.test\.|tsbuildinfo/.test(f))).toEqual([]);
    const m = manifest(tarballs[p]!);
    for (const k of ['keywords', 'engines', 'license']) expect(m[k], `${p}: ${k}`).toBeDefined();
    expect(JSON.stringify(m)).not.toContain('workspace:');
  });

  // repository/homepage/bugs come from the root's `repository` (scripts/set-repository.mjs);
  // the project has not declared a public one yet, and a made-up URL would be worse than none.
  const repo = rootRepository(ROOT);
  it.skipIf(!repo).each(PACKAGES)(
    '%s declares the root’s repository, homepage and bugs (skipped: none declared yet)',
    (p) => {
      const m = manifest(tarballs[p]!);
      const want: Record<string, unknown> = packageFields(repo!, `packages/${p}`);
      for (const k of ['repository', 'homepage', 'bugs'])
        expect(m[k], `${p}: ${k}`).toEqual(want[k]);
    },
  );

  it('backend-native ships what cmake-js needs to build the addon', () => {
    const list = files(tarballs['backend-native']!);
    for (const f of [
      'CMakeLists.txt',
      'scripts/build-addon.mjs',
      'native/addon.cc',
      'native/prims.gen.h',
    ])
      expect(list).toContain(f);
    expect(list.some((f) => f.startsWith('build/'))).toBe(false);
  });
});

describe('installed into a scratch project', () => {
  it('trains a small model on cpu, native (the addon was built on install) and gpujs', () => {
    expect(
      existsSync(join(app, 'node_modules/@flint/backend-native/build/Release/flint_native.node')),
    ).toBe(true);
    writeFileSync(
      join(app, 'smoke.mjs'),
      `import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nativeBackend } from '@flint/backend-native';
import { gpujsBackend } from '@flint/backend-gpujs';
for (const make of [cpuBackend, nativeBackend, gpujsBackend]) {
  fl.use(make());
  fl.manualSeed(0);
  const model = new fl.nn.Sequential(new fl.nn.Linear(4, 8), new fl.nn.ReLU(), new fl.nn.Linear(8, 2));
  const opt = new fl.optim.SGD(model.parameters(), { lr: 0.1 });
  const x = fl.randn([16, 4]);
  const y = x.sum(1).gt(0).int();
  const losses = [];
  for (let i = 0; i < 20; i++)
    losses.push(fl.tidy(() => {
      opt.zeroGrad();
      const l = fl.nn.functional.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    }));
  console.log(JSON.stringify({ device: fl.getDefaultDevice(), first: losses[0], last: losses.at(-1) }));
}
`,
    );
    const out = run(process.execPath, ['smoke.mjs'], app)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { device: string; first: number; last: number });
    expect(out.map((r) => r.device)).toEqual(['cpu', 'native', 'gpujs']);
    for (const r of out) expect(r.last).toBeLessThan(r.first);
  });

  it.each(['@flint/backend-cpu', '@flint/backend-native'])(
    'the flint-conformance CLI runs fixture cases on %s',
    (backend) => {
      const cli = join(app, 'node_modules/@flint/conformance/dist/harness/cli.js');
      const out = run(
        process.execPath,
        [cli, backend, '--filter', 'ops/elementwise/exp', '--report-dir', work],
        app,
      );
      expect(out).toMatch(/[1-9]\d* passed, 0 failed/);
    },
  );

  it('every source map of every package resolves to a shipped source', () => {
    const missing: string[] = [];
    let maps = 0;
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules/@flint', p, 'dist');
      for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        if (!f.endsWith('.map')) continue;
        maps++;
        const map = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
        };
        for (const s of map.sources) {
          const at = resolve(dirname(join(dir, f)), map.sourceRoot ?? '', s);
          if (!existsSync(at)) missing.push(`${p}/dist/${f} → ${s}`);
        }
      }
    }
    expect(maps).toBeGreaterThan(100);
    expect(missing.slice(0, 20)).toEqual([]);
  });
});
