/**
 * Keeps docs/backends/writing-a-backend.md honest: its primitive table must list every primitive
 * of PRIMS exactly once, under its kind, and point at the CPU kernel file that implements it.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRIMS, PRIM_NAMES } from '@flint/core/backend';
import { cpuBackend } from '../src/index.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const doc = readFileSync(root('docs/backends/writing-a-backend.md'), 'utf8');

interface Row {
  kind: string;
  prims: string[];
  file: string;
}
const rows: Row[] = doc
  .split('\n')
  .filter((l) => /^\|\s*[a-zA-Z]+\s*\|\s*`/.test(l))
  .map((l) => {
    const cells = l.split('|').map((c) => c.trim());
    return {
      kind: cells[1]!,
      prims: cells[2]!.replace(/`/g, '').split(/\s+/),
      file: cells[4]!.replace(/`/g, ''),
    };
  });

describe('docs/backends/writing-a-backend.md', () => {
  it('lists every primitive once, under its kind', () => {
    const listed = rows.flatMap((r) => r.prims);
    expect([...listed].sort()).toEqual([...PRIM_NAMES].sort());
    for (const r of rows)
      for (const p of r.prims) expect(PRIMS[p as keyof typeof PRIMS].kind).toBe(r.kind);
  });

  it('names the CPU kernel file of each primitive, and the CPU backend has each kernel', () => {
    const cpu = cpuBackend({ name: 'cpu-docs-test' });
    for (const r of rows) {
      const path = root(`packages/backend-cpu/src/${r.file}`);
      expect(existsSync(path), r.file).toBe(true);
      for (const p of r.prims)
        expect(typeof cpu.kernels[p as keyof typeof cpu.kernels]).toBe('function');
    }
    cpu.dispose();
  });

  it('describes the members the CPU backend actually has', () => {
    const cpu = cpuBackend({ name: 'cpu-docs-test2' });
    const members = [
      'name',
      'caps',
      'alloc',
      'free',
      'write',
      'read',
      'readSync',
      'kernels',
      'overrides',
      'sync',
      'stats',
      'dispose',
    ];
    for (const m of members) {
      expect(doc).toContain(`${m}`);
      expect(cpu).toHaveProperty(m);
    }
    for (const cap of Object.keys(cpu.caps)) expect(doc).toContain(`\`${cap}\``);
    for (const o of Object.keys(cpu.overrides ?? {})) expect(doc).toContain(`\`${o}(`);
    cpu.dispose();
  });
});
