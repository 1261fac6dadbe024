/**
 * Flint's native backend (C++ addon) as bench adapters, one per thread count. The addon's
 * thread count is process-wide, so each adapter re-applies its own before every prepare and
 * timed run (`activate`); setNativeThreads is a no-op when the count is already right.
 */
import { createRequire } from 'node:module';
import {
  nativeAvailable,
  nativeBackend,
  nativeInfo,
  setNativeThreads,
  traceNativeCalls,
} from '@flint/backend-native';
import { Skip, type Adapter } from '../harness/types.js';
import { flintAdapter } from './flint.js';

const GEMM: Record<string, string> = {
  openblas: 'OpenBLAS',
  cblas: 'CBLAS',
  builtin: 'built-in AVX2/FMA GEMM',
  'builtin-avx512': 'built-in AVX-512 GEMM',
  'builtin-avx2': 'built-in AVX2/FMA GEMM',
};

/**
 * The GEMM the loaded addon uses for float32 (what every workload here multiplies), for the
 * label; loading it here is a dlopen, nothing more.
 */
function gemmName(): string | undefined {
  if (!nativeAvailable().ok) return undefined;
  const g = nativeInfo().gemmFloat32;
  return GEMM[g] ?? g;
}

/** Skip reasons end up in every cell of the page: keep a long kernel list readable. */
const short = (s: string) => (s.length > 160 ? `${s.slice(0, 159)}…` : s);

export function nativeAdapter(threads: number, opts: { id: string; extra?: boolean }): Adapter {
  const gemm = gemmName();
  const plural = threads === 1 ? 'thread' : 'threads';
  return flintAdapter({
    id: opts.id,
    extra: opts.extra,
    label: `Flint native (C++${gemm ? `, ${gemm}` : ''}), ${threads} ${plural}`,
    create(name) {
      const ok = nativeAvailable();
      if (!ok.ok) throw new Skip(short(ok.reason));
      try {
        return nativeBackend({ name, threads });
      } catch (e) {
        // A build without every kernel (or for another op table) is a setup problem, not a
        // broken adapter: skip with the package's own explanation.
        throw new Skip(short(e instanceof Error ? e.message : String(e)));
      }
    },
    activate: () => setNativeThreads(threads),
    profiling: traceNativeCalls,
    describe() {
      const info = nativeInfo();
      const version = (
        createRequire(import.meta.url)('@flint/backend-native/package.json') as { version: string }
      ).version;
      const f32 = GEMM[info.gemmFloat32] ?? info.gemmFloat32;
      const f64 = GEMM[info.gemm] ?? info.gemm;
      const notes = [
        `@flint/backend-native ${version}`,
        f32 === f64 ? `GEMM ${f32}` : `GEMM: float32 ${f32}, float64 ${f64}`,
      ];
      if (info.sanitized) notes.push('sanitizer (ASan/UBSan) build: its numbers mean nothing');
      if (process.env.FLINT_NATIVE_ADDON) notes.push(`addon ${process.env.FLINT_NATIVE_ADDON}`);
      return { threads: info.threads, notes };
    },
  });
}
