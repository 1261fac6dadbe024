/**
 * The site's sidebar, read from docs/index.md: each `**Title**` line starts a group and the
 * `- [text](path.md)` items under it become its links. Keeping the table of contents in the page
 * that readers of the raw markdown see means the two cannot drift apart.
 */

export interface SidebarLink {
  text: string;
  link: string;
}
export interface SidebarGroup {
  text: string;
  items: SidebarLink[];
}

/** `guide/tensors.md` → `/guide/tensors` (VitePress's route for that page). */
export function routeOf(path: string): string {
  const clean = path.replace(/^\.\//, '').replace(/\.md$/, '');
  return '/' + clean.replace(/(^|\/)index$/, '$1');
}

/** Markdown inline code and emphasis as plain sidebar text. */
const plain = (s: string) => s.replace(/`([^`]*)`/g, '$1').trim();

export function sidebarFromIndex(markdown: string): SidebarGroup[] {
  const groups: SidebarGroup[] = [];
  for (const line of markdown.split('\n')) {
    const title = /^\*\*(.+)\*\*\s*$/.exec(line);
    if (title) {
      groups.push({ text: plain(title[1]!), items: [] });
      continue;
    }
    const item = /^- \[(.+)\]\(([^)\s]+\.md)\)/.exec(line);
    if (item && groups.length > 0)
      groups[groups.length - 1]!.items.push({ text: plain(item[1]!), link: routeOf(item[2]!) });
  }
  return groups;
}
