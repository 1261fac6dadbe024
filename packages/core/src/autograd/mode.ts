/** Global gradient-recording switch (`noGrad`, `enableGrad`). */
let enabled = true;

/** Whether ops are recorded for autograd now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Run `fn` without recording operations for autograd.
 * @example
 * fl.noGrad(() => w.sub(w.grad!.mul(0.1)));
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Run `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
