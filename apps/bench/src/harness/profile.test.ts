// The profile split: categories by script and name, and self time summed per category from a
// hand-made profile whose answer is known.
import type { Profiler } from 'node:inspector';
import { describe, expect, it } from 'vitest';
import { categorize, splitProfile } from './profile.js';

const frame = (id: number, functionName: string, url: string): Profiler.ProfileNode => ({
  id,
  callFrame: { functionName, url, scriptId: String(id), lineNumber: 0, columnNumber: 0 },
});

describe('categorize', () => {
  it('tells core, backend, the native addon, GC and the rest apart', () => {
    expect(categorize('file:///r/packages/core/dist/ops/dispatch.js', 'exec')).toBe('core');
    expect(categorize('file:///r/node_modules/@flint/core/dist/tensor.js', 'Tensor')).toBe('core');
    expect(categorize('file:///r/packages/backend-cpu/dist/kernels/binary.js', 'add')).toBe(
      'backend',
    );
    expect(categorize('file:///r/packages/backend-native/dist/index.js', '')).toBe('backend');
    expect(categorize('file:///r/packages/backend-native/dist/trace.js', 'nativeCall')).toBe(
      'native',
    );
    expect(categorize('C:\\r\\packages\\backend-native\\dist\\trace.js', 'nativeFree')).toBe(
      'native',
    );
    expect(categorize('', '(garbage collector)')).toBe('gc');
    expect(categorize('', '(program)')).toBe('other');
    expect(categorize('', '(root)')).toBe('other');
    // No script: a builtin or native code, which counts as its caller's.
    expect(categorize('', '')).toBeNull();
    expect(categorize('', 'push')).toBeNull();
    expect(categorize('file:///r/apps/bench/dist/harness/run.js', 'timedRun')).toBe('other');
    expect(categorize('node:internal/timers', 'processTimers')).toBe('other');
  });
});

describe('splitProfile', () => {
  it('sums each sample’s time delta into its node’s category, builtins into their caller’s', () => {
    const node = (n: Profiler.ProfileNode, children: number[]) => ({ ...n, children });
    const p: Profiler.Profile = {
      nodes: [
        node(frame(1, '(root)', ''), [2, 4, 7]),
        node(frame(2, 'exec', 'file:///r/packages/core/dist/ops/dispatch.js'), [3, 6]),
        node(frame(3, 'nativeCall', 'file:///r/packages/backend-native/dist/trace.js'), [8]),
        frame(4, '(garbage collector)', ''),
        frame(5, 'view', 'file:///r/packages/backend-native/dist/binding.js'),
        frame(6, 'push', ''), // a builtin called by core
        node(frame(7, 'timedRun', 'file:///r/apps/bench/dist/harness/run.js'), [5]),
        frame(8, '', ''), // the addon's own time, under its traced entry point
      ],
      startTime: 0,
      endTime: 100,
      samples: [2, 3, 8, 4, 5, 1, 9, 6, 8],
      timeDeltas: [10, 20, 5, 7, 3, 1, 2, 4, 6],
    };
    expect(splitProfile(p)).toEqual({ core: 14, native: 31, gc: 7, backend: 3, other: 3 });
  });

  it('gives zeros for an empty profile', () => {
    const p: Profiler.Profile = { nodes: [], startTime: 0, endTime: 0 };
    expect(splitProfile(p)).toEqual({ core: 0, backend: 0, native: 0, gc: 0, other: 0 });
  });
});
