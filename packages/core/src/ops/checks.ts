/**
 * Data-dependent argument checks (an index in range, a divisor without zeros, targets inside the
 * classes) that work on every device. Such a check must look at values; on a device with
 * synchronous read-back it reads them at once and throws, but a device without it (WebGPU:
 * `caps.syncRead: false`) cannot read inside an op. There the check is DEFERRED, like CUDA's
 * device-side asserts: the op computes a few small "fact" tensors on the device and registers
 * them; the next asynchronous read on that device (`await t.data()`, and so `fl.io.save`, …)
 * first reads the facts and rejects with the very error the synchronous path throws. Meanwhile
 * the op must hand its kernels guarded data (a clamped index, a divisor without zeros): the
 * result is meaningless, but no kernel reads or writes out of bounds or traps.
 */
import type { FlintError } from '../errors.js';
import { keep, tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import type { Tensor } from '../tensor.js';

/** Builds the error from the facts' values (one number each), or undefined when they pass. */
export type Judge = (facts: number[]) => FlintError | undefined;

interface Pending {
  facts: Tensor[];
  judge: Judge;
}

/** Per device: checks not yet read, the drain under way, the first failure not yet reported. */
interface DeviceChecks {
  pending: Pending[];
  draining: Promise<void> | undefined;
  failed: unknown;
}

/**
 * Past this many pending checks on one device the facts are read in the background (the error,
 * if any, is still reported by the next read), so a loop that never reads keeps its memory flat.
 */
const MAX_PENDING = 64;

const byDevice = new Map<string, DeviceChecks>();

/** Whether checks on `t`'s device are deferred (it has no synchronous read-back). */
export function deferred(t: Tensor): boolean {
  return t.storage.backend.caps.syncRead === false;
}

/**
 * Check values of tensors on `on`'s device. `facts` computes small tensors on the device (under
 * noGrad; each is read as its first element); `judge` turns their values into the error to raise.
 * On a device with synchronous read-back this reads the facts and throws at once; otherwise it
 * registers them and returns true: the caller must then keep its kernels safe from the bad values
 * the check may find later.
 * @example
 * const later = checkOnDevice(index, () => [index.amin(), index.amax()], ([lo, hi]) =>
 *   lo! < 0 || hi! >= n ? new ShapeError(`gather: index … out of bounds`) : undefined);
 */
export function checkOnDevice(on: Tensor, facts: () => Tensor[], judge: Judge): boolean {
  const made = noGrad(() => tidy(facts));
  if (!deferred(on)) {
    const values = made.map((f) => f.dataSync()[0]!);
    for (const f of made) f.dispose();
    const err = judge(values);
    if (err) throw err;
    return false;
  }
  const owned = made.map((f) => keep(f));
  const state = checksOf(on.device);
  state.pending.push({ facts: owned, judge });
  if (state.pending.length >= MAX_PENDING) void drain(state);
  return true;
}

function checksOf(device: string): DeviceChecks {
  let s = byDevice.get(device);
  if (!s) byDevice.set(device, (s = { pending: [], draining: undefined, failed: undefined }));
  return s;
}

/**
 * Await every check registered on `device` so far; reject with the first one that failed (once:
 * the failure is then cleared, as a caught error should be). Called before every asynchronous read.
 */
export async function settleChecks(device: string): Promise<void> {
  const state = byDevice.get(device);
  if (!state) return;
  while (state.draining || state.pending.length > 0) await drain(state);
  if (state.failed !== undefined) {
    const err = state.failed;
    state.failed = undefined;
    throw err;
  }
}

/**
 * Read the pending facts (all reads in flight at once) and judge them in registration order; the
 * first failure is kept for the next read. Checks registered meanwhile wait for the next drain,
 * which starts at once if they are already many.
 */
function drain(state: DeviceChecks): Promise<void> {
  if (state.draining) return state.draining;
  const batch = state.pending.splice(0);
  state.draining = (async () => {
    try {
      const verdicts = await Promise.all(batch.map(judged));
      const err = verdicts.find((v) => v !== undefined);
      if (err !== undefined && state.failed === undefined) state.failed = err;
    } finally {
      state.draining = undefined;
      if (state.pending.length >= MAX_PENDING) void drain(state);
    }
  })();
  return state.draining;
}

/** One check's verdict; its facts are disposed whatever happens (they are owned memory). */
async function judged(p: Pending): Promise<unknown> {
  try {
    if (p.facts.some((f) => f.disposed)) return undefined; // its device went away
    const data = await Promise.all(
      p.facts.map((f) => f.storage.backend.read(f.storage.buf, f.dtype, f.storage.size)),
    );
    return p.judge(data.map((d, k) => Number(d[p.facts[k]!.offset])));
  } catch (e) {
    return e; // a failed read is reported like a failed check: the values are unknown
  } finally {
    for (const f of p.facts) f.dispose();
  }
}
