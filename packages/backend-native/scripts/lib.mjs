// Helpers shared by the package's build-variant test scripts (test-asan.mjs, test-noblas.mjs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command in the package folder; exits the script, naming it, if it fails. */
export function run(tag, cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`${tag}: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const cliPath = () =>
  fileURLToPath(import.meta.resolve('@flint/conformance/package.json')).replace(
    /package\.json$/,
    'dist/harness/cli.js',
  );

/** Runs the conformance CLI with `args` (a backend module and options). */
export function conformanceCli(tag, args, env = {}) {
  run(tag, process.execPath, [cliPath(), ...args], env);
}

/** Runs the conformance suite as a plain node program against the build named by `env`. */
export function conformance(tag, reportDir, env) {
  const cli = cliPath();
  run(
    tag,
    process.execPath,
    [
      cli,
      'dist/index.js',
      '--factory',
      'nativeBackend',
      '--second',
      'native2',
      '--oracle',
      '@flint/backend-cpu',
      '--report-dir',
      reportDir,
    ],
    env,
  );
}
