/** Types of repository.mjs (the project's public repository, declared once in package.json). */
export interface Repository {
  /** The web address, `https://host/owner/name`. */
  web: string;
  /** The git URL npm expects, `git+https://host/owner/name.git`. */
  git: string;
}
export function parseRepositoryUrl(url: string): Repository;
export function rootRepository(root: string): Repository | undefined;
export function packageFields(
  repo: Repository,
  dir: string,
): {
  repository: { type: 'git'; url: string; directory: string };
  homepage: string;
  bugs: { url: string };
};
export function editLink(repo: Repository): { pattern: string; text: string };
