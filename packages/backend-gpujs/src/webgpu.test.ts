/**
 * The WebGPU mode where Node runs the tests: Node has no navigator.gpu (and gpu.js's Dawn-based
 * `webgpu` package does not load here), so asking for it is a typed error naming why. The mode
 * itself is tested in Chromium (test/browser-webgpu.test.ts, test/browser.test.ts).
 */
import { BackendError } from '@flint/core/backend';
import { expect, test } from 'vitest';
import { gpujsBackend } from './index.js';
import { ieeeKernelClass, ieeeNotEqual, wgslSource } from './webgpu.js';

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

test("WGSL's `!=` becomes `!(==)`, IEEE on SwiftShader too (NaN != x is true)", () => {
  expect(ieeeNotEqual('if ((user_v!=user_v)){ return; }')).toBe(
    'if ((!(user_v==user_v))){ return; }',
  );
  // nested operands and calls, several per line
  expect(ieeeNotEqual('if (((user_a!=0.0)&&(f(user_b, 1.0)!=0.0))){')).toBe(
    'if (((!(user_a==0.0))&&(!(f(user_b, 1.0)==0.0)))){',
  );
  // a `!=` not wrapped as one expression (a for header) is left alone
  expect(ieeeNotEqual('for (var i = 0; i!=3; i++) {')).toBe('for (var i = 0; i!=3; i++) {');
  expect(ieeeNotEqual('let a = (x==y); let b = (x<=y);')).toBe('let a = (x==y); let b = (x<=y);');
});

test('the WebGPU kernel class rewrites the WGSL it assembles; anything else is kept', () => {
  class Fake {
    assembleWGSL(): string {
      return 'if ((user_v!=user_v)){}';
    }
  }
  const K = ieeeKernelClass(Fake) as typeof Fake;
  expect(new K().assembleWGSL()).toBe('if ((!(user_v==user_v))){}');
  expect(new K()).toBeInstanceOf(Fake);
  const Other = class {};
  expect(ieeeKernelClass(Other)).toBe(Other);
  expect(ieeeKernelClass(null)).toBe(null);
});
