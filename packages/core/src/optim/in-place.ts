/**
 * What the fused optimizer overrides need to update a parameter and its state in place, as
 * torch's optimizers do: when a kernel may write its results into its inputs, and the
 * bookkeeping such a write owes autograd. Writing in place saves the parameter-sized buffers a
 * step would otherwise hold at once (three for Adam), which set the peak memory of training.
 */
import type { Tensor } from '../tensor.js';

/**
 * Whether one fused kernel may write `targets` in place while it also reads `reads`: every
 * target a contiguous view (kernels address it row-major from its offset) and every tensor on
 * a storage of its own, so no element the kernel reads can have been changed by one of its own
 * writes to another operand.
 */
export function canWriteInPlace(targets: readonly Tensor[], reads: readonly Tensor[]): boolean {
  for (const t of targets) if (!t.isContiguous()) return false;
  const storages = new Set<unknown>();
  for (const t of [...targets, ...reads]) storages.add(t.storage);
  return storages.size === targets.length + reads.length;
}

/**
 * After a kernel wrote `t`'s buffer in place: what swapping in a new buffer does for an in-place
 * op (ops/inplace.ts) — a new storage version, so that backward refuses a tensor saved with the
 * old values instead of using the new ones silently.
 */
export function markWritten(t: Tensor, op: string): void {
  t.storage.version++;
  t.storage.lastWrite = op;
}
