/** Writes a run's JSON, charts and markdown page; the page links the assets relatively. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserReport } from '../browser/run.js';
import type { BenchReport } from '../harness/types.js';
import { browserMarkdown, browserSection, spliceBrowser } from './browser.js';
import { matmulSpec, overviewSpec, renderSvg } from './chart.js';
import { markdown, type Links } from './markdown.js';

export interface Written {
  markdown: string;
  json: string;
  charts: string[];
}

/** Write to a sibling temporary file, then rename: a crashed run never leaves half a page. */
async function put(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Formats as the repository's Prettier config would, so `format:check` stays clean. */
async function pretty(text: string, file: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text; // unformatted is still valid
  }
}

export async function writeReport(
  rep: BenchReport,
  markdownPath: string,
  assetsDir: string,
): Promise<Written> {
  await mkdir(assetsDir, { recursive: true });
  await mkdir(path.dirname(markdownPath), { recursive: true });
  const rel = (f: string) =>
    `./${path.relative(path.dirname(markdownPath), f).split(path.sep).join('/')}`;
  const json = path.join(assetsDir, 'results.json');
  await put(json, await pretty(JSON.stringify(rep), json));
  const links: Links = { json: rel(json) };
  const charts: string[] = [];
  for (const [name, spec] of [
    ['overview', overviewSpec(rep)],
    ['matmul', matmulSpec(rep)],
  ] as const) {
    if (!spec) continue;
    const file = path.join(assetsDir, `${name}.svg`);
    await put(file, await renderSvg(spec));
    links[name] = rel(file);
    charts.push(file);
  }
  // the browser section comes from another command (pnpm bench:browser): keep it
  const browser = browserSection(await existing(markdownPath));
  const page = markdown(rep, links) + (browser ? `\n${browser}\n` : '');
  await put(markdownPath, await pretty(page, markdownPath));
  return { markdown: markdownPath, json, charts };
}

async function existing(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/** Writes the browser run's JSON and replaces (or appends) the page's browser section only. */
export async function writeBrowserReport(
  rep: BrowserReport,
  markdownPath: string,
  assetsDir: string,
): Promise<Written> {
  await mkdir(assetsDir, { recursive: true });
  const json = path.join(assetsDir, 'browser-results.json');
  await put(json, await pretty(JSON.stringify(rep), json));
  const rel = `./${path.relative(path.dirname(markdownPath), json).split(path.sep).join('/')}`;
  const page = (await existing(markdownPath)) || '# Benchmarks\n';
  const next = spliceBrowser(page, browserMarkdown(rep, rel));
  await put(markdownPath, await pretty(next, markdownPath));
  return { markdown: markdownPath, json, charts: [] };
}
