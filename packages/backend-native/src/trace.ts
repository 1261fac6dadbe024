/**
 * Named stand-ins for the addon's entry points, for CPU profiles. V8's profiler has no frame for
 * a native function: the time spent inside one (N-API and the C++ behind it) is counted as its
 * JS caller's own time. With tracing on, every call into the addon goes through a function of
 * this file, so a profile's self time in this file is the time spent in the addon (plus one
 * small JS frame per call), apart from the backend's own JavaScript.
 */
import type { Addon } from './binding.js';

/** The entry points a backend calls per op or per buffer. */
const ENTRIES = ['call', 'alloc', 'free', 'write', 'read'] as const;
type Entry = (typeof ENTRIES)[number];
type Fn = (...args: unknown[]) => unknown;

/** One stand-in per entry point, each forwarding its arguments unchanged (count included). */
function standIns(real: Record<Entry, Fn>): Record<Entry, Fn> {
  return {
    call: function nativeCall(this: unknown) {
      // eslint-disable-next-line prefer-rest-params -- forwards the exact argument count
      return Reflect.apply(real.call, this, arguments);
    },
    alloc: function nativeAlloc(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(real.alloc, this, arguments);
    },
    free: function nativeFree(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(real.free, this, arguments);
    },
    write: function nativeWrite(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(real.write, this, arguments);
    },
    read: function nativeRead(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(real.read, this, arguments);
    },
  };
}

let saved: Record<Entry, Fn> | undefined;

/**
 * Routes the addon's entry points through the stand-ins (on) or back to the addon (off). Every
 * backend instance calls the entry points through the one addon object, so this covers them all.
 */
export function setTracing(a: Addon, on: boolean): void {
  const target = a as unknown as Record<Entry, Fn>;
  if (on && !saved) {
    saved = Object.fromEntries(ENTRIES.map((e) => [e, target[e]])) as Record<Entry, Fn>;
    Object.assign(target, standIns(saved));
  } else if (!on && saved) {
    Object.assign(target, saved);
    saved = undefined;
  }
}
