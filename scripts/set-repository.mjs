#!/usr/bin/env node
/**
 * Declares the project's public repository: `node scripts/set-repository.mjs https://host/owner/name`
 * writes the root package.json's `repository` and each publishable package's `repository`
 * (with its `directory`), `homepage` and `bugs`. The docs' edit links follow from the root field
 * (docs/.vitepress/config.mts). Run it once the repository exists; see scripts/repository.mjs.
 */
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageFields, parseRepositoryUrl } from './repository.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Rewrites a package.json through a temporary file, so a failed write leaves the old one. */
function update(file, change) {
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  change(pkg);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(pkg, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function main(url) {
  let repo;
  try {
    repo = parseRepositoryUrl(url);
  } catch (e) {
    console.error(`set-repository: ${e.message}`);
    process.exit(2);
  }
  update(join(ROOT, 'package.json'), (p) => (p.repository = { type: 'git', url: repo.git }));
  for (const name of readdirSync(join(ROOT, 'packages'))) {
    const dir = `packages/${name}`;
    const file = join(ROOT, dir, 'package.json');
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // not a package folder
    }
    if (pkg.private) continue;
    update(file, (p) => Object.assign(p, packageFields(repo, dir)));
    console.log(`${pkg.name}: repository, homepage, bugs → ${repo.web}`);
  }
}

main(process.argv[2]);
