/**
 * A module's class name as `fl.nn` exports it. `constructor.name` is what a minifier renames
 * (a bundled page printed `en( (0): dl(…) )` for `Sequential( (0): Conv2d(…) )`, and Model.save
 * wrote names no loader knows), so built-in layers are named by their export instead; other
 * classes (a user's own modules) keep `constructor.name`. `nn/index.ts` registers its exports
 * once it has evaluated (importing it from here would be an import cycle through Module).
 */
const names = new Map<unknown, string>();

/** Called by nn/index.ts with its own namespace. */
export function nameModules(ns: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(ns)) if (typeof v === 'function') names.set(v, k);
}

/** The export name of `m`'s class in `fl.nn`, else its constructor's own name. */
export function moduleName(m: object): string {
  return names.get(m.constructor) ?? m.constructor.name;
}
