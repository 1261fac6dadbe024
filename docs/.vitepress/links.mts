/**
 * Relative links from a page to files that are not pages. VitePress leaves such links as written,
 * so in the built site they would point nowhere:
 * - a file outside docs/ (`../../apps/examples/src/mlp.ts`) is repository source, which the site
 *   does not serve and which has no public URL to link to (the repository declares none); the
 *   link is rendered as its text alone (the pages already show the path in the text);
 * - a file inside docs/ (`./assets/bench/results.json`) is copied into the build at the same path
 *   (`copyLinkedFiles`, run from the config's `buildEnd`), so the link works as written.
 * A target that does not exist fails the build, like a dead page link. Anchors of links between
 * the generated API pages are also rewritten to VitePress's heading ids (`slugify`).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

/** Relative, not a page, not an anchor or a URL with a scheme. */
function isFileLink(href: string): boolean {
  if (/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(href)) return false;
  return !/\.(md|html)(#.*)?$/.test(href) && !/\/(#.*)?$/.test(href);
}

/** Files under docs/ that pages link to, relative to docs/; filled while pages render. */
const linked = new Set<string>();

export function fileLinks(docsDir: string) {
  return (md: MarkdownRenderer): void => {
    md.core.ruler.push('flint_file_links', (state) => {
      const page = (state.env as { relativePath?: string }).relativePath;
      if (page === undefined) return;
      for (const block of state.tokens) rewrite(block.children ?? [], page, docsDir);
    });
  };
}

/**
 * VitePress's heading ids (@mdit-vue's slugify): punctuation runs, `_` included, become one `-`.
 * TypeDoc's markdown keeps `_` in its anchors (`#fashion_mnist_classes`), so links between the
 * generated API pages are rewritten to the ids VitePress gives those headings.
 */
export function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

function rewrite(tokens: Token[], page: string, docsDir: string): void {
  const open: boolean[] = []; // per link_open: was it dropped?
  for (const t of tokens) {
    if (t.type === 'link_open' && page.startsWith('api/')) {
      const m = /^([^#]*\.md)#(.+)$/.exec(t.attrGet('href') ?? '');
      if (m) t.attrSet('href', `${m[1]}#${slugify(decodeURIComponent(m[2]!))}`);
    }
    if (t.type === 'link_open') {
      const href = t.attrGet('href') ?? '';
      const drop = isFileLink(href) && !keep(href, page, docsDir);
      open.push(drop);
      if (drop) Object.assign(t, { type: 'text', tag: '', content: '', attrs: null, nesting: 0 });
    } else if (t.type === 'link_close' && open.pop()) {
      Object.assign(t, { type: 'text', tag: '', content: '', nesting: 0 });
    }
  }
}

/** True when the link stays (a file under docs/, to be copied); false when it is dropped. */
function keep(href: string, page: string, docsDir: string): boolean {
  const target = normalize(join(dirname(page), decodeURI(href.replace(/[?#].*$/, ''))));
  const abs = join(docsDir, target);
  if (!existsSync(abs))
    throw new Error(`${page}: the link to '${href.slice(0, 200)}' points to no file`);
  if (target.startsWith('..')) return false;
  linked.add(target);
  return true;
}

/** Copies every linked file under docs/ into the built site. */
export function copyLinkedFiles(docsDir: string, outDir: string): void {
  for (const file of linked) {
    const to = join(outDir, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(docsDir, file), to);
  }
}
