/**
 * Command-line plumbing shared by the examples: typed `--flag value` options with `FLINT_<NAME>`
 * environment fallbacks, `--help`, and "am I the entry point" detection so each module can both
 * export `main(opts)` for tests and run as a program.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type OptionSpec =
  | { type: 'number'; help: string; integer?: boolean }
  | { type: 'boolean'; help: string }
  | { type: 'string'; help: string; choices?: readonly string[] };

type Value<S extends OptionSpec> = S extends { type: 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { choices: readonly (infer C)[] }
      ? C
      : string;

export type Parsed<S extends Record<string, OptionSpec>> = {
  -readonly [K in keyof S]?: Value<S[K]>;
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string) => `FLINT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Thrown for a bad option; the message is meant for the user, without a stack trace. */
export class UsageError extends Error {}

/** A data set the example needs is not installed; the message says how to install it. */
export class MissingDataError extends Error {}

function convert(name: string, spec: OptionSpec, raw: string | boolean, from: string): unknown {
  if (spec.type === 'boolean') return raw === true || raw === '1' || raw === 'true';
  const text = String(raw);
  if (spec.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)))
      throw new UsageError(
        `${from}: expected ${spec.integer ? 'an integer' : 'a number'}, got '${text}'`,
      );
    return n;
  }
  if (spec.choices && !spec.choices.includes(text))
    throw new UsageError(`${from}: expected one of ${spec.choices.join(', ')}, got '${text}'`);
  return text;
}

/** Usage text listing every option, its environment variable and its help. */
export function usage(program: string, summary: string, specs: Record<string, OptionSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg =
      s.type === 'boolean'
        ? ''
        : s.type === 'number'
          ? ' <n>'
          : ` <${s.choices ? s.choices.join('|') : 'value'}>`;
    return `  --${kebab(name)}${arg}`.padEnd(30) + `${s.help} (env ${envName(name)})`;
  });
  return `${summary}\n\nUsage: ${program} [options]\n\n${rows.join('\n')}\n  --help                      this text`;
}

/**
 * Parse argv against `specs`; a flag wins over its `FLINT_<NAME>` variable (`--batch-size` ↔
 * `FLINT_BATCH_SIZE`). Unset options are left undefined so `main` applies its defaults.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Parsed<S> & { help?: boolean } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(specs))
    options[kebab(name)] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out: Record<string, unknown> = { help: values.help === true };
  for (const [name, s] of Object.entries(specs)) {
    const flag = values[kebab(name)];
    const fromEnv = env[envName(name)];
    if (flag !== undefined) out[name] = convert(name, s, flag, `--${kebab(name)}`);
    else if (fromEnv !== undefined && fromEnv !== '')
      out[name] = convert(name, s, fromEnv, envName(name));
  }
  return out as Parsed<S> & { help?: boolean };
}

/** True when the module at `url` is the script node was started with. */
export function isEntryPoint(url: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === url;
  } catch {
    return false;
  }
}

/**
 * Run an example as a program: parse options, print usage on --help, call `main`, and turn a
 * UsageError or a missing data set into a one-line message and exit code 2 or 1.
 */
export async function runCli<S extends Record<string, OptionSpec>>(
  program: string,
  summary: string,
  specs: S,
  main: (opts: Parsed<S>) => Promise<unknown>,
): Promise<void> {
  try {
    const opts = parseOptions(specs);
    if (opts.help) {
      console.log(usage(program, summary, specs));
      return;
    }
    await main(opts);
  } catch (e) {
    if (e instanceof UsageError || e instanceof MissingDataError) {
      console.error(`${program}: ${e.message}`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
      return;
    }
    throw e;
  }
}

/** Options shared by the Fashion-MNIST examples (mlp, cnn). */
export const IMAGE_OPTIONS = {
  batchSize: { type: 'number', integer: true, help: 'batch size (default 32)' },
  lr: { type: 'number', help: 'Adam learning rate (default 1e-3)' },
  limit: {
    type: 'number',
    integer: true,
    help: 'train on the first N training images (default all 60000)',
  },
  testLimit: {
    type: 'number',
    integer: true,
    help: 'test on the first N test images (default all 10000)',
  },
} as const satisfies Record<string, OptionSpec>;

/** Options every training example takes. */
export const RUN_OPTIONS = {
  seed: { type: 'number', integer: true, help: 'random seed (default 0)' },
  backend: { type: 'string', help: 'device to use (default: the fastest available)' },
} as const satisfies Record<string, OptionSpec>;
