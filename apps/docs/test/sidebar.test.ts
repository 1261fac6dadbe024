/** The site's sidebar is read from docs/index.md: every entry must be a page that exists. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { routeOf, sidebarFromIndex } from '../../../docs/.vitepress/sidebar.mjs';

const docs = (p: string) => fileURLToPath(new URL(`../../../docs/${p}`, import.meta.url));

it('builds the sidebar from docs/index.md, every link a page', () => {
  const groups = sidebarFromIndex(readFileSync(docs('index.md'), 'utf8'));
  expect(groups.map((g) => g.text)).toContain('Guide');
  const links = groups.flatMap((g) => g.items.map((i) => i.link));
  expect(links.length).toBeGreaterThan(10);
  // The API reference is generated (pnpm docs:build); every other entry is a committed page.
  for (const link of links.filter((l) => !l.startsWith('/api/')))
    expect(
      existsSync(docs(link.endsWith('/') ? `${link.slice(1)}index.md` : `${link.slice(1)}.md`)),
      link,
    ).toBe(true);
  expect(links).toContain('/api/');
  expect(links).toContain('/support-matrix');
  expect(routeOf('guide/index.md')).toBe('/guide/');
  expect(routeOf('./benchmarks.md')).toBe('/benchmarks');
});
