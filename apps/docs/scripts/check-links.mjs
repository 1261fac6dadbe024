/**
 * Checks the built site (apps/docs/dist) for dead internal links, anchors included: VitePress's
 * own check fails the build on a link to a missing page, but not on `page.html#missing-heading`
 * nor on links that TypeDoc's pages or the theme write as HTML. Run after `vitepress build` by the
 * `docs` script; exits 1 listing (at most 40 of) the dead links.
 *
 *   node scripts/check-links.mjs [distDir]
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every .html file under dir, recursively. */
export function htmlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return htmlFiles(p);
    return name.endsWith('.html') ? [p] : [];
  });
}

/** The ids a page defines (headings, anchors), which `#…` links may target. */
function idsOf(html) {
  return new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
}

/** The file an internal href points to, or null for external and special links. */
function targetOf(dist, page, href) {
  if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(href)) return null; // http:, mailto:, //host
  const path = href.replace(/[?#].*$/, '');
  if (path === '') return page;
  let file = path.startsWith('/') ? join(dist, path) : resolve(dirname(page), path);
  file = decodeURIComponent(file);
  if (path.endsWith('/')) return join(file, 'index.html');
  if (existsSync(file) && statSync(file).isDirectory()) return join(file, 'index.html');
  if (!/\.[a-z0-9]+$/i.test(file)) return `${file}.html`;
  return file;
}

/**
 * A checker of links found on pages of the built site `dist`: `(page, href)` → why the link is
 * dead, or null. `page` is the HTML file the link is on. The built-site browser test
 * (test/site.test.ts) uses it for the links of the rendered pages, so both checks agree.
 */
export function linkChecker(dist) {
  const ids = new Map();
  const idsFor = (file) => {
    if (!ids.has(file)) ids.set(file, idsOf(readFileSync(file, 'utf8')));
    return ids.get(file);
  };
  return (page, href) => {
    const target = targetOf(dist, page, href);
    if (target === null) return null;
    const hash = href.includes('#') ? decodeURIComponent(href.slice(href.indexOf('#') + 1)) : '';
    const from = relative(dist, page);
    if (!existsSync(target)) return `${from}: ${href} (no such file)`;
    if (hash && target.endsWith('.html') && !idsFor(target).has(hash))
      return `${from}: ${href} (no element with id '${hash}')`;
    return null;
  };
}

export function checkLinks(dist) {
  const pages = htmlFiles(dist);
  const problem = linkChecker(dist);
  const dead = [];
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, href] of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) {
      const why = problem(page, href);
      if (why !== null) dead.push(why);
    }
  }
  return { pages: pages.length, dead };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist', import.meta.url)));
  const { pages, dead } = checkLinks(dist);
  if (dead.length) {
    console.error(`${dead.length} dead internal link(s) in ${pages} pages of ${dist}:`);
    for (const d of dead.slice(0, 40)) console.error(`  ${d}`);
    process.exit(1);
  }
  console.log(`links: ${pages} pages, every internal link and anchor resolves`);
}
