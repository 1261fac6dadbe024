/**
 * Bounded renderings of untrusted values for error messages. A file's header may hold a 50 MB
 * string, a million-element shape or arrays nested a million deep; a message quotes only a short,
 * flat prefix of them, so it stays readable and never overflows the stack.
 */

/** JSON-quoted `s`, cut to `max` UTF-16 units with a note of the full length. */
export function quote(s: string, max = 80): string {
  if (s.length <= max) return JSON.stringify(s);
  // Do not split a surrogate pair: the quoted prefix must stay well-formed.
  let cut = max;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${JSON.stringify(s.slice(0, cut))}… (${s.length} characters)`;
}

function render(v: unknown, depth: number, budget: { left: number }): string {
  if (budget.left <= 0) return '…';
  let out: string;
  if (typeof v === 'string') out = quote(v, Math.min(40, budget.left));
  else if (v === null || typeof v !== 'object') out = String(v);
  else if (depth >= 2) out = Array.isArray(v) ? '[…]' : '{…}';
  else if (Array.isArray(v)) {
    const items: string[] = [];
    for (let i = 0; i < v.length && budget.left > 0 && items.length < 8; i++)
      items.push(render(v[i], depth + 1, budget));
    if (items.length < v.length) items.push(`… ${v.length} items`);
    out = `[${items.join(',')}]`;
  } else {
    const items: string[] = [];
    for (const k in v) {
      if (budget.left <= 0 || items.length >= 8) {
        items.push('…');
        break;
      }
      if (Object.hasOwn(v, k))
        items.push(
          `${quote(k, 20)}:${render((v as Record<string, unknown>)[k], depth + 1, budget)}`,
        );
    }
    out = `{${items.join(',')}}`;
  }
  budget.left -= out.length;
  return out;
}

/** A short JSON-like rendering of any value: at most two levels deep and about `max` characters. */
export function preview(v: unknown, max = 80): string {
  if (v === undefined) return 'nothing';
  return render(v, 0, { left: max });
}

/** A shape for a message, eliding the middle of a long one. */
export function showShape(shape: readonly number[]): string {
  if (shape.length <= 8) return `[${shape.join(',')}]`;
  return `[${shape.slice(0, 4).join(',')},…,${shape.slice(-2).join(',')}] (${shape.length} dims)`;
}
