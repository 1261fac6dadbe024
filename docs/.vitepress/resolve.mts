/**
 * Pages, theme files and (later) live examples live in docs/, but their dependencies (vue,
 * VitePress, @flint/*) are installed for the workspace package apps/docs. pnpm links them only
 * there, so a bare import from a file under docs/ would not resolve. This plugin resolves bare
 * imports of such files as if they were written in apps/docs.
 */
import type { Plugin } from 'vitepress';

export function resolveFromDocsPackage(docsDir: string, packageJson: string): Plugin {
  const inDocs = (id: string) => id.startsWith(docsDir) && !id.includes('/node_modules/');
  return {
    name: 'flint-docs-resolve',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      // Only bare specifiers (`vue/server-renderer`, `@flint/core`), not paths or virtual ids.
      if (!importer || !inDocs(importer) || !/^(@[\w.-]+\/)?[\w.-]/.test(source)) return null;
      return this.resolve(source, packageJson, { ...options, skipSelf: true });
    },
  };
}
