/** Types shared by the CPU backend's storage and kernel families. */
import type { DType, KView, TypedArray } from '@flint/core/backend';

/** A kernel input: a strided view of a plain typed array. */
export type View = KView<TypedArray>;

/**
 * Allocates a tracked output buffer. Kernels get it from the backend instance so that every
 * output shows up in `stats()` and can later be `free`d.
 */
export type Alloc = (dtype: DType, size: number) => TypedArray;

/** Returns a tracked buffer to the backend (used when a kernel fails after allocating). */
export type Release = (buf: TypedArray) => void;
