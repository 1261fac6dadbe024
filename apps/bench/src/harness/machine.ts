/** The machine a run was measured on, so numbers from different runs are never compared blind. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MachineInfo } from './types.js';

/** Variables that change how many threads (or which kernels) the native peers use. */
const THREAD_ENV = /^(OMP_|OPENBLAS_|MKL_|GOTO_|BLIS_|UV_THREADPOOL_SIZE$)/;

function cpuModel(): string {
  // os.cpus() gives only the model name; /proc/cpuinfo also has the flags that matter (AVX2, FMA).
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
    const flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1]?.split(' ') ?? [];
    const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f));
    return simd.length > 0 ? `${model} (${simd.join(', ')})` : model;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/**
 * The documented page must describe a commit: a run that would write docs/ exits (code 2) when
 * the tree has changes other than the bench's own output (use --out to measure work in progress).
 */
export function refuseDirtyTree(repo: string): void {
  const status = execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
  const own = /^.. (docs\/benchmarks\.md|docs\/assets\/bench\/)/;
  const other = status.split('\n').filter((l) => l.trim() !== '' && !own.test(l));
  if (other.length === 0) return;
  console.error(
    `pnpm bench: the tree has uncommitted changes (${other.length} paths, e.g. ` +
      `${other[0]!.slice(3)}); docs/benchmarks.md must come from a commit. Commit first, or ` +
      'pass --out DIR to write the page elsewhere.',
  );
  process.exit(2);
}

function commit(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim();
    return dirty ? `${rev} (with uncommitted changes)` : rev;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(loadAvgStart: number[]): MachineInfo {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => THREAD_ENV.test(k) && v !== undefined),
  ) as Record<string, string>;
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAvgStart,
    loadAvgEnd: os.loadavg(),
    env,
    commit: commit(),
  };
}
