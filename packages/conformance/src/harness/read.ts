/**
 * The one way cases read tensors back: through `await t.data()` (backend.read), never
 * dataSync/readSync, so the same cases run on devices without synchronous read-back (WebGPU:
 * `caps.syncRead: false`) and on every other device.
 */
import * as fl from '@flint/core';
import type { TypedArray } from '@flint/core/backend';

export function read(t: fl.Tensor): Promise<TypedArray> {
  return t.data();
}

/** The values as plain numbers (bool as 0/1). */
export async function readNumbers(t: fl.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

/** The value of a one-element tensor (what `item()` returns). */
export async function readItem(t: fl.Tensor): Promise<number> {
  check1(t);
  return (await t.data())[0]!;
}

function check1(t: fl.Tensor): void {
  if (t.numel() !== 1)
    throw new fl.ShapeError(`readItem: expected one element, got shape [${t.shape.join(',')}]`);
}

/** Nested arrays as `toArray()` returns them (bool as true/false), read asynchronously. */
export async function readNested(t: fl.Tensor): Promise<fl.NestedArray> {
  const flat = await t.data();
  const conv = t.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  let i = 0;
  const build = (d: number): fl.NestedArray => {
    if (d === t.shape.length) return conv(flat[i++]!);
    return Array.from({ length: t.shape[d]! }, () => build(d + 1));
  };
  return build(0);
}

/** Whether the backend under test can be read synchronously (dataSync, item, toArray). */
export function syncReadable(caps: { syncRead?: boolean }): boolean {
  return caps.syncRead !== false;
}
