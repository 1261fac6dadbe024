/**
 * The packed product that the tiled matmul (matmul.ts) and the convolution products
 * (conv-gemm.ts) share: A's rows and B's columns are packed along k into vec4 textures (one
 * texel holds four consecutive k values), then each thread computes a 2×2 block of C from two A
 * texels and two B texels per step. gpu.js stores scalar float textures one value per texel and
 * turns every read into a linear index and an integer division to find it; the tile kernel does
 * 16 multiply-adds per 4 vec4 fetches instead.
 *
 * Two layouts of the packed operands:
 * - grid (WebGL2, when it fits the texture size): packed row q is texture row q, so the loop
 *   steps along one texture row with `texture()` at a coordinate shared by all four fetches —
 *   no index decode and no wrap test per step. Measured in headless Chromium/SwiftShader (same
 *   run, tile pass alone): texelFetch with a wrapping cursor 27 ms at 256², `texture()` without
 *   the wrap 11–14 ms; SwiftShader's sampler path for `texture()` is its fast one.
 * - line (WebGL1, headless-gl, or operands too large for one texture row per packed row): gpu.js's
 *   1-D outputs, texel t at (t mod w, t / w); on WebGL2 a texelFetch cursor steps through it.
 */
import type { DevData, Native, Runtime } from '../runtime.js';

/** A pack kernel in both layouts: its cache key and the sources of its line and grid forms. */
export interface PackKernel {
  key: string;
  line: string;
  grid: string;
}

/** A pack kernel and its arguments (k4, the texel count of a packed row, is appended). */
export type PackCall = readonly [PackKernel, readonly unknown[]];

/** Where a pack thread writes: texel `j` of packed row `row`, per layout. */
const PACK_AT = {
  line: (row: string) =>
    `const i = this.thread.x;\n  const j = i % k4;\n  const ${row} = Math.floor(i / k4);`,
  grid: (row: string) => `const j = this.thread.x;\n  const ${row} = this.thread.y;`,
};

/**
 * A pack kernel from its body: the body sets x0..x3, the four k values of texel `j` of packed row
 * `row` (zero where it reads past the operand, so the tile kernel needs no bounds checks).
 */
export function packKernel(key: string, params: string, row: string, body: string): PackKernel {
  const src = (at: string) =>
    `function(${params}, k4) {\n  ${at}\n  let x0 = 0; let x1 = 0; let x2 = 0; let x3 = 0;` +
    `${body}\n  return [x0, x1, x2, x3];\n}`;
  return { key, line: src(PACK_AT.line(row)), grid: src(PACK_AT.grid(row)) };
}

/** `if (first + u < end) { xu = read(u); }` for u = 0..3: a texel's reads, zero past `end`. */
export const reads4 = (first: string, end: string, read: (u: number) => string): string =>
  [0, 1, 2, 3].map((u) => `\n    if (${first} + ${u} < ${end}) { x${u} = ${read(u)}; }`).join('');

/**
 * Packs `rows` vectors of length k per batch (batch stride rows·k): vector r starts at
 * xo + r·rs and steps by ks along k; packed row r, texel j holds its values 4j..4j+3 (rows past
 * `rows`, up to the even `rows2`, are zero).
 */
const PACK = packKernel(
  'matmulPack',
  'x, xo, rows, k, rows2, rs, ks',
  'q',
  `
  const r = q % rows2;
  const bb = Math.floor(q / rows2);
  const t = 4 * j;
  const base = xo + bb * rows * k + r * rs + t * ks;
  if (r < rows) {${reads4('t', 'k', (u) => `x[base + ${u} * ks]`)}
  }`,
);

/** The rows of a row-major [B, rows, k] at element offset `off`, packed along k. */
export const packRows = (x: unknown, off: number, rows: number, k: number): PackCall => [
  PACK,
  [x, off, rows, k, 2 * Math.ceil(rows / 2), k, 1],
];

/** The columns of a row-major [B, k, cols] at element offset `off`, packed along k. */
export const packCols = (x: unknown, off: number, k: number, cols: number): PackCall => [
  PACK,
  [x, off, cols, k, 2 * Math.ceil(cols / 2), 1, cols],
];

/** One step of the 2×2 block: rows x, y of A against columns p, q of B (both 4 k values). */
const STEP = (fetch: string, advance: string) => `
    {${fetch}
      s += vec4(dot(x, p), dot(x, q), dot(y, p), dot(y, q));${advance}
    }`;

/**
 * Grid layout: A's packed rows ra, ra+1 and B's rb, rb+1 are texture rows, every texture k4
 * texels wide; step t reads texel t of each at u = (t + 0.5) / k4 (a texel centre, so nearest
 * sampling picks texel t exactly). Unrolled by four: SwiftShader pays for every loop test.
 */
const GRID_GLSL = (() => {
  const step = STEP(
    `
      float u = t * du; t += 1.0;
      vec4 x = texture(a, vec2(u, va0)); vec4 y = texture(a, vec2(u, va1));
      vec4 p = texture(b, vec2(u, vb0)); vec4 q = texture(b, vec2(u, vb1));`,
    '',
  );
  return `vec4 flintTileGrid(sampler2D a, ivec2 aSize, ivec3 aDim, sampler2D b, ivec2 bSize, ivec3 bDim, float ra, float rb) {
  int n = aSize.x;
  float du = 1.0 / float(n);
  float va0 = (ra + 0.5) / float(aSize.y); float va1 = (ra + 1.5) / float(aSize.y);
  float vb0 = (rb + 0.5) / float(bSize.y); float vb1 = (rb + 1.5) / float(bSize.y);
  vec4 s = vec4(0.0);
  float t = 0.5;
  int n4 = n - n % 4;
  for (int j = 0; j < n4; j += 4) {${step}${step}${step}${step}
  }
  for (int j = n4; j < n; j++) {${step}
  }
  return s;
}`;
})();

/**
 * The grid tile kernel: output [nh, B·mh], so block (row rh of batch bb, column ch) is texel
 * (ch, bb·mh + rh) — the same linear order as the line layout's [B·mh·nh].
 */
const TILE_GRID_SRC = `function(a4, b4, mh, nh) {
  const bb = Math.floor(this.thread.y / mh);
  return flintTileGrid(a4, b4, 2 * this.thread.y, 2 * (bb * nh + this.thread.x));
}`;

const GRID_NATIVE: Native[] = [
  {
    name: 'flintTileGrid',
    source: GRID_GLSL,
    returnType: 'Array(4)',
    argumentTypes: { a: 'ArrayTexture(4)', b: 'ArrayTexture(4)', ra: 'Number', rb: 'Number' },
  },
];

/** Line layout: block (rh, ch) of batch bb, and where its packed rows a0 and b0 start. */
const BLOCK_AT = `
  const i = this.thread.x;
  const ch = i % nh;
  const q = Math.floor(i / nh);
  const rh = q % mh;
  const bb = Math.floor(q / mh);
  const a0 = (bb * mh + rh) * 2 * k4;
  const b0 = (bb * nh + ch) * 2 * k4;`;

/** Line layout on WebGL1/headless-gl: gpu.js reads each texel through its index decode. */
const TILE_LINE_SRC = `function(a4, b4, mh, nh, k4) {${BLOCK_AT}
  const a1 = a0 + k4;
  const b1 = b0 + k4;
  let s00 = 0;
  let s01 = 0;
  let s10 = 0;
  let s11 = 0;
  for (let j = 0; j < k4; j++) {
    const x = a4[a0 + j];
    const y = a4[a1 + j];
    const u = b4[b0 + j];
    const v = b4[b1 + j];
    s00 += (x[0] * u[0] + x[1] * u[1]) + (x[2] * u[2] + x[3] * u[3]);
    s01 += (x[0] * v[0] + x[1] * v[1]) + (x[2] * v[2] + x[3] * v[3]);
    s10 += (y[0] * u[0] + y[1] * u[1]) + (y[2] * u[2] + y[3] * u[3]);
    s11 += (y[0] * v[0] + y[1] * v[1]) + (y[2] * v[2] + y[3] * v[3]);
  }
  return [s00, s01, s10, s11];
}`;

/**
 * Line layout on WebGL2: four texel cursors step through the 1-D layout (x + 1, wrapping to the
 * next row at the texture's width), so the loop does no division, and `texelFetch` takes the
 * integer coordinates directly.
 */
const LINE_GLSL = (() => {
  const wrap = (c: string, w: string) =>
    `\n      ${c}.x++; if (${c}.x == ${w}) { ${c} = ivec2(0, ${c}.y + 1); }`;
  const step = STEP(
    `
      vec4 x = texelFetch(a, p0, 0); vec4 y = texelFetch(a, p1, 0);
      vec4 p = texelFetch(b, q0, 0); vec4 q = texelFetch(b, q1, 0);`,
    wrap('p0', 'aw') + wrap('p1', 'aw') + wrap('q0', 'bw') + wrap('q1', 'bw'),
  );
  return `vec4 flintTileLine(sampler2D a, ivec2 aSize, ivec3 aDim, sampler2D b, ivec2 bSize, ivec3 bDim, float a0, float a1, float b0, float b1, float k4) {
  int n = int(k4 + 0.5);
  int ia0 = int(a0 + 0.5); int ia1 = int(a1 + 0.5); int ib0 = int(b0 + 0.5); int ib1 = int(b1 + 0.5);
  int aw = aSize.x; int bw = bSize.x;
  ivec2 p0 = ivec2(ia0 - aw * (ia0 / aw), ia0 / aw);
  ivec2 p1 = ivec2(ia1 - aw * (ia1 / aw), ia1 / aw);
  ivec2 q0 = ivec2(ib0 - bw * (ib0 / bw), ib0 / bw);
  ivec2 q1 = ivec2(ib1 - bw * (ib1 / bw), ib1 / bw);
  vec4 s = vec4(0.0);
  for (int j = 0; j < n; j++) {${step}
  }
  return s;
}`;
})();

const TILE_FETCH_SRC = `function(a4, b4, mh, nh, k4) {${BLOCK_AT}
  return flintTileLine(a4, b4, a0, a0 + k4, b0, b0 + k4, k4);
}`;

const LINE_NATIVE: Native[] = [
  {
    name: 'flintTileLine',
    source: LINE_GLSL,
    returnType: 'Array(4)',
    argumentTypes: {
      a: 'ArrayTexture(4)',
      b: 'ArrayTexture(4)',
      a0: 'Number',
      a1: 'Number',
      b0: 'Number',
      b1: 'Number',
      k4: 'Number',
    },
  },
];

/** gpu.js modes whose kernels take and return vec4 textures (the tiled path). */
export const TILED_MODES = new Set(['webgl2', 'webgl', 'headlessgl']);

const limits = new WeakMap<Runtime, number>();

/**
 * The context's MAX_TEXTURE_SIZE (the WebGL2 minimum, 2048, where it cannot be read). Read from
 * gpu.js's context, not its kernel classes: importing those makes a bundler rename them, and the
 * runtime tells modes apart by class name.
 */
function maxTextureSize(rt: Runtime): number {
  let lim = limits.get(rt);
  if (lim === undefined) {
    const gl = (rt.gpu as unknown as { context?: { getParameter?(p: number): unknown } }).context;
    const v: unknown = gl?.getParameter?.(0x0d33); // MAX_TEXTURE_SIZE
    lim = typeof v === 'number' && v > 0 ? v : 2048;
    limits.set(rt, lim);
  }
  return lim;
}

/**
 * The tile kernel's 2×2 blocks of C and their layout. A kernel that reads them is cached per
 * layout (`layoutKey`): gpu.js cannot run one compiled kernel on textures of both shapes.
 */
export interface Blocks {
  t4: DevData;
  grid: boolean;
}

export const layoutKey = (key: string, b: Blocks): string => (b.grid ? `${key}Grid` : key);

/**
 * Packs A's rows and B's columns (k4 texels each; B·2·mh and B·2·nh packed rows) and runs the
 * tile kernel: [B·mh·nh] blocks [c00, c01, c10, c11] (the caller releases them).
 */
export function packedBlocks(
  rt: Runtime,
  a: PackCall,
  b: PackCall,
  [B, mh, nh, k4]: readonly [number, number, number, number],
): Blocks {
  const lim = maxTextureSize(rt);
  const grid = rt.mode === 'webgl2' && k4 <= lim && 2 * B * Math.max(mh, nh) <= lim;
  const pack = ([p, args]: PackCall, rows: number) =>
    grid
      ? rt.run(`${p.key}Grid`, p.grid, rows * k4, [...args, k4] as never, true, undefined, [
          k4,
          rows,
        ])
      : rt.run(p.key, p.line, rows * k4, [...args, k4] as never, true);
  const a4 = pack(a, 2 * B * mh);
  try {
    const b4 = pack(b, 2 * B * nh);
    try {
      const n = B * mh * nh;
      const args = [a4, b4, mh, nh, k4] as never;
      let t4: DevData;
      if (grid)
        t4 = rt.run('matmulTileGrid', TILE_GRID_SRC, n, [a4, b4, mh, nh], true, GRID_NATIVE, [
          nh,
          B * mh,
        ]);
      else if (rt.mode === 'webgl2')
        t4 = rt.run('matmulTileFetch', TILE_FETCH_SRC, n, args, true, LINE_NATIVE);
      else t4 = rt.run('matmulTile', TILE_LINE_SRC, n, args, true);
      return { t4, grid };
    } finally {
      rt.release(b4);
    }
  } finally {
    rt.release(a4);
  }
}

/** Element (r, c) of C [B,m,n] that an unpack thread writes (its batch is floor(q / m)). */
const ELEMENT_AT = `
  const i = this.thread.x;
  const c = i % n;
  const q = Math.floor(i / n);
  const r = q % m;`;

/**
 * Grid layout: element (r, c) of batch bb is channel (r & 1)·2 + (c & 1) of block
 * (bb·mh + r / 2)·nh + c / 2, found with one integer division instead of gpu.js's float-emulated
 * linear-index decode (the texture is [nh, B·mh] except where B·mh = 1, so the position is
 * taken from the linear order, which is the same in every shape).
 */
const UNBLOCK_GLSL = `float flintUnblock(sampler2D t, ivec2 tSize, ivec3 tDim, float fr, float fc, float row0, float fnh) {
  int r = int(fr + 0.5); int c = int(fc + 0.5);
  int at = (int(row0 + 0.5) + (r >> 1)) * int(fnh + 0.5) + (c >> 1);
  vec4 v = texelFetch(t, ivec2(at % tSize.x, at / tSize.x), 0);
  vec2 h = (r & 1) == 0 ? v.xy : v.zw;
  return (c & 1) == 0 ? h.x : h.y;
}`;

const UNBLOCK_SRC = `function(t4, m, n, mh, nh) {${ELEMENT_AT}
  return flintUnblock(t4, r, c, Math.floor(q / m) * mh, nh);
}`;

const UNBLOCK_NATIVE: Native[] = [
  {
    name: 'flintUnblock',
    source: UNBLOCK_GLSL,
    returnType: 'Number',
    argumentTypes: {
      t: 'ArrayTexture(4)',
      fr: 'Number',
      fc: 'Number',
      row0: 'Number',
      fnh: 'Number',
    },
  },
];

/** Line layout: the 2×2 blocks back to row-major C [B,m,n]. */
const UNPACK_SRC = `function(t4, m, n, mh, nh) {${ELEMENT_AT}
  const bb = Math.floor(q / m);
  const v = t4[(bb * mh + Math.floor(r / 2)) * nh + Math.floor(c / 2)];
  if (r % 2 === 0) {
    if (c % 2 === 0) { return v[0]; }
    return v[1];
  }
  if (c % 2 === 0) { return v[2]; }
  return v[3];
}`;

/** C [B,m,n] row-major from the blocks of packedBlocks (a new buffer; `b` stays the caller's). */
export function unpackBlocks(rt: Runtime, b: Blocks, [B, m, n]: readonly number[]): DevData {
  const args = [b.t4, m!, n!, Math.ceil(m! / 2), Math.ceil(n! / 2)];
  const size = B! * m! * n!;
  if (b.grid) return rt.run('matmulUnblock', UNBLOCK_SRC, size, args, false, UNBLOCK_NATIVE);
  return rt.run('matmulUnpack', UNPACK_SRC, size, args);
}
