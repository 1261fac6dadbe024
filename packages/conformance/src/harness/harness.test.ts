/** Self-tests of the harness pieces that need no backend: comparison, known failures, references, fixtures. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installNodeHost } from '../host/node.js';
import { assertClose, EXACT } from './compare.js';
import { knownMatcher } from './known.js';
import { summaryLine, writeReport } from './report.js';
import { toleranceFor } from './tolerance.js';
import { leakMessage, unmetNeed } from './session.js';
import { thrownOrAtRead } from './expect.js';
import { pickFactory } from './factory.js';
import { loadFixtures } from '../l1/fixtures.js';
import { INVOKE } from '../l1/invoke.js';
import { layoutGeometry, readLogical } from '../l0/views.js';
import { argRef, reduceRef, scanRef } from '../l0/reduce.js';
import { padRef } from '../l0/structural.js';
import { softmaxRef } from '../l3/index.js';
import type { Backend, Caps } from '@flint/core/backend';
import type { CaseResult } from '../types.js';

installNodeHost();

const caps: Caps = {
  dtypes: ['float32', 'int32', 'bool'],
  strided: false,
  maxRank: 4,
  tolerance: { float32: { rtol: 1e-4, atol: 1e-5 } },
  features: ['blas'],
};

describe('assertClose', () => {
  it('treats NaN as equal to NaN and checks signed zeros only when asked', () => {
    assertClose([NaN, Infinity, -0], [NaN, Infinity, 0], { tol: EXACT });
    expect(() => assertClose([-0], [0], { tol: EXACT, signedZero: true })).toThrow(
      /1 of 1 values differ/,
    );
    expect(() => assertClose([Infinity], [-Infinity], { tol: { rtol: 1, atol: 1 } })).toThrow();
    expect(() => assertClose([1], [NaN], { tol: { rtol: 1, atol: 1 } })).toThrow();
  });
  it('applies atol + rtol·max(|expected|, scale)', () => {
    assertClose([1.00001], [1], { tol: { rtol: 1e-4, atol: 0 } });
    expect(() => assertClose([1e-3], [0], { tol: { rtol: 1e-4, atol: 0 } })).toThrow();
    assertClose([1e-3], [0], { tol: { rtol: 1e-4, atol: 0 }, scale: 100 });
  });
});

describe('pickFactory', () => {
  const nativeBackend = () => ({}) as Backend;
  const cudaBackend = () => ({}) as Backend;
  it('takes the only factory, or the one a package with several is named after', () => {
    expect(pickFactory({ cpuBackend: nativeBackend, other: 1 })).toBe(nativeBackend);
    const mod = { cudaBackend, nativeBackend, cudaAvailable: () => true };
    expect(pickFactory(mod, undefined, '@flint/backend-native')).toBe(nativeBackend);
    expect(pickFactory(mod, 'cudaBackend', '@flint/backend-native')).toBe(cudaBackend);
    expect(() => pickFactory(mod)).toThrow(/cannot tell the backend factory apart/);
    expect(() => pickFactory(mod, undefined, './my-backend.js')).toThrow(/use --factory/);
  });
});

describe('tolerance', () => {
  it('takes caps per dtype and only tightens', () => {
    expect(toleranceFor(caps, 'float32')).toEqual({ rtol: 1e-4, atol: 1e-5 });
    expect(toleranceFor(caps, 'float32', { rtol: 1e-6, atol: 1 })).toEqual({
      rtol: 1e-6,
      atol: 1e-5,
    });
    expect(toleranceFor(caps, 'float64').rtol).toBeLessThan(1e-8);
  });
});

describe('known failures', () => {
  const k = knownMatcher({
    'a/b': 'reason 1',
    'c/*': 'reason 2',
    'gone/x': 'reason 3',
    'a/empty': ' ',
  });
  it('matches exact ids and prefixes', () => {
    expect(k.reasonFor('a/b')).toBe('reason 1');
    expect(k.reasonFor('c/d/e')).toBe('reason 2');
    expect(k.reasonFor('a/c')).toBeUndefined();
  });
  it('reports entries that match nothing or give no reason', () => {
    const problems = k.validate(['a/b', 'c/d', 'a/empty']);
    expect(problems).toEqual([
      "known failure 'gone/x' matches no conformance case",
      "known failure 'a/empty' does not name its reason",
    ]);
  });
});

describe('skips by capability', () => {
  const backend = { caps } as unknown as Backend;
  it('names the missing capability', () => {
    expect(unmetNeed({ dtypes: ['float64'] }, caps, backend)).toBe('caps.dtypes lacks float64');
    expect(unmetNeed({ features: ['cuda'] }, caps, backend)).toBe('caps.features lacks cuda');
    expect(unmetNeed({ rank: 6 }, caps, backend)).toBe('rank 6 > caps.maxRank 4');
    expect(unmetNeed({ strided: true }, caps, backend)).toMatch(/caps.strided/);
    expect(unmetNeed({ override: 'softmax' }, caps, backend)).toMatch(/no 'softmax' override/);
    expect(unmetNeed({ secondDevice: true }, caps, backend)).toMatch(/createSecond/);
    expect(unmetNeed({ oracle: true }, caps, backend)).toMatch(/RunOptions.oracle/);
    expect(unmetNeed({ dtypes: ['int32'], features: ['blas'], rank: 4 }, caps, backend)).toBeNull();
  });
});

describe('references', () => {
  it('reads strided layouts', () => {
    const g = layoutGeometry('negative', [2, 3]);
    expect(readLogical([0, 1, 2, 3, 4, 5, 9, 9], g)).toEqual([3, 4, 5, 0, 1, 2]);
    const t = layoutGeometry('transposed', [2, 3]);
    expect(readLogical([0, 1, 2, 3, 4, 5, 9, 9], t)).toEqual([0, 2, 4, 1, 3, 5]);
    expect(layoutGeometry('broadcast', [2, 3]).strides).toEqual([0, 1]);
  });
  it('reduces, scans, pads and picks first extremes', () => {
    const sum = { init: 0, step: (a: number, v: number) => a + v };
    expect(reduceRef([1, 2, 3, 4, 5, 6], [2, 3], [1], sum)).toEqual({ out: [6, 15], shape: [2] });
    expect(reduceRef([1, 2, 3, 4, 5, 6], [2, 3], [0], sum)).toEqual({ out: [5, 7, 9], shape: [3] });
    expect(argRef([1, 3, 3, NaN, 0, NaN], [2, 3], 1, 1)).toEqual([1, 0]);
    expect(argRef([2, 1, 1], [3], 0, -1)).toEqual([1]);
    expect(scanRef([1, 2, 3, 4], [2, 2], 0, false)).toEqual([1, 2, 4, 6]);
    expect(padRef([1, 2], [2], [[1, 2]], 0)).toEqual({ out: [0, 1, 2, 0, 0], shape: [5] });
    const sm = softmaxRef([0, Math.log(3)], [1, 2], 1, false);
    expect(sm[0]).toBeCloseTo(0.25);
  });
});

describe('fixtures', () => {
  const cases = loadFixtures();
  it('every fixture op has a Flint call and ids are unique', () => {
    expect(cases.length).toBeGreaterThan(500);
    expect(cases.filter((c) => !INVOKE[c.op]).map((c) => c.op)).toEqual([]);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
  it('gradient cases carry gradOutputs and one grad per input', () => {
    for (const c of cases.filter((c) => c.grads)) {
      expect(c.gradOutputs?.length).toBeGreaterThan(0);
      expect(c.grads!.length).toBe(c.inputs.length);
    }
  });
});

describe('report', () => {
  it('writes conformance-report.json and the summary line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-conformance-'));
    const results: CaseResult[] = [
      {
        id: 'a',
        layer: 'L0',
        op: 'add',
        dtype: 'float32',
        status: 'passed',
        reason: null,
        duration: 1,
      },
      {
        id: 'b',
        layer: 'L1',
        op: 'exp',
        dtype: null,
        status: 'skipped',
        reason: 'caps.dtypes lacks float64',
        duration: 0,
      },
      {
        id: 'c',
        layer: 'L2',
        op: 'mul',
        dtype: 'float64',
        status: 'known-failure',
        reason: 'x',
        duration: 2,
      },
    ];
    const path = writeReport(dir, { name: 'fake', device: 'fake', caps }, results, []);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc.summary).toEqual({ passed: 1, failed: 0, skipped: 1, knownFailures: 1 });
    expect(doc.cases[1]).toMatchObject({
      id: 'b',
      status: 'skipped',
      reason: 'caps.dtypes lacks float64',
    });
    expect(summaryLine(results)).toBe('1 passed, 0 failed, 1 skipped');
  });
});

describe('leak check', () => {
  const at = (buffers: number, bytes: number) => ({ dev: { buffers, bytes } });
  it('fails a case that leaks, and forgives later frees only up to what was leaked', () => {
    const owed = new Map();
    expect(leakMessage(at(3, 30), at(3, 30), owed)).toBeNull();
    expect(leakMessage(at(3, 30), at(2, 20), owed)).toMatch(/-1 buffers \/ -10 bytes on 'dev'/);
    expect(leakMessage(at(3, 30), at(4, 48), owed)).toMatch(/leaked 1 buffers \/ 18 bytes/);
    // the GC finalizes that leaked tensor during a later case: not that case's doing
    expect(leakMessage(at(4, 48), at(3, 30), owed)).toBeNull();
    expect(leakMessage(at(3, 30), at(2, 12), owed)).toMatch(/-1 buffers/); // nothing owed now
  });
});

describe('thrownOrAtRead', () => {
  const returned = (): never => {
    throw new Error('it returned');
  };
  it('judges an error thrown by the call at once, without a promise', () => {
    let seen: unknown;
    const r = thrownOrAtRead(
      () => {
        throw new RangeError('bad');
      },
      (e) => (seen = e),
      returned,
    );
    expect(r).toBeUndefined();
    expect(seen).toBeInstanceOf(RangeError);
  });
  it('fails at once when the call returns and nothing can defer an error', () => {
    expect(() =>
      thrownOrAtRead(
        () => 42,
        () => {},
        returned,
      ),
    ).toThrow('it returned');
  });
});
