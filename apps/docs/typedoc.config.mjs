/**
 * TypeDoc options of the API reference (docs/api, generated; git-ignored). The reference fails to
 * build on any warning, and on a public export without TSDoc (`validation.notDocumented`) unless it
 * is listed in api-undocumented.json — the exports that had no TSDoc when validation was turned
 * on. That list only shrinks: an entry that gets documented (or disappears) is an "unused
 * intentionallyNotDocumented" warning, so remove it; `pnpm --filter @flint/docs api:baseline`
 * rewrites it. Never add to it by hand: document the export instead.
 */
import { readFileSync } from 'node:fs';

const baseline = process.env.FLINT_API_BASELINE === 'write';
const undocumented = JSON.parse(readFileSync(new URL('./api-undocumented.json', import.meta.url)));

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  tsconfig: './tsconfig.typedoc.json',
  entryPoints: [
    '../../packages/core/src/index.ts',
    '../../packages/core/src/node.ts',
    '../../packages/core/src/backend/index.ts',
    '../../packages/backend-cpu/src/index.ts',
    '../../packages/backend-native/src/index.ts',
    '../../packages/backend-gpujs/src/index.ts',
    '../../packages/conformance/src/index.ts',
    '../../packages/conformance/src/harness/vitest.ts',
  ],
  out: baseline ? './node_modules/.cache/api-baseline' : '../../docs/api',
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme', './scripts/typedoc-flint.mjs'],
  docsRoot: '../../docs',
  name: 'Flint API reference',
  readme: 'none',
  // No repository URL is declared, so there is nothing to link sources to.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  validation: { notExported: false, invalidLink: true, notDocumented: true },
  packagesRequiringDocumentation: [
    '@flint/core',
    '@flint/backend-cpu',
    '@flint/backend-native',
    '@flint/backend-gpujs',
    '@flint/conformance',
    '@flint/docs',
  ],
  intentionallyNotDocumented: baseline ? [] : undocumented,
  treatWarningsAsErrors: !baseline,
  treatValidationWarningsAsErrors: !baseline,
  // Type errors are tsc's job (pnpm typecheck); here they would only duplicate its report.
  skipErrorChecking: true,
  // Classes and interfaces get a page each; functions, variables and types are sections of
  // their module's page. ~5× fewer pages than one per member keeps the site build fast.
  membersWithOwnFile: ['Class', 'Interface', 'Enum'],
  hidePageHeader: true,
  useCodeBlocks: true,
  parametersFormat: 'table',
  sanitizeComments: true,
};
