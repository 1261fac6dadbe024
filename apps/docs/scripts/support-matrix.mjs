/**
 * Generates docs/support-matrix.md from the backends' conformance-report.json files (written by
 * every run of @flint/conformance, see packages/conformance/src/harness/report.ts): op × dtype ×
 * backend → passed / skipped (reason) / known failure / failed, with totals per backend.
 *
 *   node scripts/support-matrix.mjs --write   # rewrite the page (pnpm docs:matrix)
 *   node scripts/support-matrix.mjs --check   # exit 1 when the page differs from the reports
 *
 * The page must not depend on the run beyond what it shows: no dates, durations or paths. A
 * backend whose report is missing on this machine is listed as "not run here" with the reason,
 * never dropped.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (p) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
export const PAGE = 'docs/support-matrix.md';

/**
 * The backends of the matrix, in column order. `report` is where that backend's own test run
 * writes its report (the conformance harness writes into the package folder it runs in).
 */
export const BACKENDS = [
  {
    name: 'cpu',
    pkg: '@flint/backend-cpu',
    report: 'packages/backend-cpu/conformance-report.json',
  },
  {
    name: 'native',
    pkg: '@flint/backend-native',
    report: 'packages/backend-native/conformance-report.json',
  },
  {
    name: 'gpujs',
    pkg: '@flint/backend-gpujs',
    report: 'packages/backend-gpujs/conformance-report.json',
  },
  {
    name: 'cuda',
    pkg: '@flint/backend-native',
    report: null,
    absent: 'needs an NVIDIA GPU; no test run writes a CUDA conformance report yet',
  },
];

const DTYPE_SHORT = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };
const DTYPE_ORDER = ['float32', 'float64', 'int32', 'bool', null];
const MARK = { passed: '✓', skipped: '–', 'known-failure': '⚠', failed: '✗' };
const LAYER_ORDER = ['L0', 'L1', 'errors', 'L2', 'L3', 'L4', 'nn', 'props', 'diff'];

/** Reads the reports that exist; `absent` says why a backend has none. */
export function loadReports(
  read = (p) => readFileSync(root(p), 'utf8'),
  exists = (p) => existsSync(root(p)),
) {
  return BACKENDS.map((b) => {
    if (!b.report) return { ...b, doc: null };
    if (!exists(b.report))
      return { ...b, doc: null, absent: `no ${b.report} on this machine (its tests did not run)` };
    return { ...b, doc: JSON.parse(read(b.report)) };
  });
}

/** One cell's status from all of its cases: a failure shows first, then a known failure. */
function cellStatus(statuses) {
  for (const s of ['failed', 'known-failure', 'passed']) if (statuses.has(s)) return s;
  return 'skipped';
}

const esc = (s) =>
  String(s)
    .replace(/\s+/g, ' ')
    .replace(/[|<>]/g, (c) => ({ '|': '\\|', '<': '&lt;', '>': '&gt;' })[c])
    .slice(0, 200);

/** op → dtype → status, for one report. */
function cells(doc) {
  const byOp = new Map();
  for (const c of doc.cases) {
    const dt = byOp.get(c.op) ?? new Map();
    byOp.set(c.op, dt);
    const set = dt.get(c.dtype) ?? new Set();
    dt.set(c.dtype, set.add(c.status));
  }
  return byOp;
}

function totalsTable(reports) {
  const rows = [
    '| backend | device | cases | passed | skipped | known failures | failed |',
    '| ------- | ------ | ----: | -----: | ------: | -------------: | -----: |',
  ];
  for (const r of reports) {
    if (!r.doc) {
      rows.push(`| ${r.name} | — | not run here: ${esc(r.absent)} | | | | |`);
      continue;
    }
    const s = r.doc.summary;
    const n = s.passed + s.skipped + s.knownFailures + s.failed;
    rows.push(
      `| ${r.name} | \`${esc(r.doc.device)}\` | ${n} | ${s.passed} | ${s.skipped} | ${s.knownFailures} | ${s.failed} |`,
    );
  }
  return rows;
}

function layerTable(ran) {
  const layers = new Set(ran.flatMap((r) => r.doc.cases.map((c) => c.layer)));
  const order = [...layers].sort((a, b) => rank(LAYER_ORDER, a) - rank(LAYER_ORDER, b));
  const rows = [
    `| layer | ${ran.map((r) => r.name).join(' | ')} |`,
    `| ----- | ${ran.map(() => '---:').join(' | ')} |`,
  ];
  for (const layer of order) {
    const counts = ran.map((r) => {
      const cs = r.doc.cases.filter((c) => c.layer === layer);
      return `${cs.filter((c) => c.status === 'passed').length} / ${cs.length}`;
    });
    rows.push(`| ${layer} | ${counts.join(' | ')} |`);
  }
  return rows;
}

const rank = (order, x) => (order.includes(x) ? order.indexOf(x) : order.length);

function matrixTable(reports) {
  const ran = reports.filter((r) => r.doc);
  const perBackend = ran.map((r) => cells(r.doc));
  const ops = [...new Set(perBackend.flatMap((m) => [...m.keys()]))].sort((a, b) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
  );
  const rows = [
    `| op | ${reports.map((r) => r.name).join(' | ')} |`,
    `| -- | ${reports.map(() => '--').join(' | ')} |`,
  ];
  for (const op of ops) {
    const row = reports.map((r) => {
      if (!r.doc) return 'not run here';
      const dt = perBackend[ran.indexOf(r)].get(op);
      if (!dt) return '';
      const dtypes = [...dt.keys()].sort((a, b) => rank(DTYPE_ORDER, a) - rank(DTYPE_ORDER, b));
      return dtypes
        .map((d) => `${d === null ? 'any' : (DTYPE_SHORT[d] ?? d)} ${MARK[cellStatus(dt.get(d))]}`)
        .join(' · ');
    });
    rows.push(`| \`${esc(op)}\` | ${row.join(' | ')} |`);
  }
  return rows;
}

/** Skips, known failures and failures of one backend, grouped by reason. */
function reasons(r) {
  const groups = new Map();
  for (const c of r.doc.cases) {
    if (c.status === 'passed') continue;
    const key = `${c.status}\u0000${c.reason ?? '(no reason given)'}`;
    groups.set(key, [...(groups.get(key) ?? []), c.id]);
  }
  if (groups.size === 0) return [`${r.name}: every case passed.`, ''];
  const rows = [
    `**${r.name}**`,
    '',
    '| status | reason | cases | e.g. |',
    '| ------ | ------ | ----: | ---- |',
  ];
  const keys = [...groups.keys()].sort();
  for (const key of keys) {
    const [status, reason] = key.split('\u0000');
    const ids = groups.get(key);
    rows.push(
      `| ${MARK[status]} ${status} | ${esc(reason)} | ${ids.length} | \`${esc(ids[0])}\` |`,
    );
  }
  return [...rows, ''];
}

/** The page's markdown. */
export function renderPage(reports) {
  const ran = reports.filter((r) => r.doc);
  return [
    '# Support matrix',
    '',
    "<!-- Generated by apps/docs/scripts/support-matrix.mjs from the backends' conformance-report.json files: run `pnpm docs:matrix`, do not edit. -->",
    '',
    'What the shared [conformance suite](backends/conformance.md) found on each backend in the',
    'last full test run: one row per op, one column per backend, and in each cell the dtypes the op',
    'was tested with. A cell sums up every case of that op and dtype (public op vs PyTorch,',
    'gradients, overrides, the differential corpus …):',
    '',
    `- ${MARK.passed} every case ran and passed (some may have been skipped)`,
    `- ${MARK.skipped} every case was skipped: the backend does not declare the capability (reasons below)`,
    `- ${MARK['known-failure']} a known failure: listed by the backend, with its reason (below)`,
    `- ${MARK.failed} failed`,
    '- `any`: cases that do not depend on a dtype (errors, API behaviour)',
    '',
    'Backends with no report on the machine that generated this page are shown as "not run here".',
    '',
    '## Totals',
    '',
    ...totalsTable(reports),
    '',
    ...(ran.length ? ['### Passed per layer', '', ...layerTable(ran), ''] : []),
    '## Ops',
    '',
    ...matrixTable(reports),
    '',
    '## Skips, known failures and failures',
    '',
    ...ran.flatMap(reasons),
  ].join('\n');
}

function main(mode) {
  const page = renderPage(loadReports());
  const file = root(PAGE);
  if (mode === '--write') {
    writeFileSync(file, page);
    console.log(`wrote ${PAGE}`);
    return 0;
  }
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === page) return 0;
  console.error(`${PAGE} is not current with the conformance reports: run pnpm docs:matrix`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exit(main(process.argv[2] ?? '--check'));
