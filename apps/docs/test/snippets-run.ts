/**
 * Type-checks and runs the programs made from the docs' code blocks (snippets-blocks.ts): each is
 * written as a .ts file under apps/docs/node_modules/.cache, where `@flint/*` resolve to the
 * workspace packages, so tsc checks them against the BUILT packages' .d.ts (strict), exactly as a
 * user's project would; then each runs in its own Node process (a crash or a hang fails one
 * block), in a fresh working directory so files it writes never collide.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compose, type Program } from './snippets-blocks.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CACHE = fileURLToPath(
  new URL('../node_modules/.cache/flint-snippets/', import.meta.url),
);

/** The pages whose blocks are checked: docs/ (not the generated API) and the READMEs. */
export function pages(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory() && !['api', 'node_modules', '.vitepress', 'public'].includes(e.name))
        walk(p);
      else if (e.isFile() && e.name.endsWith('.md')) found.push(p);
    }
  };
  walk('docs');
  found.push('README.md');
  for (const group of ['packages', 'apps'])
    for (const e of readdirSync(join(ROOT, group), { withFileTypes: true }))
      if (e.isDirectory() && readdirSync(join(ROOT, group, e.name)).includes('README.md'))
        found.push(`${group}/${e.name}/README.md`);
  return found.sort();
}

export interface Prepared {
  program: Program;
  file: string;
  lines: number[];
}

/** Writes each program's .ts file; names are stable (page and line) so a failure is findable. */
export function prepare(programs: Program[], dir = CACHE): Prepared[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return programs.map((program) => {
    const { source, lines } = compose(program);
    const name = `${program.page.replace(/[/.]/g, '_')}_L${program.block.line}.ts`;
    const file = join(dir, name);
    writeFileSync(file, source);
    return { program, file, lines };
  });
}

const COMMON: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  useDefineForClassFields: true,
  noImplicitOverride: true,
};
// Node blocks see the Node entry of @flint/core and Node's types; browser blocks the browser
// entry (the `browser` export condition) and the DOM, without Node's types.
const NODE: ts.CompilerOptions = {
  ...COMMON,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
  types: ['node'],
};
const BROWSER: ts.CompilerOptions = {
  ...COMMON,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  customConditions: ['browser'],
  lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
};

/** Type errors per prepared file, each as `page:line: message` (the page's own line). */
export function typeCheck(prepared: Prepared[]): Map<string, string[]> {
  const errors = new Map<string, string[]>(prepared.map((p) => [p.file, []]));
  const byFile = new Map(prepared.map((p) => [p.file, p]));
  for (const mode of ['node', 'browser'] as const) {
    const files = prepared.filter((p) => p.program.mode === mode).map((p) => p.file);
    if (!files.length) continue;
    const program = ts.createProgram(files, mode === 'node' ? NODE : BROWSER);
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const p = d.file && byFile.get(d.file.fileName);
      if (!p || d.start === undefined) {
        // a diagnostic outside the snippets (options, a package's types) fails every one
        for (const list of errors.values()) list.push(`TS${d.code}: ${message}`);
        continue;
      }
      const at = d.file!.getLineAndCharacterOfPosition(d.start).line;
      const line = p.lines[at] ?? 0;
      const where = line ? `${p.program.page}:${line}` : `${relative(ROOT, p.file)}:${at + 1}`;
      errors.get(p.file)!.push(`${where}: TS${d.code}: ${message}`);
    }
  }
  return errors;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Transpiles and runs one program in a fresh directory; stdout and stderr come back whole. */
export function runOne(p: Prepared, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  const { source } = compose(p.program);
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const file = p.file.replace(/\.ts$/, '.mjs');
  writeFileSync(file, js);
  const cwd = mkdtempSync(join(tmpdir(), 'flint-snippet-'));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs programs `width` at a time (the machine's cores are shared with other tests). */
export async function runAll(
  prepared: Prepared[],
  env: NodeJS.ProcessEnv,
  width = 2,
  // a training page's block takes ~3 s of CPU; the margin is for a loaded CI machine
  timeoutMs = 180_000,
): Promise<Map<string, Run>> {
  const results = new Map<string, Run>();
  let next = 0;
  const worker = async () => {
    while (next < prepared.length) {
      const p = prepared[next++]!;
      results.set(p.file, await runOne(p, env, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}
