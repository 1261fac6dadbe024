/** Self-tests of the differential layer that need no backend: the corpus is well formed. */
import { describe, expect, it } from 'vitest';
import { installNodeHost } from '../host/node.js';
import { INVOKE } from '../l1/invoke.js';
import { isError, loadCorpus } from './corpus.js';
import { catalog } from './gen/build.js';

installNodeHost();

describe('differential corpus', () => {
  const corpus = loadCorpus();

  it('has programs with unique ids diff/<index>/<op chain>', () => {
    expect(corpus.length).toBeGreaterThan(1000);
    const ids = corpus.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of corpus)
      expect(p.id).toBe(`diff/${p.id.split('/')[1]}/${p.steps.map((s) => s.op).join('.')}`);
  });

  it('calls only ops the fixture table knows, on inputs that exist', () => {
    for (const p of corpus) {
      for (const v of p.inputs.flatMap((s) => s.views ?? []))
        expect(INVOKE[v.op]).toBeTypeOf('function');
      p.steps.forEach((s, k) => {
        expect(INVOKE[s.op], s.op).toBeTypeOf('function');
        for (const ref of s.in)
          expect(ref === -1 ? k > 0 : ref >= 0 && ref < p.inputs.length).toBe(true);
      });
      if (isError(p.expected)) expect(p.expected.step).toBe(p.steps.length - 1);
      if (p.grads) expect(p.grads).toHaveLength(p.inputs.length);
    }
  });

  it('covers the same ops as the TypeScript generator of the cross-backend cases', () => {
    const used = new Set(corpus.flatMap((p) => p.steps.map((s) => s.op)));
    const drawn = new Set(catalog().map((o) => o.name));
    expect([...drawn].filter((op) => !used.has(op))).toEqual([]);
    expect([...used].filter((op) => !drawn.has(op))).toEqual([]);
  });
});
