/**
 * The WebGPU mode where Node runs the tests: Node has no navigator.gpu (and gpu.js's Dawn-based
 * `webgpu` package does not load here), so asking for it is a typed error naming why. The mode
 * itself is tested in Chromium (test/browser-webgpu.test.ts, test/browser.test.ts).
 */
import { BackendError } from '@flint/core/backend';
import { expect, test } from 'vitest';
import { gpujsBackend } from './index.js';
import { wgslSource } from './webgpu.js';

test("mode 'webgpu' in Node is a BackendError naming the missing navigator.gpu", () => {
  expect(() => gpujsBackend({ mode: 'webgpu' })).toThrow(BackendError);
  expect(() => gpujsBackend({ mode: 'webgpu' })).toThrow(
    /mode 'webgpu' needs WebGPU \(navigator\.gpu\), which Node does not provide.*'webgpu' npm package/,
  );
});

test('loop counters are rewritten for WGSL without changing their meaning', () => {
  const src = 'for (let u = k4; u < k; u++) { s += u; } for (let j = 0; j < r; j++) {}';
  expect(wgslSource(src)).toBe(
    'for (let u = k4; u < k; u += 1) { s += u; } for (let j = 0; j < r; j += 1) {}',
  );
  // other increments stay as they are
  expect(wgslSource('i++; x = y + 1;')).toBe('i++; x = y + 1;');
});
