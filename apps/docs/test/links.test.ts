/**
 * The built site's link check (scripts/check-links.mjs, run by the `docs` script after the
 * build) on a tiny hand-made site, and the anchor rewriting for TypeDoc's pages.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkLinks } from '../scripts/check-links.mjs';
import { slugify } from '../../../docs/.vitepress/links.mjs';

it('finds dead pages and dead anchors, and ignores external links', () => {
  const dist = mkdtempSync(join(tmpdir(), 'flint-links-'));
  mkdirSync(join(dist, 'guide'));
  mkdirSync(join(dist, 'api'));
  const page = (links: string[], ids: string[] = []) =>
    `<html>${ids.map((id) => `<h2 id="${id}">x</h2>`).join('')}${links
      .map((l) => `<a class="x" href="${l}">l</a>`)
      .join('')}</html>`;
  writeFileSync(
    join(dist, 'index.html'),
    page(['/guide/a.html#intro', '/api/', 'https://x.org/y']),
  );
  writeFileSync(join(dist, 'api', 'index.html'), page(['../guide/a.html', '#top'], ['top']));
  writeFileSync(
    join(dist, 'guide', 'a.html'),
    page(['./b.html', '/guide/a.html#missing', '#intro'], ['intro']),
  );
  const { pages, dead } = checkLinks(dist);
  expect(pages).toBe(3);
  expect(dead).toEqual([
    'guide/a.html: ./b.html (no such file)',
    "guide/a.html: /guide/a.html#missing (no element with id 'missing')",
  ]);
});

it("rewrites TypeDoc's anchors to VitePress's heading ids", () => {
  expect(slugify('FASHION_MNIST_CLASSES')).toBe('fashion-mnist-classes');
  expect(slugify('nn.functional')).toBe('nn-functional');
  expect(slugify('2d pooling')).toBe('_2d-pooling');
});
