/**
 * Charts as SVG, rendered headlessly by vega from vega-lite specs (no browser, no canvas: vega
 * estimates text widths itself, which is good enough for axis labels).
 */
import type { BenchReport } from '../harness/types.js';

type VlSpec = Record<string, unknown>;

const LEGEND = { orient: 'bottom', columns: 4, title: null };
const CONFIG = { font: 'sans-serif', background: 'white', view: { stroke: null } };

function adapterOrder(rep: BenchReport): string[] {
  return rep.adapters.filter((a) => !a.skip).map((a) => a.id);
}

/** One row per workload, one dot per adapter: speed relative to the best peer, log scale. */
export function overviewSpec(rep: BenchReport): VlSpec | undefined {
  const values = rep.results.flatMap((r) =>
    r.cells
      .filter((c) => c.vsBestPeer !== undefined)
      .map((c) => ({
        workload: r.workload.title,
        adapter: c.adapter,
        ratio: c.vsBestPeer,
        flint: rep.adapters.find((a) => a.id === c.adapter)?.role === 'flint',
      })),
  );
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Relative to the best peer: higher is faster (or, for memory, leaner)',
      subtitle: `${rep.machine.cpu}; ${rep.date.slice(0, 10)}`,
    },
    width: 520,
    height: { step: 22 },
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { datum: 1 } } },
      {
        mark: { type: 'point', filled: true, opacity: 0.85 },
        encoding: {
          y: {
            field: 'workload',
            type: 'nominal',
            sort: rep.results.map((r) => r.workload.title),
            title: null,
            axis: { labelLimit: 320 },
          },
          x: {
            field: 'ratio',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'best peer median ÷ median (log scale)',
          },
          // Same legend for colour and shape, so vega-lite merges them into one.
          color: { field: 'adapter', type: 'nominal', sort: adapterOrder(rep), legend: LEGEND },
          shape: { field: 'adapter', type: 'nominal', sort: adapterOrder(rep), legend: LEGEND },
          // Flint's own backends drawn larger: they are what the page is about.
          size: {
            field: 'flint',
            type: 'ordinal',
            scale: { domain: [true, false], range: [130, 55] },
            legend: null,
          },
        },
      },
    ],
    config: CONFIG,
  };
}

/** Matmul GFLOP/s against size, one line per adapter. */
export function matmulSpec(rep: BenchReport): VlSpec | undefined {
  const values = rep.results
    .filter((r) => r.workload.spec.family === 'matmul')
    .flatMap((r) =>
      r.cells
        .filter((c) => c.throughput !== undefined)
        .map((c) => ({
          n: (r.workload.spec as { n: number }).n,
          adapter: c.adapter,
          gflops: c.throughput,
        })),
    );
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'fp32 matmul, n×n by n×n',
    width: 420,
    height: 260,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'n',
        type: 'quantitative',
        scale: { type: 'log', base: 2 },
        axis: { values: [...new Set(values.map((v) => v.n))], format: 'd' },
        title: 'n',
      },
      y: {
        field: 'gflops',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'GFLOP/s (log scale)',
      },
      color: { field: 'adapter', type: 'nominal', sort: adapterOrder(rep), title: null },
    },
    config: CONFIG,
  };
}

/** Compile a vega-lite spec and render it to an SVG string. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
