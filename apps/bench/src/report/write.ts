/** Writes a run's JSON, charts and markdown page; the page links the assets relatively. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchReport } from '../harness/types.js';
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
  await put(markdownPath, await pretty(markdown(rep, links), markdownPath));
  return { markdown: markdownPath, json, charts };
}
