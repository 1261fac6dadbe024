/** Shared by the tests of devices without synchronous read-back (memory.async, checks.async). */
import type { Backend } from '@flint/core/backend';

/** A backend presented as an asynchronous device: readSync refused, read resolved a macrotask later. */
export function asyncOnly<B>(b: Backend<B>): Backend<B> {
  return {
    ...b,
    caps: { ...b.caps, syncRead: false },
    readSync: () => {
      throw new Error('readSync must not be called on this device');
    },
    read: async (buf, dtype, size) => {
      const out = await b.read(buf, dtype, size);
      await new Promise((r) => setTimeout(r, 0));
      return out;
    },
  };
}
