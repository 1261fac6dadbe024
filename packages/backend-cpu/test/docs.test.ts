/**
 * Keeps docs/backends/writing-a-backend.md honest: its primitive table must list every primitive
 * of PRIMS exactly once, under its kind, and point at the CPU kernel file that implements it; the
 * backend object it shows, the caps fields and the dtype sizes it states must match the code.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BYTES, PRIMS, PRIM_NAMES, type DType } from '@flint/core/backend';
import { cpuBackend } from '../src/index.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const doc = readFileSync(root('docs/backends/writing-a-backend.md'), 'utf8');

/** The text of the `## …` section that starts with `heading`, up to the next one. */
function section(heading: string): string {
  const at = doc.indexOf(`\n${heading}\n`);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', at + heading.length + 1);
  return doc.slice(at, next < 0 ? undefined : next);
}

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
      const source = readFileSync(path, 'utf8');
      for (const p of r.prims) {
        expect(typeof cpu.kernels[p as keyof typeof cpu.kernels]).toBe('function');
        // The file really is where that kernel lives: it names the primitive.
        expect(new RegExp(`\\b${p}\\b`).test(source), `${p} in ${r.file}`).toBe(true);
      }
    }
    cpu.dispose();
  });

  it("documents exactly the members of a backend, with the CPU backend's parameter counts", () => {
    const cpu = cpuBackend({ name: 'cpu-docs-test2' });
    // The `## The object` example: one member a line, `name,` `name: …` or `name(params) {}`.
    const block = section('## The object').match(/```ts(?: fragment)?\n([\s\S]*?)```/)![1]!;
    const members = [...block.matchAll(/^ {2}(\w+)(\(([^)]*)\))?[,:( ]/gm)].map((m) => ({
      name: m[1]!,
      params: m[2] === undefined ? null : m[3]!.split(',').filter((p) => p.trim()).length,
    }));
    expect(members.map((m) => m.name).sort()).toEqual(Object.keys(cpu).sort());
    for (const m of members) {
      const v = (cpu as unknown as Record<string, unknown>)[m.name];
      if (m.params === null) expect(typeof v, m.name).not.toBe('function');
      else expect([m.name, (v as (...a: unknown[]) => unknown).length]).toEqual([m.name, m.params]);
    }
    // `stats() {}, // { buffers, bytes } live`
    const stats = block.match(/stats\(\) \{\}, \/\/ \{ ([\w, ]+) \}/)![1]!.split(/,\s*/);
    expect(stats.sort()).toEqual(Object.keys(cpu.stats()).sort());
    cpu.dispose();
  });

  it('lists exactly the caps fields, and the byte size of each dtype', () => {
    const cpu = cpuBackend({ name: 'cpu-docs-test3' });
    // "`caps` declares `dtypes` (…), `strided`, `maxRank`, `tolerance` per dtype (…), and
    // `features` (`'blas'`, …)": the identifiers in backticks, not the quoted feature values.
    const para = doc.match(/`caps` declares ([\s\S]*?)\n\n/)![1]!;
    const fields = [...para.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
    expect(fields.sort()).toEqual(Object.keys(cpu.caps).sort());
    // "float32 → 4 bytes, float64 → 8, int32 → 4, bool → one byte"
    const layout = doc
      .match(/natural layout: (.*?)\n(.*?)\n/)!
      .slice(1)
      .join(' ');
    const words: Record<string, number> = { one: 1 };
    const sizes = Object.fromEntries(
      [...layout.matchAll(/(\w+) → (\w+)/g)].map((m) => [m[1]!, words[m[2]!] ?? Number(m[2])]),
    );
    expect(sizes).toEqual(BYTES);
    for (const [dtype, n] of Object.entries(sizes)) {
      const buf = cpu.alloc(dtype as DType, 1);
      expect([dtype, buf.BYTES_PER_ELEMENT]).toEqual([dtype, n]);
      cpu.free(buf);
    }
    for (const o of Object.keys(cpu.overrides ?? {})) expect(doc).toContain(`\`${o}(`);
    cpu.dispose();
  });
});
