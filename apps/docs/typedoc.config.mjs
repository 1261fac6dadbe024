/**
 * TypeDoc options of the API reference (docs/api, generated; git-ignored). The reference fails to
 * build on any warning, and on any public export without TSDoc (`validation.notDocumented`, no
 * exceptions: api.test.ts checks that none are configured). `pnpm --filter @flint/docs
 * api:undocumented` lists every undocumented export at once (FLINT_API_LIST=1: warnings are
 * reported, not fatal, and nothing is written to docs/api).
 */
const listing = process.env.FLINT_API_LIST === '1';

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
  out: listing ? './node_modules/.cache/api-undocumented' : '../../docs/api',
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
  treatWarningsAsErrors: !listing,
  treatValidationWarningsAsErrors: !listing,
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
