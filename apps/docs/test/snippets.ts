/**
 * Extracts the Flint snippets of a comparison page ("Flint for PyTorch users", "… TensorFlow.js
 * users") so the tests can run each one:
 * - the setup: the ```ts block right after `<!-- flint:setup -->`;
 * - every inline-code span in the "Flint" column of a table;
 * - every ```ts [Flint] block (inside a `::: code-group`).
 * Pages state the setup they assume, so what a reader sees is exactly what runs.
 */
import ts from 'typescript';

export interface Snippet {
  /** Where it is: `line 42` of the page. */
  where: string;
  code: string;
}

export interface PageSnippets {
  setup: string;
  snippets: Snippet[];
}

/** Table cells of a markdown row (`| a | b |`), honouring `\|` and pipes inside code spans. */
export function cellsOf(row: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let code = false;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '`') {
      code = !code;
      cur += c;
    } else if (c === '|' && !code) {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

/**
 * The inline-code spans of a cell, each one snippet — except spans inside a parenthesised remark
 * (`x.max(1)` (`{ values, indices }`)): those are notes about the result, not code to run.
 */
export function codeSpans(cell: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  for (const part of cell.split(/(`[^`]+`)/)) {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) {
      if (depth === 0) spans.push(part.slice(1, -1));
    } else for (const c of part) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
  }
  return spans;
}

export function extract(markdown: string): PageSnippets {
  const lines = markdown.split('\n');
  let setup: string | null = null;
  const snippets: Snippet[] = [];
  let flintColumn = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '<!-- flint:setup -->') {
      const start = lines.indexOf('```ts', i);
      const end = lines.indexOf('```', start + 1);
      setup = lines.slice(start + 1, end).join('\n');
      i = end;
    } else if (/^```ts \[Flint\]\s*$/.test(line)) {
      const end = lines.indexOf('```', i + 1);
      snippets.push({ where: `line ${i + 1} (block)`, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    } else if (line.startsWith('|')) {
      const cells = cellsOf(line);
      if (cells.includes('Flint')) flintColumn = cells.indexOf('Flint');
      else if (!/^[-\s|:]+$/.test(line) && flintColumn >= 0)
        for (const code of codeSpans(cells[flintColumn] ?? ''))
          snippets.push({ where: `line ${i + 1}`, code });
    } else flintColumn = -1; // a table ends at its first non-table line
  }
  if (setup === null) throw new Error('the page has no <!-- flint:setup --> block');
  return { setup, snippets };
}

/** The bindings a page's setup imports; the tests pass them in instead. */
const IMPORT = /^import .* from '(@flint\/[\w-]+|@tensorflow\/tfjs)';$/gm;

/**
 * One async function per snippet, all closing over one run of the setup (a page's setup
 * registers a backend, which may happen once). A snippet that is an expression returns its value.
 */
export function compile(page: PageSnippets, globals: string[]): (() => Promise<unknown>)[] {
  const body = page.snippets.map((s) => `async () => {\n${asBody(s.code)}\n}`).join(',\n');
  const source = `${page.setup.replace(IMPORT, '')}\nreturn [\n${body}\n];`;
  const out = ts.transpileModule(`(async function () {\n${source}\n})`, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  if (out.diagnostics?.length)
    throw new Error(ts.flattenDiagnosticMessageText(out.diagnostics[0]!.messageText, '\n'));
  const make = new Function(...globals, `return ${out.outputText.trim().replace(/;$/, '')};`);
  return make as never;
}

/** `x.sum()` → `return (x.sum());`; statements stay as they are. */
function asBody(code: string): string {
  const file = ts.createSourceFile('s.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const last = file.statements[file.statements.length - 1];
  if (!last || !ts.isExpressionStatement(last)) return code;
  return `${code.slice(0, last.getStart(file))}return (${last.expression.getText(file)});`;
}
