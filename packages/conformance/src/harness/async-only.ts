/**
 * A backend as a device without synchronous read-back (WebGPU) presents itself: the suite's
 * asynchronous path, runnable on any device in Node, e.g. `create: () => withoutSyncRead(cpuBackend())`.
 */
import { BackendError, type Backend } from '@flint/core/backend';

/**
 * Resolves after the current macrotask: data read too early (without `await`) is visibly absent.
 * setImmediate in Node; a MessageChannel message in browsers, where a chain of setTimeout(0)
 * calls is clamped to 4 ms each.
 */
function later(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    // the browser's MessagePort (Node's typings describe Node's, which has no onmessage setter)
    const port = ch.port1 as unknown as { onmessage: (() => void) | null; close(): void };
    port.onmessage = () => {
      port.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/**
 * `b` with `caps.syncRead: false`, a `readSync` that throws a BackendError, and a `read` that
 * copies at once (as a queued device read would snapshot) but resolves only after a macrotask.
 * @example
 * runConformance({ create: () => withoutSyncRead(cpuBackend({ name: 'cpu-async' })) });
 */
export function withoutSyncRead<B>(b: Backend<B>): Backend<B> {
  return {
    ...b,
    caps: { ...b.caps, syncRead: false },
    readSync: () => {
      throw new BackendError(
        `readSync: device '${b.name}' has no synchronous read-back (caps.syncRead is false); use read()`,
      );
    },
    read: async (buf, dtype, size) => {
      const out = await b.read(buf, dtype, size);
      await later();
      return out;
    },
  };
}
