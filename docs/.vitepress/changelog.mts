/**
 * The changelog page, rendered at build time from what the repository already holds: the pending
 * changesets (`.changeset/*.md`, the changes of the next release) and the packages' CHANGELOG.md
 * files (released versions, written by `changeset version`). docs/changelog.md holds the page's
 * introduction and a `<!-- flint:changelog -->` marker; this markdown-it rule replaces the marker
 * with the generated markdown before the page is parsed, so the entries get headings, anchors,
 * the outline and local search like any page, and there is no generated file to keep current.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

export const MARKER = '<!-- flint:changelog -->';
const PAGE = 'changelog.md';
const BUMPS = ['major', 'minor', 'patch'] as const;
type Bump = (typeof BUMPS)[number];

export interface Changeset {
  id: string;
  /** Package → bump, in the order the file lists them. */
  releases: [string, Bump][];
  summary: string;
}

/** One `.changeset/*.md` file: YAML front matter of `'pkg': bump` lines, then the summary. */
export function parseChangeset(id: string, text: string): Changeset {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`.changeset/${id}.md: no front matter (--- 'package': bump ---)`);
  const releases: [string, Bump][] = [];
  for (const line of m[1]!.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const r = /^\s*['"]?([^'":]+)['"]?\s*:\s*(major|minor|patch)\s*$/.exec(line);
    if (!r)
      throw new Error(`.changeset/${id}.md: cannot read the release line '${line.slice(0, 80)}'`);
    releases.push([r[1]!, r[2] as Bump]);
  }
  return { id, releases, summary: m[2]!.trim() };
}

/** Every heading of `markdown` `by` levels down (at most h6), outside code fences. */
function shiftHeadings(markdown: string, by: (level: number) => number): string {
  let fence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      const h = fence ? null : /^(#{1,6})(\s.*)$/.exec(line);
      return h ? `${'#'.repeat(Math.min(6, by(h[1]!.length)))}${h[2]}` : line;
    })
    .join('\n');
}

/** Headings inside an entry start below the entry's own level, so the outline stays ordered. */
const demote = (markdown: string, below: number) =>
  shiftHeadings(markdown, (level) => Math.max(level, below + 1));

function bumpOf(c: Changeset): Bump {
  return BUMPS.find((b) => c.releases.some(([, r]) => r === b)) ?? 'patch';
}

/** The pending changesets as markdown: grouped by their largest bump, then by file name. */
export function pendingMarkdown(changesets: Changeset[]): string {
  if (changesets.length === 0)
    return 'No pending changesets: nothing has changed since the last release.\n';
  const out: string[] = [];
  for (const bump of BUMPS) {
    const group = changesets
      .filter((c) => bumpOf(c) === bump)
      .sort((a, b) => a.id.localeCompare(b.id));
    if (group.length === 0) continue;
    out.push(`### ${bump[0]!.toUpperCase()}${bump.slice(1)} changes`, '');
    for (const c of group) {
      const pkgs = c.releases.map(([p, b]) => `\`${p}\` (${b})`).join(', ');
      out.push(
        `#### ${c.id.replace(/-/g, ' ')}`,
        '',
        `Packages: ${pkgs}.`,
        '',
        demote(c.summary, 4),
        '',
      );
    }
  }
  return out.join('\n');
}

/** Every CHANGELOG.md of packages/* and apps/*, its title dropped, its headings one level down. */
function released(root: string): string {
  const out: string[] = [];
  for (const dir of ['packages', 'apps']) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir)).sort()) {
      const file = join(root, dir, name, 'CHANGELOG.md');
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8')
        .replace(/^#\s.*\n/, '')
        .trim();
      const pkg = JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8')).name;
      out.push(
        `### \`${pkg}\``,
        '',
        shiftHeadings(text, (level) => Math.max(level + 2, 4)),
        '',
      );
    }
  }
  return out.length ? out.join('\n') : 'No release has been published yet.\n';
}

/** The markdown that replaces the marker. */
export function changelogMarkdown(root: string): string {
  const dir = join(root, '.changeset');
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')
    : [];
  const pending = files.map((f) =>
    parseChangeset(f.replace(/\.md$/, ''), readFileSync(join(dir, f), 'utf8')),
  );
  return ['## Unreleased', '', pendingMarkdown(pending), '## Released', '', released(root)].join(
    '\n',
  );
}

/** The markdown-it plugin: `root` is the repository root. */
export function changelog(root: string) {
  return (md: MarkdownRenderer): void => {
    md.core.ruler.before('normalize', 'flint_changelog', (state) => {
      const page = (state.env as { relativePath?: string } | undefined)?.relativePath;
      if (page === PAGE && state.src.includes(MARKER))
        state.src = state.src.replace(MARKER, () => changelogMarkdown(root));
    });
  };
}
