/**
 * Rewrites api-undocumented.json: the qualified names of public exports that have no TSDoc.
 * Run after documenting exports (the list must shrink); see typedoc.config.mjs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const { out } = runTypedoc(['--options', 'typedoc.config.mjs'], { FLINT_API_BASELINE: 'write' });
  const names = new Set();
  for (const m of out.matchAll(
    /^\[warning\] (.+?) \(\w+\), defined in .*does not have any documentation/gm,
  ))
    names.add(m[1]);
  if (/\[error\]/.test(out)) {
    process.stderr.write(out);
    process.exit(1);
  }
  const list = [...names].sort();
  writeFileSync(
    new URL('../api-undocumented.json', import.meta.url),
    JSON.stringify(list, null, 2) + '\n',
  );
  console.log(`api-undocumented.json: ${list.length} undocumented public names`);
}
