/**
 * Lists every public export without TSDoc (the API reference's build stops at the first
 * validation error; this shows them all): `pnpm --filter @flint/docs api:undocumented`. Exits 1
 * when there is one. Also exports `runTypedoc`, which api.test.ts uses.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs typedoc with its output in a file and returns that output. Node writes to pipes
 * asynchronously and typedoc exits before a long log drains, so a piped capture loses warnings;
 * writes to a file are synchronous.
 */
export function runTypedoc(args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'flint-typedoc-'));
  const log = join(dir, 'log.txt');
  const fd = openSync(log, 'w');
  const run = spawnSync('npx', ['typedoc', ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const out = readFileSync(log, 'utf8').replace(
    new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
    '',
  );
  rmSync(dir, { recursive: true, force: true });
  return { status: run.status, out };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

function main() {
  const { out } = runTypedoc(['--options', 'typedoc.config.mjs'], { FLINT_API_LIST: '1' });
  const names = new Set();
  for (const m of out.matchAll(
    /^\[warning\] (.+?) \(\w+\), defined in .*does not have any documentation/gm,
  ))
    names.add(m[1]);
  if (/\[error\]/.test(out)) {
    process.stderr.write(out);
    process.exit(1);
  }
  for (const name of [...names].sort()) console.log(name);
  console.log(`${names.size} undocumented public names`);
  process.exit(names.size ? 1 : 0);
}
