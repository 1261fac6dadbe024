/**
 * Finds the TypeScript code blocks of a markdown page and turns each runnable one into a whole
 * program, the way a reader would write it: the page's imports, its setup, what the block builds
 * on, then the block. The conventions (documented in apps/docs/README.md):
 * - ```ts / ```typescript blocks run; ```ts fragment blocks (signatures, partial code) are skipped;
 *   ```ts browser blocks are type-checked against the browser entry (DOM types) but not run in Node;
 *   a ```ts throws block must throw (its output is then the error's `Name: message`).
 * - `<!-- flint:setup -->` before a block: the page's setup, run before every later block.
 * - `<!-- flint:continue -->` before a block: it runs after the previous runnable block (same scope);
 *   `<!-- flint:name NAME -->` names a block, and `<!-- flint:continue NAME -->` runs after the last
 *   block of that name's chain (the named block and the blocks that continued it).
 * - `<!-- flint:given … -->` before a block: code the block assumes but the page does not show
 *   (e.g. `const x = fl.randn([4, 6]);`), run before it.
 * - A ```text block right after a runnable block (blank lines between at most) is its output:
 *   what the block prints must match it (`…` stands for any text within a line, or any lines).
 */

/** A fenced code block of a page. */
export interface Block {
  /** 1-based line of the block's first code line in the page. */
  line: number;
  lang: string;
  /** Words of the info string after the language (`fragment`, `browser`, `run`, `[Flint]`…). */
  attrs: string[];
  code: string;
  /** The `flint:` markers right before the block. */
  setup: boolean;
  /** `true` (the previous block), a chain's name, or `false`. */
  continues: boolean | string;
  name: string | null;
  given: { line: number; code: string } | null;
  /** The ```text block right after it, if any. */
  output: string | null;
}

/** A run of code that came from one place: a page line, or the harness (line 0). */
export interface Piece {
  code: string;
  line: number;
}

/** A block made into a program: pieces in order (imports hoisted later, by `compose`). */
export interface Program {
  page: string;
  block: Block;
  /** The chain it belongs to: its own name, or the name of the block it continues. */
  chain: string | null;
  pieces: Piece[];
  mode: 'node' | 'browser';
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;
const TS = new Set(['ts', 'typescript']);

/** Every fenced block of a page, with the markers that precede it and the output that follows. */
export function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const fences: { start: number; end: number; lang: string; info: string; indent: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]!);
    if (!m) continue;
    const [, indent, ticks, lang, info] = m;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(ticks!)) end++;
    fences.push({ start: i, end, lang: lang!, info: info!.trim(), indent: indent! });
    i = end;
  }
  const blocks: Block[] = [];
  fences.forEach((f, k) => {
    if (!TS.has(f.lang)) return;
    const code = lines
      .slice(f.start + 1, f.end)
      .map((l) => (l.startsWith(f.indent) ? l.slice(f.indent.length) : l))
      .join('\n');
    const markers = markersBefore(lines, f.start);
    const next = fences[k + 1];
    const gapIsBlank =
      next !== undefined && lines.slice(f.end + 1, next.start).every((l) => l.trim() === '');
    blocks.push({
      line: f.start + 2,
      lang: f.lang,
      attrs: f.info.split(/\s+/).filter(Boolean),
      code,
      ...markers,
      output:
        next && gapIsBlank && next.lang === 'text'
          ? lines.slice(next.start + 1, next.end).join('\n')
          : null,
    });
  });
  return blocks;
}

/** The `<!-- flint:… -->` comments between the previous paragraph and a fence. */
function markersBefore(
  lines: string[],
  fence: number,
): Pick<Block, 'setup' | 'continues' | 'name' | 'given'> {
  const found: Pick<Block, 'setup' | 'continues' | 'name' | 'given'> = {
    setup: false,
    continues: false,
    name: null,
    given: null,
  };
  let i = fence - 1;
  for (;;) {
    while (i >= 0 && lines[i]!.trim() === '') i--;
    if (i < 0 || !lines[i]!.trim().endsWith('-->')) return found;
    let start = i;
    while (start >= 0 && !lines[start]!.includes('<!--')) start--;
    if (start < 0) return found;
    const text = lines.slice(start, i + 1).join('\n');
    const m = /^\s*<!--\s*flint:(\w+)([\s\S]*?)-->\s*$/.exec(text);
    if (!m) return found;
    const [, name, rest] = m;
    if (name === 'setup') found.setup = true;
    else if (name === 'continue') found.continues = rest!.trim() || true;
    else if (name === 'name') found.name = rest!.trim();
    else if (name === 'given') {
      // the code starts on the comment's first line (after the marker) or on the next one
      const firstLine = rest!.startsWith('\n') ? start + 2 : start + 1;
      found.given = { line: firstLine, code: rest!.replace(/^\n/, '').replace(/\s+$/, '') };
    } else throw new Error(`line ${start + 1}: unknown marker flint:${name}`);
    i = start - 1;
  }
}

/** Whether a block is run in Node, type-checked only (browser), or left alone (fragment). */
export function modeOf(b: Block): 'node' | 'browser' | 'fragment' {
  if (b.attrs.includes('fragment')) return 'fragment';
  return b.attrs.includes('browser') ? 'browser' : 'node';
}

/** Each non-fragment block of a page as a program: setup or continued block, given code, block. */
export function programsOf(page: string, markdown: string): Program[] {
  const programs: Program[] = [];
  let setup: Piece[] = [];
  for (const block of blocksOf(markdown)) {
    const mode = modeOf(block);
    if (mode === 'fragment') {
      if (block.setup || block.continues || block.given || block.output !== null)
        throw new Error(
          `${page}:${block.line}: a fragment block cannot have flint markers or output`,
        );
      continue;
    }
    const prev =
      typeof block.continues === 'string'
        ? programs.filter((p) => p.chain === block.continues).pop()
        : programs[programs.length - 1];
    if (block.continues && !prev)
      throw new Error(`${page}:${block.line}: flint:continue, but no such block before it`);
    const base = block.continues ? prev!.pieces : block.setup ? [] : setup;
    const pieces = [
      ...base,
      ...(block.given ? [block.given] : []),
      { code: block.code, line: block.line },
    ];
    const chain = block.name ?? (block.continues ? prev!.chain : null);
    programs.push({ page, block, chain, pieces, mode });
    if (block.setup) setup = pieces;
  }
  return programs;
}

/** Printed by a program right before its last block runs; see `blockOutput`. */
export const OUTPUT_MARK = '<flint:block-output>';

/** The part of a program's stdout that its last block printed. */
export function blockOutput(stdout: string): string {
  const at = stdout.lastIndexOf(`${OUTPUT_MARK}\n`);
  return at < 0 ? stdout : stdout.slice(at + OUTPUT_MARK.length + 1);
}

// A `throws` block runs inside try: the error it throws is its output, and not throwing fails.
const CATCH = `} catch (e) {
  threw = true;
  console.log(e instanceof Error ? \`\${e.name}: \${e.message}\` : String(e));
}
if (!threw) throw new Error('the block is marked throws but did not throw');`;

const IMPORT = /^import\s[^;]*?from\s+'([^']+)';?[ \t]*$/gm;

/**
 * The program's TypeScript source and, per line, where it came from (page line, 0 = harness).
 * Imports are hoisted and de-duplicated; a program that imports no `fl` gets
 * `import * as fl from '@flint/core'`, one that registers no backend gets the CPU backend
 * (`fl.use(cpuBackend())`), and one that uses `nn.` without declaring it `const { nn } = fl;` — as
 * every guide page assumes (getting-started's setup), and as the in-page Run button provides.
 */
export function compose(p: Program): { source: string; lines: number[] } {
  const imports: { text: string; line: number }[] = [];
  const body: { text: string; line: number }[] = [];
  p.pieces.forEach((piece, k) => {
    // what the block itself prints starts after this line (the pieces before it print too)
    if (k === p.pieces.length - 1 && p.block.output !== null && p.mode === 'node')
      body.push({ text: `process.stdout.write('\\n${OUTPUT_MARK}\\n');`, line: 0 });
    const code = piece.code.replace(IMPORT, (text, _from, offset: number) => {
      const line = piece.line + piece.code.slice(0, offset).split('\n').length - 1;
      if (!imports.some((i) => i.text === text)) imports.push({ text, line });
      return '';
    });
    const last = k === p.pieces.length - 1;
    const throws = last && p.mode === 'node' && p.block.attrs.includes('throws');
    if (throws) body.push({ text: 'let threw = false;\ntry {', line: 0 });
    code.split('\n').forEach((text, i) => body.push({ text, line: piece.line + i }));
    if (throws) body.push({ text: CATCH, line: 0 });
  });
  const all = [...imports, ...body].map((l) => l.text).join('\n');
  const head: { text: string; line: number }[] = [];
  if (!/^import \* as fl from '@flint\/core';/m.test(all))
    head.push({ text: "import * as fl from '@flint/core';", line: 0 });
  if (p.mode === 'node' && !/\bfl\.(use|register)\(/.test(all)) {
    if (!/\bcpuBackend\b/.test(imports.map((i) => i.text).join('\n')))
      head.push({ text: "import { cpuBackend } from '@flint/backend-cpu';", line: 0 });
    body.unshift({ text: 'fl.use(cpuBackend());', line: 0 });
  }
  // `nn` is the pages' shorthand for `fl.nn` (the in-page runner provides it too)
  if (
    /\bnn\./.test(all) &&
    !/\bconst \{[^}]*\bnn\b[^}]*\} = fl\b|\bnn\s*=|import[^;]*\bnn\b/.test(all)
  )
    body.unshift({ text: 'const { nn } = fl;', line: 0 });
  const out = [...head, ...imports, ...body, { text: 'export {};', line: 0 }].flatMap((l) =>
    l.text.split('\n').map((text) => ({ text, line: l.line })),
  );
  return { source: out.map((l) => l.text).join('\n') + '\n', lines: out.map((l) => l.line) };
}

/**
 * Whether printed output matches a page's ```text block. Trailing spaces and blank lines at the
 * ends are ignored; `…` inside a line matches any text, and a line that is only `…` any lines.
 */
export function outputMatches(expected: string, actual: string): boolean {
  const norm = (s: string) =>
    s
      .split('\n')
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n')
      .replace(/^\n+|\n+$/g, '');
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // each expected line matches one printed line (with its newline); a `…` line, any whole lines
  const pattern = norm(expected)
    .split('\n')
    .map((l) => (l.trim() === '…' ? '(?:.*\\n)*?' : `${l.split('…').map(esc).join('.*?')}\\n`))
    .join('');
  return new RegExp(`^${pattern}$`).test(`${norm(actual)}\n`);
}
