/**
 * The API reference's validation: TypeDoc, run with the reference's own options on a fixture that
 * exports one undocumented name, must fail and name it. (The real reference is built by the
 * `docs` task; a failure there is the undocumented export of a package.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import options from '../typedoc.config.mjs';
import { runTypedoc } from '../scripts/api-baseline.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));

it('fails on an undocumented public export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-typedoc-'));
  const config = join(dir, 'typedoc.json');
  writeFileSync(
    config,
    JSON.stringify({
      ...options,
      entryPoints: [join(here, 'test/fixtures/undocumented.ts')],
      tsconfig: join(here, 'test/fixtures/tsconfig.json'),
      // Markdown output without the VitePress theme's sidebar (docsRoot is that theme's option).
      plugin: ['typedoc-plugin-markdown'],
      docsRoot: undefined,
      out: join(dir, 'out'),
      intentionallyNotDocumented: [],
    }),
  );
  const { status, out } = runTypedoc(['--options', config]);
  expect(status, out).not.toBe(0);
  expect(out).toMatch(/undocumentedThing \(Variable\).*does not have any documentation/);
  expect(out).not.toMatch(/\bdocumentedThing \(/);
});
