/**
 * torch.einsum, written with Tensor ops only (permute, reshape, sum, mul and batched matmul), so
 * it is differentiable for free and each pairwise contraction is one `bmm`.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { arange } from './creation.js';

/** A label per dim: a letter, or `…k` for the k-th ellipsis dim (right-aligned across operands). */
type Labels = string[];

interface Parsed {
  inputs: Labels[];
  output: Labels;
}

const LETTER = /^[a-zA-Z]$/;

function describe(eq: string, ops: readonly Tensor[]): string {
  const shown = eq.length > 80 ? `${eq.slice(0, 80)}…` : eq;
  const shapes = ops.slice(0, 8).map((t) => fmtShape(t.shape));
  return `'${shown}' with operand shapes ${shapes.join(', ')}${ops.length > 8 ? ', …' : ''}`;
}

/** Split a term into letters and at most one '...' (marked as '.'). */
function terms(what: () => string, term: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith('...', i)) {
      out.push('.');
      i += 2;
    } else if (LETTER.test(term[i]!)) out.push(term[i]!);
    else
      throw new ArgumentError(
        `einsum: invalid subscript '${term[i]}' in ${what()}: subscripts must be letters a-z, A-Z, or '...'`,
      );
  }
  if (out.filter((c) => c === '.').length > 1)
    throw new ArgumentError(`einsum: more than one '...' in one term of ${what()}`);
  return out;
}

function parse(equation: string, ops: readonly Tensor[]): Parsed {
  const what = () => describe(equation, ops);
  const eq = equation.replace(/\s+/g, '');
  const sides = eq.split('->');
  if (sides.length > 2) throw new ArgumentError(`einsum: more than one '->' in ${what()}`);
  const lhs = sides[0]!.split(',');
  if (lhs.length !== ops.length)
    throw new ArgumentError(
      `einsum: the equation has ${lhs.length} input term(s) but ${ops.length} operand(s) were given: ${what()}`,
    );
  const raw = lhs.map((t) => terms(what, t));
  const ell = Math.max(0, ...raw.map((t, i) => ellipsisRank(what, t, ops[i]!, i)));
  const ellLabels = Array.from({ length: ell }, (_, k) => `…${k}`);
  const inputs = raw.map((t, i) => {
    const n = ellipsisRank(what, t, ops[i]!, i);
    return t.flatMap((c) => (c === '.' ? ellLabels.slice(ell - n) : [c]));
  });
  let output: Labels;
  if (sides.length === 2) {
    const out = terms(what, sides[1]!);
    const seen = new Set<string>();
    for (const c of out) {
      if (c !== '.' && !inputs.some((l) => l.includes(c)))
        throw new ArgumentError(
          `einsum: output subscript ${c} does not appear in the inputs: ${what()}`,
        );
      if (seen.has(c))
        throw new ArgumentError(`einsum: output subscript ${c} appears more than once: ${what()}`);
      seen.add(c);
    }
    output = out.flatMap((c) => (c === '.' ? ellLabels : [c]));
  } else {
    // implicit output: the ellipsis dims, then each letter seen once, in ASCII order (as torch)
    const count = new Map<string, number>();
    for (const l of raw.flat()) if (l !== '.') count.set(l, (count.get(l) ?? 0) + 1);
    const once = [...count].filter(([, n]) => n === 1).map(([c]) => c);
    output = [...ellLabels, ...once.sort()];
  }
  return { inputs, output };
}

/** How many dims operand i's '...' stands for (0 without one); its letters must fit its rank. */
function ellipsisRank(what: () => string, t: string[], op: Tensor, i: number): number {
  const letters = t.filter((c) => c !== '.').length;
  const has = t.includes('.');
  if ((!has && letters !== op.ndim) || (has && letters > op.ndim))
    throw new ShapeError(
      `einsum: operand ${i} has ${op.ndim} dims but its term has ${letters} subscript(s)${has ? " and '...'" : ' and no ellipsis'}: ${what()}`,
    );
  return has ? op.ndim - letters : 0;
}

/** Sizes of every label; sizes must agree or be 1 (broadcast), as torch. */
function labelSizes(p: Parsed, ops: readonly Tensor[], what: () => string): Map<string, number> {
  const size = new Map<string, number>();
  p.inputs.forEach((labels, i) =>
    labels.forEach((l, d) => {
      const n = ops[i]!.shape[d]!;
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, n);
      else if (n !== prev && n !== 1)
        throw new ShapeError(
          `einsum: subscript ${l.startsWith('…') ? '...' : l} has size ${n} in operand ${i}, which does not broadcast with size ${prev} seen before: ${what()}`,
        );
    }),
  );
  return size;
}

/** Collapse repeated labels of one operand onto their diagonal. */
function diagonals(t: Tensor, labels: Labels, what: () => string): [Tensor, Labels] {
  for (let j = labels.length - 1; j >= 0; j--) {
    const i = labels.indexOf(labels[j]!);
    if (i === j) continue;
    const n = t.shape[i]!;
    if (t.shape[j] !== n)
      throw new ShapeError(
        `einsum: subscript ${labels[i]} is repeated in one operand over dims of sizes ${n} and ${t.shape[j]}: ${what()}`,
      );
    // keep only entries where index i equals index j, then sum j away: x[..i..j..] → x[..i..]
    const ar = arange(n, undefined, 1, { device: t.device, dtype: 'int32' });
    const eye = ar
      .reshape([n, 1])
      .eq(ar.reshape([1, n]))
      .to(t.dtype);
    const shape = t.shape.map((_, d) => (d === i || d === j ? n : 1));
    t = t.mul(eye.reshape(shape)).sum(j);
    labels = labels.filter((_, d) => d !== j);
  }
  return [t, labels];
}

/** Sum away the labels of `t` that `keep` does not hold. */
function sumOut(t: Tensor, labels: Labels, keep: Set<string>): [Tensor, Labels] {
  const gone = labels.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
  if (gone.length === 0) return [t, labels];
  return [t.sum(gone), labels.filter((l) => keep.has(l))];
}

/** Contract two operands over their shared labels that nothing later needs: one bmm. */
function contract(
  a: Tensor,
  la: Labels,
  b: Tensor,
  lb: Labels,
  later: Set<string>,
  size: Map<string, number>,
): [Tensor, Labels] {
  const batch = la.filter((l) => lb.includes(l) && later.has(l));
  const inner = la.filter((l) => lb.includes(l) && !later.has(l));
  const aOnly = la.filter((l) => !lb.includes(l));
  const bOnly = lb.filter((l) => !la.includes(l));
  const sz = (ls: Labels) => ls.reduce((n, l) => n * size.get(l)!, 1);
  const arrange = (t: Tensor, from: Labels, order: Labels) =>
    t.permute(order.map((l) => from.indexOf(l))).expand(order.map((l) => size.get(l)!));
  const a3 = arrange(a, la, [...batch, ...aOnly, ...inner]).reshape([
    sz(batch),
    sz(aOnly),
    sz(inner),
  ]);
  const b3 = arrange(b, lb, [...batch, ...inner, ...bOnly]).reshape([
    sz(batch),
    sz(inner),
    sz(bOnly),
  ]);
  const out = a3.bmm(b3).reshape([...batch, ...aOnly, ...bOnly].map((l) => size.get(l)!));
  return [out, [...batch, ...aOnly, ...bOnly]];
}

/**
 * Einstein summation, as torch.einsum: `equation` names each operand's dims by letters
 * (`'...'` for broadcast dims; a letter repeated in one operand takes the diagonal); letters
 * missing from the output (after `->`, or implicitly every letter seen once, sorted) are summed.
 * @example
 * const a = fl.randn([2, 3, 4]);
 * const b = fl.randn([2, 4, 5]);
 * fl.einsum('bij,bjk->bik', a, b); // batched matmul, shape [2, 3, 5]
 * fl.einsum('ii', fl.eye(3));      // trace: 3
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  const what = () => describe(equation, operands);
  if (operands.length === 0)
    throw new ArgumentError(`einsum: at least one operand is needed: ${what()}`);
  const dtypes = [...new Set(operands.map((t) => t.dtype))];
  if (dtypes.length > 1 || dtypes[0] === 'bool')
    throw new DTypeError(
      `einsum: the operands must share one numeric dtype (as in PyTorch, no promotion), got ${dtypes.join(', ')}: ${what()}`,
    );
  const p = parse(equation, operands);
  const size = labelSizes(p, operands, what);
  return tidy(() => {
    const terms: [Tensor, Labels][] = operands.map((t, i) => diagonals(t, p.inputs[i]!, what));
    const out = new Set(p.output);
    // labels of one operand only and not in the output can be summed at once
    const needed = (skip: number) =>
      new Set([...out, ...terms.flatMap(([, l], i) => (i === skip ? [] : l))]);
    let acc = sumOut(...terms[0]!, needed(0));
    for (let i = 1; i < terms.length; i++) {
      const later = new Set([...out, ...terms.slice(i + 1).flatMap(([, l]) => l)]);
      const next = sumOut(...terms[i]!, new Set([...later, ...acc[1]]));
      acc = contract(acc[0], acc[1], next[0], next[1], later, size);
    }
    const [t, labels] = sumOut(acc[0], acc[1], out);
    const r = t.permute(p.output.map((l) => labels.indexOf(l)));
    return r.expand(p.output.map((l) => size.get(l)!)).contiguous();
  });
}
