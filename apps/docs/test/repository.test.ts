/**
 * The project's public repository is declared once (the root package.json's `repository`); the
 * site's edit links and the packages' metadata derive from it (scripts/repository.mjs).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../../../docs/.vitepress/config.mjs';
import {
  editLink,
  packageFields,
  parseRepositoryUrl,
  rootRepository,
} from '../../../scripts/repository.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('repository', () => {
  it('accepts https://host/owner/name with or without git+ and .git, and nothing else', () => {
    for (const u of ['https://example.org/o/flint', 'git+https://example.org/o/flint.git'])
      expect(parseRepositoryUrl(u)).toEqual({
        web: 'https://example.org/o/flint',
        git: 'git+https://example.org/o/flint.git',
      });
    for (const bad of ['example.org/o/flint', 'http://example.org/o/flint', 'https://x/o'])
      expect(() => parseRepositoryUrl(bad)).toThrow(/https:\/\/host\/owner\/name/);
  });

  it('derives a package’s fields and the docs’ edit link', () => {
    const repo = parseRepositoryUrl('https://example.org/o/flint');
    expect(packageFields(repo, 'packages/core')).toEqual({
      repository: {
        type: 'git',
        url: 'git+https://example.org/o/flint.git',
        directory: 'packages/core',
      },
      homepage: 'https://example.org/o/flint/tree/main/packages/core#readme',
      bugs: { url: 'https://example.org/o/flint/issues' },
    });
    expect(editLink(repo).pattern).toBe('https://example.org/o/flint/edit/main/docs/:path');
  });

  it('the site has edit links exactly when the root declares a repository', () => {
    const repo = rootRepository(ROOT);
    const link = (config.themeConfig as { editLink?: { pattern: string } }).editLink;
    expect(link?.pattern).toBe(repo ? editLink(repo).pattern : undefined);
  });
});
