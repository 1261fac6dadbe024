/**
 * The API reference's validation: TypeDoc, run with the reference's own options (and plugin) on a
 * fixture that exports one undocumented name, must fail and name it; and the reference's options
 * allow no exception. (The real reference is built by the `docs` task, in `pnpm test`; a failure
 * there is an undocumented export of a package.)
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import options from '../typedoc.config.mjs';
import { runTypedoc } from '../scripts/api-undocumented.mjs';

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
      plugin: ['typedoc-plugin-markdown', join(here, 'scripts/typedoc-flint.mjs')],
      docsRoot: undefined,
      out: join(dir, 'out'),
      intentionallyNotDocumented: [],
    }),
  );
  const { status, out } = runTypedoc(['--options', config]);
  expect(status, out).not.toBe(0);
  expect(out).toMatch(/undocumentedThing \(Variable\).*does not have any documentation/);
  expect(out).not.toMatch(/\bdocumentedThing \(/);
  // a table's entries take their properties' comments from the type the table satisfies
  expect(out).not.toMatch(/TABLE/);
});

it('documents every public export: validation on, fatal, and no exceptions', () => {
  expect(options.validation).toMatchObject({ notDocumented: true });
  expect(options.treatValidationWarningsAsErrors).toBe(true);
  expect(options.treatWarningsAsErrors).toBe(true);
  expect(options.intentionallyNotDocumented ?? []).toEqual([]);
  expect(existsSync(join(here, 'api-undocumented.json'))).toBe(false);
});
