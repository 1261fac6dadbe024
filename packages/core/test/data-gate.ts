/**
 * Tests that read a data set installed by a Debian package (scripts/bootstrap.sh installs them as
 * root). A missing data set fails the test, saying how to install it: CI must never skip silently.
 * Developers without root opt out explicitly with FLINT_SKIP_DATA_TESTS=1, and the skip says why.
 */
import { stat } from 'node:fs/promises';

export const SKIP_DATA_ENV = 'FLINT_SKIP_DATA_TESTS';

const optedOut = () => process.env[SKIP_DATA_ENV] === '1';

/** What a data test needs: a file, and the Debian package that provides it. */
export interface DataFile {
  path: string;
  debianPackage: string;
}

/**
 * Resolves when `need.path` exists. Otherwise skips the test under FLINT_SKIP_DATA_TESTS=1 (with
 * the reason on stderr), and fails it in every other case.
 */
export async function requireData(
  ctx: { skip(note?: string): void },
  need: DataFile,
): Promise<void> {
  if (await stat(need.path).catch(() => null)) return;
  const how = `install it with \`sudo apt-get install ${need.debianPackage}\` or run \`sudo bash scripts/bootstrap.sh\``;
  if (optedOut()) {
    const why = `${need.path} not found (${SKIP_DATA_ENV}=1); ${how}`;
    console.warn(`skipped: ${why}`);
    ctx.skip(why);
    return;
  }
  throw new Error(
    `${need.path} not found: this test needs the Debian package ${need.debianPackage}; ${how}, ` +
      `or set ${SKIP_DATA_ENV}=1 to skip the data tests explicitly`,
  );
}
