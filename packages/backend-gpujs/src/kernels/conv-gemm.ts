/**
 * conv2d and its two gradients as products on the tiled vec4 matmul of matmul.ts (WebGL modes,
 * groups = 1). With K = C·kH·kW filter taps and NP = N·OH·OW output positions:
 *
 *   forward      y[O, NP]  = w[O, K]  · xcol[K, NP]
 *   grad input   gcol[K, NP] = wᵀ[K, O] · g[O, NP], then col2im sums each x position's taps
 *   grad weight  gw[O, K] = g[O, NP] · xcolᵀ[NP, K]
 *
 * The im2col matrix is never stored: the pack kernels read x (or the gradient) directly into the
 * vec4 layout the tile kernel takes, and the unpack / col2im kernels read the tile kernel's 2×2
 * blocks directly (the bias is added there). The direct kernels of conv.ts compute every output
 * with scalar fetches, each paying gpu.js's texel decode; here 16 multiply-adds share 4 vec4
 * fetches. Measured in headless Chromium/SwiftShader: see docs/backends/gpujs.md, Performance.
 *
 * Semantics are the im2col decomposition's, like conv.ts: padded taps are zeros that are still
 * multiplied (0·NaN = NaN), and col2im sums only the taps a window really reads.
 */
import type { DevData, Runtime } from '../runtime.js';
import { MAX_ELEMENTS } from '../runtime.js';
import {
  packCols,
  packRows,
  packedBlocks,
  packKernel,
  reads4,
  TILED_MODES,
  layoutKey,
  unpackBlocks,
} from './tile.js';
import type { Blocks, PackCall } from './tile.js';

/**
 * Geometry g = [N, C, H, W, O, kH, kW, OH, OW, sH, sW, pT, pL, dH, dW, groups] (conv.ts); the
 * statements below decode an im2col row `kidx` into (c, kh, kw) and a column `col` into
 * (n, oh, ow), and read the tap or 0 where the window reads padding.
 */
const TAP_ROW = (kidx: string, u: number) => `
    const kw${u} = ${kidx} % g[6]; const kt${u} = Math.floor(${kidx} / g[6]);
    const kh${u} = kt${u} % g[5]; const c${u} = Math.floor(kt${u} / g[5]);`;
const TAP_COL = (col: string, u: number) => `
    const ow${u} = ${col} % g[8]; const ct${u} = Math.floor(${col} / g[8]);
    const oh${u} = ct${u} % g[7]; const n${u} = Math.floor(ct${u} / g[7]);`;
/** Reads the tap of row suffix `r` and column suffix `c` (gpu.js wants unique names per kernel). */
const TAP_READ = (out: string, r: number | string, c: number | string) => `
    const h${out} = oh${c} * g[9] - g[11] + kh${r} * g[13];
    const w${out} = ow${c} * g[10] - g[12] + kw${r} * g[14];
    if (h${out} >= 0 && h${out} < g[2] && w${out} >= 0 && w${out} < g[3]) {
      ${out} = x[xo + ((n${c} * g[1] + c${r}) * g[2] + h${out}) * g[3] + w${out}];
    }`;

/** Forward B operand: column `col` of xcol, texel j = rows 4j..4j+3 (zero past K or NP). */
const PACK_XCOL = packKernel(
  'convPackXcol',
  'x, xo, g, K, NP',
  'col',
  `
  if (col < NP) {${TAP_COL('col', 9)}${[0, 1, 2, 3]
    .map(
      (u) => `
    if (4 * j + ${u} < K) {${TAP_ROW(`(4 * j + ${u})`, u)}${TAP_READ(`x${u}`, u, 9)}
    }`,
    )
    .join('')}
  }`,
);

/** Grad-weight B operand: row `kidx` of xcol, texel j = columns 4j..4j+3 (zero past NP or K). */
const PACK_XROW = packKernel(
  'convPackXrow',
  'x, xo, g, K, NP',
  'kidx',
  `
  if (kidx < K) {${TAP_ROW('kidx', 9)}${[0, 1, 2, 3]
    .map(
      (u) => `
    if (4 * j + ${u} < NP) {${TAP_COL(`(4 * j + ${u})`, u)}${TAP_READ(`x${u}`, 9, u)}
    }`,
    )
    .join('')}
  }`,
);

/** The gradient g [N, O, P] as the matrix [O, NP]: row o, texel j = columns 4j..4j+3. */
const PACK_GROW = packKernel(
  'convPackGrow',
  'gr, go, O, P, NP',
  'o',
  `
  if (o < O) {${[0, 1, 2, 3]
    .map(
      (u) => `
    const c${u} = 4 * j + ${u}; const n${u} = Math.floor(c${u} / P);
    if (c${u} < NP) { x${u} = gr[go + (n${u} * O + o) * P + c${u} - n${u} * P]; }`,
    )
    .join('')}
  }`,
);

/** The gradient as [O, NP] by columns: column col, texel j = rows (channels) 4j..4j+3. */
const PACK_GCOL = packKernel(
  'convPackGcol',
  'gr, go, O, P, NP',
  'col',
  `
  if (col < NP) {
    const n = Math.floor(col / P);
    const base = go + n * O * P + col - n * P + 4 * j * P;${reads4('4 * j', 'O', (u) => `gr[base + ${u} * P]`)}
  }`,
);

/** One element (row r, column c) of the tile kernel's 2×2 blocks, into `out`. */
const BLOCK_READ = (r: string, c: string, out: string) => `
    const v = t4[Math.floor(${r} / 2) * nh + Math.floor(${c} / 2)];
    if (${r} % 2 === 0) {
      if (${c} % 2 === 0) { ${out} += v[0]; } else { ${out} += v[1]; }
    } else {
      if (${c} % 2 === 0) { ${out} += v[2]; } else { ${out} += v[3]; }
    }`;

/** y [N, O, P] from the [O, NP] product's blocks, plus the bias. */
const UNPACK_Y_SRC = `function(t4, nh, O, P, b, bo, hasBias) {
  const i = this.thread.x;
  const p = i % P; const q = Math.floor(i / P);
  const o = q % O; const n = Math.floor(q / O);
  const col = n * P + p;
  let acc = 0;${BLOCK_READ('o', 'col', 'acc')}
  if (hasBias > 0) { acc += b[bo + o]; }
  return acc;
}`;

/**
 * The input gradient's loop (kernel source, shared with conv.ts): every tap (kh, kw) and output
 * position (oh, ow) whose window reads input (y, x), in the names kH, kW, OH, OW and geometry g;
 * `body` runs once for each.
 */
export const WINDOWS_READING = (body: string): string => `
  for (let kh = 0; kh < kH; kh++) {
    const th = y + g[11] - kh * g[13];
    const oh = Math.floor(th / g[9]);
    if (th >= 0 && oh * g[9] === th && oh < OH) {
      for (let kw = 0; kw < kW; kw++) {
        const tw = x + g[12] - kw * g[14];
        const ow = Math.floor(tw / g[10]);
        if (tw >= 0 && ow * g[10] === tw && ow < OW) {${body}
        }
      }
    }
  }`;

/** col2im: gx[n, c, y, x] = Σ of gcol over the taps (kh, kw) whose window reads (y, x). */
const COL2IM_SRC = `function(t4, nh, g) {
  const C = g[1]; const H = g[2]; const W = g[3];
  const kH = g[5]; const kW = g[6]; const OH = g[7]; const OW = g[8];
  const i = this.thread.x;
  const x = i % W; const r1 = Math.floor(i / W);
  const y = r1 % H; const r2 = Math.floor(r1 / H);
  const c = r2 % C; const n = Math.floor(r2 / C);
  let acc = 0;${WINDOWS_READING(`
          const kidx = (c * kH + kh) * kW + kw;
          const col = (n * OH + oh) * OW + ow;${BLOCK_READ('kidx', 'col', 'acc')}`)}
  return acc;
}`;

/** Shapes of one product: a [m, k] · b [k, n] as 2×2 blocks over k in texels of 4. */
interface Dims {
  m: number;
  n: number;
  k: number;
}
const halves = (d: Dims) => ({
  mh: Math.ceil(d.m / 2),
  nh: Math.ceil(d.n / 2),
  k4: Math.ceil(d.k / 4),
});

/**
 * Whether the tiled path runs: a WebGL mode, ungrouped, and every pass within gpu.js's
 * per-kernel limit (otherwise the direct kernels of conv.ts, which have the same semantics).
 * No lower size bound: three extra launches cost well under a millisecond, and so the suite's
 * small conv cases exercise this path on WebGL2.
 */
export function convGemmFits(rt: Runtime, g: readonly number[]): boolean {
  if (!TILED_MODES.has(rt.mode) || g[15] !== 1) return false;
  const [N, C, H, W, O, kH, kW, OH, OW] = g as [number, ...number[]] as number[];
  const K = C! * kH! * kW!;
  const NP = N! * OH! * OW!;
  if (K === 0 || NP === 0 || O === 0) return false;
  const packed = (rows: number, k: number) => 2 * Math.ceil(rows / 2) * Math.ceil(k / 4);
  const biggest = Math.max(
    packed(NP, K),
    packed(K, NP),
    packed(K, O),
    packed(NP, O),
    packed(O, NP),
    Math.ceil(K / 2) * Math.ceil(NP / 2),
    N! * C! * H! * W!,
  );
  return biggest <= MAX_ELEMENTS;
}

/** Packs both operands and runs the tile kernel (tile.ts); the caller releases the blocks. */
function blocks(rt: Runtime, d: Dims, a: PackCall, b: PackCall): Blocks {
  const { mh, nh, k4 } = halves(d);
  return packedBlocks(rt, a, b, [1, mh, nh, k4]);
}

/** Device data with its element offset. */
type At = readonly [unknown, number];

/** y = conv2d(x, w) + bias as one product; `bias` null for none. */
export function convGemmForward(rt: Runtime, g: number[], x: At, w: At, bias: At | null): DevData {
  const [N, C, , , O, kH, kW, OH, OW] = g as number[];
  const d = { m: O!, n: N! * OH! * OW!, k: C! * kH! * kW! };
  const gm = Float32Array.from(g);
  const bl = blocks(rt, d, packRows(w[0], w[1], d.m, d.k), [PACK_XCOL, [x[0], x[1], gm, d.k, d.n]]);
  try {
    const b = bias ?? w;
    const args = [bl.t4, halves(d).nh, O, OH! * OW!, b[0], b[1], bias ? 1 : 0];
    return rt.run(layoutKey('convUnpackY', bl), UNPACK_Y_SRC, d.m * d.n, args as never);
  } finally {
    rt.release(bl.t4);
  }
}

/** gx: gcol = wᵀ · grad, then col2im. */
export function convGemmGradInput(rt: Runtime, g: number[], gr: At, w: At): DevData {
  const [N, C, H, W, O, kH, kW, OH, OW] = g as number[];
  const P = OH! * OW!;
  const d = { m: C! * kH! * kW!, n: N! * P, k: O! };
  const bl = blocks(rt, d, packCols(w[0], w[1], d.k, d.m), [PACK_GCOL, [gr[0], gr[1], O, P, d.n]]);
  try {
    const args = [bl.t4, halves(d).nh, Float32Array.from(g)];
    return rt.run(layoutKey('convCol2im', bl), COL2IM_SRC, N! * C! * H! * W!, args as never);
  } finally {
    rt.release(bl.t4);
  }
}

/** gw [O, C, kH, kW] = grad [O, NP] · xcolᵀ. */
export function convGemmGradWeight(rt: Runtime, g: number[], gr: At, x: At): DevData {
  const [N, C, , , O, kH, kW, OH, OW] = g as number[];
  const P = OH! * OW!;
  const d = { m: O!, n: C! * kH! * kW!, k: N! * P };
  const bl = blocks(
    rt,
    d,
    [PACK_GROW, [gr[0], gr[1], O, P, d.k]],
    [PACK_XROW, [x[0], x[1], Float32Array.from(g), d.n, d.k]],
  );
  try {
    return unpackBlocks(rt, bl, [1, d.m, d.n]);
  } finally {
    rt.release(bl.t4);
  }
}
