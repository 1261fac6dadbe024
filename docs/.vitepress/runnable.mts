/**
 * Runnable code blocks. A fence whose info string has `run` after `ts` (or `js`) renders as the usual
 * highlighted block followed by a `<RunSnippet>` component (theme/RunSnippet.vue) that runs it in
 * the page. The TypeScript is compiled here, at build time, so the page never downloads a
 * compiler: types are stripped, imports become `require` calls the page answers with the bundled
 * Flint packages, and a last expression statement becomes the block's result, shown under the
 * output as a notebook would. A block that does not parse fails the build, naming page and line.
 *
 * TypeScript is loaded from the docs package (apps/docs): this file lives outside it, so a bare
 * import would not resolve (see config.mts).
 */
import { createRequire } from 'node:module';
import type { MarkdownRenderer } from 'vitepress';
import type * as TS from 'typescript';

const LANGS = new Set(['ts', 'typescript', 'js', 'javascript']);

/**
 * The fence info of a runnable block without its `run` word (`ts run throws {2}` → `ts throws
 * {2}`), or null for any other block. `run` may sit anywhere after the language, next to the
 * markers of the docs' snippet tests (`throws`, `browser`) and VitePress's own options.
 */
export function runnableInfo(info: string): string | null {
  const words = info.trim().split(/\s+/);
  if (!LANGS.has(words[0] ?? '') || !words.includes('run')) return null;
  return words.filter((w) => w !== 'run').join(' ');
}

/**
 * The block as the body of an async function: type-free JavaScript whose imports are `require`
 * calls and whose last expression statement, if any, is returned. Throws on a syntax error.
 */
export function compileSnippet(ts: typeof TS, code: string, where: string): string {
  const check = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: options(ts) });
  const errors = check.diagnostics ?? [];
  if (errors.length > 0) {
    const d = errors[0]!;
    const line =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300);
    throw new Error(`${where}: the runnable block does not parse (its line ${line}): ${text}`);
  }
  return ts.transpileModule(returnLast(ts, code), { compilerOptions: options(ts) }).outputText;
}

function options(ts: typeof TS): TS.CompilerOptions {
  // CommonJS output turns imports into require calls; ES2022 keeps top-level await and classes
  // with fields as written. No esModuleInterop helpers: `require` returns module namespaces.
  return {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: false,
    useDefineForClassFields: true,
    removeComments: false,
  };
}

/** `…; expr;` → `…; return (expr);` so the block's value can be shown. */
function returnLast(ts: typeof TS, code: string): string {
  const file = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.ES2022, true);
  const last = file.statements[file.statements.length - 1];
  if (!last || !ts.isExpressionStatement(last)) return code;
  const expr = last.expression.getText(file);
  return `${code.slice(0, last.getStart(file))}return (${expr});${code.slice(last.end)}`;
}

/** Base64 of the UTF-8 bytes: safe inside an HTML attribute and a Vue template. */
function encode(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** The markdown-it plugin; `docsPackageJson` is apps/docs/package.json (to load TypeScript). */
export function runnableBlocks(docsPackageJson: string) {
  const ts = createRequire(docsPackageJson)('typescript') as typeof TS;
  return (md: MarkdownRenderer): void => {
    const fence = md.renderer.rules.fence!;
    md.renderer.rules.fence = (tokens, idx, opts, env, self) => {
      const token = tokens[idx]!;
      const info = runnableInfo(token.info);
      if (info === null) return fence(tokens, idx, opts, env, self);
      const page = (env as { relativePath?: string }).relativePath ?? 'a page';
      const line = token.map ? token.map[0] + 1 : 0;
      const js = compileSnippet(ts, token.content, `${page}:${line}`);
      token.info = info;
      const html = fence(tokens, idx, opts, env, self);
      return `<div class="flint-runnable">${html}<RunSnippet code="${encode(js)}" />\n</div>\n`;
    };
  };
}
