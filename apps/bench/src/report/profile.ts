/** The page's "where the time goes" section: the profiled steps' self time by category. */
import { CATEGORIES, type Category, type ProfileSummary } from '../harness/profile.js';
import type { BenchReport } from '../harness/types.js';

const HEAD: Record<Category, string> = {
  core: 'core JS (@flint/core)',
  backend: 'backend JS',
  native: 'N-API + native code',
  gc: 'GC',
  other: 'other',
};

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;

/** "0.412 ms (28%)", with µs below a tenth of a millisecond. */
function share(ms: number, total: number): string {
  const v = ms >= 0.1 ? `${ms.toFixed(2)} ms` : `${(ms * 1e3).toFixed(0)} µs`;
  return `${v} (${total > 0 ? ((100 * ms) / total).toFixed(0) : '0'}%)`;
}

function table(p: ProfileSummary): string {
  const head = ['adapter', 'steps', 'sampled ms/step', ...CATEGORIES.map((c) => HEAD[c])];
  const rows = p.rows.map((r) => [
    r.adapter,
    String(r.steps),
    r.msPerStep.toFixed(2),
    ...CATEGORIES.map((c) => share(r.ms[c], r.msPerStep)),
  ]);
  const lines = [row(head), row(head.map(() => '---')), ...rows.map(row)];
  for (const s of p.skipped) lines.push('', `${s.adapter}: not profiled (${esc(s.reason)}).`);
  return lines.join('\n');
}

const NOTE =
  'Self time from V8’s sampling CPU profiler (in process, 100 µs interval) over the steps ' +
  'shown, run after the timed repetitions and apart from them, split by where the code lives: ' +
  '**core JS** is `@flint/core` (argument checks, dtype and shape logic, tensor objects, ' +
  'scopes, autograd); **backend JS** is the backend package’s JavaScript (for flint-cpu that ' +
  'includes its kernels, which are JavaScript); **N-API + native code** is the time inside the ' +
  'native addon — the N-API transition and the C++ kernels, BLAS included — measured by ' +
  'routing each addon call through a named frame (`traceNativeCalls`), since V8 has no frames ' +
  'for native code; **GC** is the garbage collector; **other** is the rest (the bench harness, ' +
  'Node and V8 internals such as compilation). The sampled time per step is the samples ' +
  'taken × the interval ÷ the steps: a share of samples, not a timing (the timed medians are ' +
  'in the tables above), and it can differ from the timed median either way.';

export function profileSection(rep: BenchReport): string {
  const ps = rep.profiles ?? [];
  if (ps.length === 0) return '';
  const parts = ['## Where the time goes', '', NOTE, ''];
  for (const p of ps) parts.push(`**${p.title}** (\`${p.workload}\`)`, '', table(p), '');
  return parts.join('\n');
}
