/**
 * Lazy element-wise fusion. Each gpu.js kernel pays a fixed per-element cost for addressing
 * (thread id → output texel, input index → texel) that on WebGL dwarfs a multiply, so a chain
 * like `x.mul(w).add(b).relu()` run as three kernels costs about three times one kernel that
 * computes the whole expression. Here an element-wise primitive on device data returns a *lazy*
 * buffer: a small expression over its input buffers, compiled into one kernel (cached by the
 * expression's signature, never by size) and run only when something needs the values.
 *
 * Invariants (tested in fuse.test.ts):
 * - A lazy buffer has no device data and no host copy; `Store.dev`/`Store.host` materialise it
 *   first (every reader of buffer values goes through them).
 * - An expression's leaves are never lazy: a lazy input is either inlined (its expression copied
 *   in) or materialised first and read as a leaf.
 * - A leaf's values must not change while an expression reads it: before a buffer is written,
 *   every pending expression reading it is materialised (`beforeWrite`).
 * - A leaf freed while expressions still read it (a composite's intermediate, or a parameter
 *   that an in-place update replaced) keeps its device data until the last of them has run or
 *   been dropped (`onFree`, `held`): freeing never forces a kernel, so `matmul → add → relu`
 *   inside `Linear` and `ReLU` still fuses. Its texture stays counted in `stats()` meanwhile.
 * - Freeing a lazy buffer drops its expression: it never ran, so it owns no texture.
 */
import { PRIM_NAMES, PRIMS, sizeOf } from '@flint/core/backend';
import type { DType, Kernels, KView } from '@flint/core/backend';
import { FORMULAS } from './fuse-formula.js';
import { affineIndex } from './kernels/broadcast.js';
import { isContiguous } from './kernels/layout.js';
import { MAX_ELEMENTS } from './runtime.js';
import type { GBuf, Store } from './storage.js';

type V = KView<GBuf>;

/**
 * How a leaf reads element i: `plain` x[o + i]; `row` x[o + i mod p] (a repeated row: bias,
 * scale); `affine` x[o + floor(i / q) mod p]; `scalar` x[o] on the device; `value` a number
 * passed as a uniform (a one-value operand whose host copy is at hand: no texture fetch at all).
 */
type Kind = 'plain' | 'row' | 'affine' | 'scalar' | 'value';

interface Leaf {
  buf: GBuf;
  off: number;
  q: number;
  p: number;
  kind: Kind;
}

/** An expression node: a leaf (by index) or a primitive over earlier nodes. */
type Item = { leaf: number } | { op: string; args: number[] };

interface Expr {
  leaves: Leaf[];
  /** Topologically ordered; the last item is the result. */
  items: Item[];
  n: number;
}

/** Most primitives and distinct inputs one fused kernel takes (WebGL has 16 samplers). */
const MAX_OPS = 12;
const MAX_LEAVES = 6;

export class Fuser {
  private pending = new Map<GBuf, Expr>();
  /** Leaf buffer → the lazy buffers whose expressions read it. */
  private readers = new Map<GBuf, Set<GBuf>>();
  /** Freed buffers whose device data pending expressions still read. */
  private held = new Set<GBuf>();
  /**
   * Lazy buffers already inlined into another expression. A second consumer materialises the
   * buffer and reads it as a leaf: a value used twice (a kept `randn`, a weight) is computed
   * once, not once per consumer.
   */
  private inlined = new Set<GBuf>();
  /** Fused kernels run so far (for tests and profiling). */
  runs = 0;

  /**
   * `minSize`: outputs of at most this many elements do not fuse. They run on the one shared
   * element-wise kernel (kernels/family.ts) instead: at that size a kernel costs about its launch,
   * so fusing saves little per step, while every distinct expression is one more compile in the
   * first training step (~40 ms each on SwiftShader).
   */
  constructor(
    private readonly s: Store,
    private readonly minSize = 0,
  ) {}

  isLazy(b: GBuf): boolean {
    return this.pending.has(b);
  }

  /** Lazy buffers alive (expressions not yet run). */
  get size(): number {
    return this.pending.size;
  }

  /**
   * A lazy result of primitive `op` over `views` (same shape, float32 or bool), or null when the
   * call does not fuse (the caller runs the primitive's own kernel).
   */
  op(op: string, dtype: DType, views: readonly V[]): GBuf | null {
    if (!FORMULAS.has(op) || views.some((v) => v.dtype === 'int32')) return null;
    const n = sizeOf(views[0]!.shape);
    if (n <= this.minSize || n > MAX_ELEMENTS) return null;
    const used: GBuf[] = [];
    let e = this.build(op, views, n, used);
    if (!e) {
      used.length = 0;
      e = this.build(op, views, n, null);
    }
    if (!e) return null;
    for (const u of used) this.inlined.add(u);
    const b = this.s.fromLazy(dtype, n);
    this.pending.set(b, e);
    for (const l of e.leaves) {
      let r = this.readers.get(l.buf);
      if (!r) this.readers.set(l.buf, (r = new Set()));
      r.add(b);
    }
    return b;
  }

  /**
   * The expression op(views), inlining lazy inputs not inlined before when `used` is given
   * (they are pushed onto it); null if over the limits.
   */
  private build(op: string, views: readonly V[], n: number, used: GBuf[] | null): Expr | null {
    const inline = this.inlinable(views, n, used !== null);
    // lazy inputs read as leaves run before anything is inlined: running one may release a freed
    // buffer that only it still read, and an expression inlined here may read that buffer too
    views.forEach((v, i) => inline[i] || this.materialize(v.buf));
    const e: Expr = { leaves: [], items: [], n };
    const args: number[] = [];
    for (const [i, v] of views.entries()) {
      const inner = this.pending.get(v.buf);
      if (inline[i] && inner) {
        args.push(this.inlineInto(e, inner));
        used!.push(v.buf);
        continue;
      }
      const leaf = this.leafOf(v, n);
      if (!leaf) return null;
      args.push(this.addLeaf(e, leaf));
    }
    e.items.push({ op, args });
    const ops = e.items.filter((i) => 'op' in i).length;
    return ops <= MAX_OPS && e.leaves.length <= MAX_LEAVES ? e : null;
  }

  /**
   * Which views inline their lazy buffer: whole-buffer contiguous views of one not inlined
   * before, and only its first occurrence in this call (a value read twice runs once).
   */
  private inlinable(views: readonly V[], n: number, allowed: boolean): boolean[] {
    const seen = new Set<GBuf>();
    return views.map((v) => {
      const first = !seen.has(v.buf);
      seen.add(v.buf);
      return (
        allowed &&
        first &&
        this.pending.has(v.buf) &&
        !this.inlined.has(v.buf) &&
        v.offset === 0 &&
        v.buf.size === n &&
        isContiguous(v)
      );
    });
  }

  /** Copies `inner`'s items into `e` (leaves deduplicated); returns its result's index. */
  private inlineInto(e: Expr, inner: Expr): number {
    const map = inner.items.map((): number => -1);
    inner.items.forEach((it, i) => {
      if ('leaf' in it) map[i] = this.addLeaf(e, inner.leaves[it.leaf]!);
      else {
        e.items.push({ op: it.op, args: it.args.map((a) => map[a]!) });
        map[i] = e.items.length - 1;
      }
    });
    return map[map.length - 1]!;
  }

  private addLeaf(e: Expr, l: Leaf): number {
    let j = e.leaves.findIndex(
      (o) => o.buf === l.buf && o.off === l.off && o.q === l.q && o.p === l.p && o.kind === l.kind,
    );
    if (j < 0) j = e.leaves.push(l) - 1;
    const at = e.items.findIndex((it) => 'leaf' in it && it.leaf === j);
    if (at >= 0) return at;
    return e.items.push({ leaf: j }) - 1;
  }

  /** How to read view `v` as a leaf (materialising a lazy buffer first); null if not affine. */
  private leafOf(v: V, n: number): Leaf | null {
    const ix = affineIndex(v);
    if (!ix) return null;
    if (this.pending.has(v.buf)) this.materialize(v.buf);
    const [off, q, p] = ix;
    let kind: Kind = 'affine';
    if (p === 1) kind = v.buf.host !== null ? 'value' : 'scalar';
    else if (q === 1 && p >= n) kind = 'plain';
    else if (q === 1) kind = 'row';
    return { buf: v.buf, off, q, p, kind };
  }

  /** Runs `b`'s expression as one kernel; `b` then holds ordinary device data. */
  materialize(b: GBuf): void {
    const e = this.pending.get(b);
    if (!e) return;
    const [key, src] = compile(e);
    const args: unknown[] = [];
    for (const l of e.leaves) {
      // a one-value operand travels as a number (its host copy is current: writes flush first)
      const data = l.kind === 'value' ? Number(this.s.host(l.buf)[l.off]) : this.s.dev(l.buf);
      args.push(data, l.off, l.q, l.p);
    }
    args.push(NaN, Infinity);
    const dev = this.s.rt.run(key, src, e.n, args as never);
    this.unlink(b, e);
    b.dev = dev;
    this.runs++;
  }

  /**
   * Before `b` is written: every pending expression reading it runs now, on the values it was
   * built on. A lazy `b` is dropped when the write covers every element, else materialised
   * (a partial write keeps the other values).
   */
  beforeWrite(b: GBuf, whole: boolean): void {
    const r = this.readers.get(b);
    if (r) for (const reader of [...r]) this.materialize(reader);
    const e = this.pending.get(b);
    if (!e) return;
    if (whole) this.unlink(b, e);
    else this.materialize(b);
  }

  /**
   * `b` is being freed. A lazy `b` drops its expression. Returns true when pending expressions
   * still read `b`: the caller then keeps its device data, which is released when the last of
   * them has run or been dropped.
   */
  onFree(b: GBuf): boolean {
    const e = this.pending.get(b);
    if (e) this.unlink(b, e);
    if (!this.readers.has(b)) return false;
    this.held.add(b);
    return true;
  }

  private unlink(b: GBuf, e: Expr): void {
    this.pending.delete(b);
    this.inlined.delete(b);
    for (const l of e.leaves) {
      const r = this.readers.get(l.buf);
      if (!r) continue;
      r.delete(b);
      if (r.size > 0) continue;
      this.readers.delete(l.buf);
      if (this.held.delete(l.buf)) this.s.releaseData(l.buf);
    }
  }

  dispose(): void {
    this.pending.clear();
    this.readers.clear();
    this.held.clear();
    this.inlined.clear();
  }
}

/**
 * The statements that read leaf j into `t` as gpu.js source. A row index i mod p is
 * i − p·floor(i / p), corrected by one step: the float32 quotient may round up to the next
 * integer near 2^24, and a negative or too-large remainder would read the wrong element.
 */
function read(l: Leaf, j: number, t: string): string {
  const x = `x${j}`;
  const o = `o${j}`;
  switch (l.kind) {
    case 'value':
      return `const ${t} = ${x};`;
    case 'scalar':
      return `const ${t} = ${x}[${o}];`;
    case 'plain':
      return `const ${t} = ${x}[${o} + this.thread.x];`;
    case 'row':
      return (
        `let r${j} = this.thread.x - p${j} * Math.floor(this.thread.x / p${j}); ` +
        `if (r${j} < 0) { r${j} = r${j} + p${j}; } if (r${j} >= p${j}) { r${j} = r${j} - p${j}; } ` +
        `const ${t} = ${x}[${o} + r${j}];`
      );
    case 'affine':
      return `const ${t} = ${x}[${o} + Math.floor(this.thread.x / q${j}) % p${j}];`;
  }
}

/** One node's formula with its operands renamed to the temporaries holding them. */
function rename(text: string, vars: string[], names: string[]): string {
  return text.replace(/(?<![\w.])([a-z])(?![\w])/g, (m, v: string) => {
    const i = vars.indexOf(v);
    return i >= 0 ? names[i]! : m;
  });
}

/**
 * [cache key, kernel source] of an expression. The key is the signature — primitives, operand
 * wiring and leaf kinds — so every size and every buffer reuses one compiled kernel.
 */
export function compile(e: Pick<Expr, 'leaves' | 'items'>): [string, string] {
  const lines: string[] = [];
  const sig: string[] = [];
  e.items.forEach((it, i) => {
    const t = `t${i}`;
    if ('leaf' in it) {
      lines.push(read(e.leaves[it.leaf]!, it.leaf, t));
      sig.push(`${e.leaves[it.leaf]!.kind}${it.leaf}`);
      return;
    }
    const f = FORMULAS.get(it.op)!;
    const names = it.args.map((a) => `t${a}`);
    // first true condition wins: assign the fallback, then the conditions from last to first
    lines.push(`let ${t} = 0;`, `${t} = ${rename(f.last, f.vars, names)};`);
    for (const [c, v] of [...f.conds].reverse())
      lines.push(`if (${rename(c, f.vars, names)}) { ${t} = ${rename(v, f.vars, names)}; }`);
    sig.push(`${it.op}(${it.args.join(',')})`);
  });
  lines.push(`return t${e.items.length - 1};`);
  const params = e.leaves.map((_, j) => `x${j}, o${j}, q${j}, p${j}`).join(', ');
  const src = `function(${params}, nan, inf) { ${lines.join(' ')} }`;
  return [`fuse:${sig.join(';')}`, src];
}

/**
 * `table` with every fusable element-wise primitive first offered to `fuser`: a call on
 * float32/bool views of an affine layout returns a lazy buffer, anything else runs the
 * primitive's own kernel as before.
 */
export function fuseFirst(fuser: Fuser, table: Kernels<GBuf>): Kernels<GBuf> {
  const out: Record<string, unknown> = { ...table };
  for (const p of PRIM_NAMES) {
    const kind = PRIMS[p].kind;
    if (!FORMULAS.has(p) || !['unary', 'binary', 'compare', 'where'].includes(kind)) continue;
    const own = table[p] as (...a: V[]) => GBuf;
    out[p] = (...views: V[]): GBuf => {
      // where(c, a, b) takes a's dtype; a comparison makes bool; the rest keep their input's
      const dtype = kind === 'compare' ? 'bool' : views[kind === 'where' ? 1 : 0]!.dtype;
      return fuser.op(p, dtype, views) ?? own(...views);
    };
  }
  return Object.freeze(out) as Kernels<GBuf>;
}
