/**
 * The project's public repository, declared once: the `repository` field of the root
 * package.json. The docs' "Edit this page" links and every publishable package's
 * `repository`/`homepage`/`bugs` derive from it (`node scripts/set-repository.mjs URL` writes
 * them). Until it is declared there are none: a made-up URL would send readers nowhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `https://host/owner/name` (with or without `git+` and `.git`) → the web address and the git
 * URL npm expects. Throws on anything else, naming what is valid.
 */
export function parseRepositoryUrl(url) {
  const m = /^(?:git\+)?(https:\/\/[a-z0-9.-]+\/[\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/i.exec(
    String(url),
  );
  if (!m)
    throw new Error(
      `repository URL ${JSON.stringify(String(url).slice(0, 200))} is not of the form ` +
        'https://host/owner/name',
    );
  return { web: m[1], git: `git+${m[1]}.git` };
}

/** The root package.json's repository (`{ web, git }`), or undefined when it declares none. */
export function rootRepository(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const r = pkg.repository;
  if (r === undefined) return undefined;
  return parseRepositoryUrl(typeof r === 'string' ? r : r.url);
}

/** The fields a package in `dir` (relative to the root, e.g. `packages/core`) gets from it. */
export function packageFields(repo, dir) {
  return {
    repository: { type: 'git', url: repo.git, directory: dir },
    homepage: `${repo.web}/tree/main/${dir}#readme`,
    bugs: { url: `${repo.web}/issues` },
  };
}

/** VitePress's edit link for pages under docs/ on the main branch. */
export function editLink(repo) {
  return { pattern: `${repo.web}/edit/main/docs/:path`, text: 'Edit this page' };
}
