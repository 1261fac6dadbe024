import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireData, SKIP_DATA_ENV } from './data-gate.js';

const missing = { path: '/nonexistent/flint-data-gate-test', debianPackage: 'dataset-nothing' };
const ctx = () => ({ skip: vi.fn() });

describe('data-test gate', () => {
  afterEach(() => {
    delete process.env[SKIP_DATA_ENV];
    vi.restoreAllMocks();
  });

  it('fails a test whose data set is missing, saying how to install it and how to opt out', async () => {
    const c = ctx();
    await expect(requireData(c, missing)).rejects.toThrow(
      /nonexistent\/flint-data-gate-test not found.*apt-get install dataset-nothing.*FLINT_SKIP_DATA_TESTS=1/,
    );
    expect(c.skip).not.toHaveBeenCalled();
  });

  it('skips only with FLINT_SKIP_DATA_TESTS=1, and says so', async () => {
    process.env[SKIP_DATA_ENV] = '1';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = ctx();
    await requireData(c, missing);
    expect(c.skip).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(/skipped: .*not found \(FLINT_SKIP_DATA_TESTS=1\)/);
  });

  it('runs the test when the file exists, whatever the opt-out says', async () => {
    process.env[SKIP_DATA_ENV] = '1';
    const c = ctx();
    await requireData(c, { path: '/', debianPackage: 'base-files' });
    expect(c.skip).not.toHaveBeenCalled();
  });
});
