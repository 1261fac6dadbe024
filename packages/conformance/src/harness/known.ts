/** Known-failure lists: exact ids or prefixes ending in `*`, each with a non-empty reason. */
import type { KnownFailures } from '../types.js';

export interface KnownMatcher {
  /** The reason a case is expected to fail, or undefined. */
  reasonFor(id: string): string | undefined;
  /** Problems with the list itself, given every case id (entries matching nothing, empty reasons). */
  validate(ids: readonly string[]): string[];
}

export function knownMatcher(list: KnownFailures = {}): KnownMatcher {
  const exact = new Map<string, string>();
  const prefixes: [string, string][] = [];
  for (const [key, reason] of Object.entries(list)) {
    if (key.endsWith('*')) prefixes.push([key.slice(0, -1), reason]);
    else exact.set(key, reason);
  }
  return {
    reasonFor(id) {
      const r = exact.get(id);
      if (r !== undefined) return r;
      for (const [p, reason] of prefixes) if (id.startsWith(p)) return reason;
      return undefined;
    },
    validate(ids) {
      const problems: string[] = [];
      for (const [key, reason] of Object.entries(list)) {
        if (typeof reason !== 'string' || reason.trim() === '')
          problems.push(`known failure '${key}' does not name its reason`);
        const hit = key.endsWith('*')
          ? ids.some((id) => id.startsWith(key.slice(0, -1)))
          : ids.includes(key);
        if (!hit) problems.push(`known failure '${key}' matches no conformance case`);
      }
      return problems;
    },
  };
}
