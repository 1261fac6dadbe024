/** The Node host: fixtures from packages/conformance/fixtures/ (node:fs), the report as a file. */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  hasHost,
  installHost,
  REPORT_FILE,
  type FixtureDir,
  type Host,
  type ReportDoc,
} from './host.js';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** FLINT_DIFF_CORPUS=<dir> runs another corpus (e.g. a larger local run) instead of the committed one. */
function dirUrl(dir: FixtureDir): URL {
  const corpus = process.env.FLINT_DIFF_CORPUS;
  if (dir === 'diff' && corpus) return pathToFileURL(corpus.endsWith('/') ? corpus : `${corpus}/`);
  return dir ? new URL(`${dir}/`, FIXTURES) : FIXTURES;
}

/** The file of a fixture (what the browser driver serves). */
export function fixturePath(dir: FixtureDir, name: string): string {
  return fileURLToPath(new URL(name, dirUrl(dir)));
}

export function nodeHost(): Host {
  return {
    listFixtures(dir) {
      try {
        return readdirSync(dirUrl(dir))
          .filter((f) => f.endsWith('.json'))
          .sort();
      } catch {
        return []; // a missing folder (e.g. no corpus) contributes no cases
      }
    },
    readFixture(dir, name) {
      return JSON.parse(readFileSync(new URL(name, dirUrl(dir)), 'utf8')) as unknown;
    },
    writeReport(dir, doc) {
      return writeReportFile(dir ?? process.cwd(), doc);
    },
  };
}

/** Writes atomically (temp file + rename) and returns the path. */
export function writeReportFile(dir: string, doc: ReportDoc): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const path = join(abs, REPORT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n');
  renameSync(tmp, path);
  return path;
}

/** Install the Node host unless one is installed (the Node entries call this when they load). */
export function installNodeHost(): void {
  if (!hasHost()) installHost(nodeHost());
}
