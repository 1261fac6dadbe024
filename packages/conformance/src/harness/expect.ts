/**
 * Where an expected error may surface. A shape or dtype error is thrown by the call on every
 * device; a data-dependent one (an index out of range, an integer division by zero, a target
 * outside the classes) is thrown by the call where the device reads synchronously, but on a
 * device without synchronous read-back (WebGPU: `caps.syncRead: false`) core defers the check
 * and the next `await` of a read on that device rejects with it instead (core's ops/checks.ts).
 * Error cases accept either, through this one helper.
 */
import * as fl from '@flint/core';

/** Tensors in an op's result: a tensor, a list of them, or `{ values, indices }`. */
function tensorsIn(x: unknown, out: fl.Tensor[] = []): fl.Tensor[] {
  if (x instanceof fl.Tensor) out.push(x);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, out);
  else if (x !== null && typeof x === 'object')
    for (const v of Object.values(x as object)) if (v instanceof fl.Tensor) out.push(v);
  return out;
}

const deferring = (t: fl.Tensor): boolean => fl.getBackend(t.device).caps.syncRead === false;

/**
 * Run `fn` expecting an error: `onError` judges it when the call throws; when it returns tensors
 * on a device without synchronous read-back, the error may come from reading the first of them
 * (then a promise is returned, which the case must await). `onReturned` throws the case's failure
 * when no error came. Synchronous wherever the call throws or no read can defer one.
 * @example
 * await thrownOrAtRead(() => x.gather(0, bad), (e) => checkIsShapeError(e), () => fail());
 */
export function thrownOrAtRead(
  fn: () => unknown,
  onError: (e: unknown) => void,
  onReturned: () => never,
): void | Promise<void> {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    onError(e);
    return;
  }
  const t = tensorsIn(result).find(deferring);
  if (!t) onReturned();
  return t.data().then(onReturned, onError);
}

/**
 * Settle the deferred checks a case left on devices without synchronous read-back (an op whose
 * result it never read): their error belongs to this case, not to the next one that reads, and
 * their pending facts are memory the leak check must not count. Returns the error, if any.
 */
export async function settleDeferred(devices: readonly string[]): Promise<unknown> {
  let first: unknown = undefined;
  for (const device of devices) {
    if (fl.getBackend(device).caps.syncRead !== false) continue;
    const probe = fl.zeros([1], { device });
    try {
      await probe.data();
    } catch (e) {
      first ??= e;
    } finally {
      probe.dispose();
    }
  }
  return first;
}
