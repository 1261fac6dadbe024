/**
 * `fl.load` and `fl.save` on hostile paths and files: devices, FIFOs, directories, missing paths,
 * truncated or lying files, nested and huge headers; saves onto private files, through symlinks,
 * of a Module, and after a save was SIGKILLed half-way. Every failure is a typed error naming the
 * path, and nothing blocks (each probe has a short limit).
 */
import assert from 'node:assert/strict';
import { execFileSync, fork } from 'node:child_process';
import { chmod, lstat, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Probe, ProbeContext } from '../src/probe.js';

/** A safetensors file: the 8-byte length, `json` padded to 8 bytes, then `data` bytes. */
function file(json: string, data: number): Uint8Array {
  const text = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + text.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(new TextEncoder().encode(text), 8);
  return out;
}

async function loadBytes({ fl, tmp }: ProbeContext, bytes: Uint8Array): Promise<void> {
  const path = join(tmp, 'bad.safetensors');
  await writeFile(path, bytes);
  await fl.load(path);
}

const F32 = (shape: string, offsets: string) =>
  `{"w":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}}`;

/** The small state dict most save probes write, freed by the caller's tidy. */
async function saveOnes({ fl }: ProbeContext, path: string, value = 1): Promise<void> {
  const w = fl.full([2, 2], value);
  try {
    await fl.save({ w }, path);
  } finally {
    w.dispose();
  }
}

async function valueAt({ fl }: ProbeContext, path: string): Promise<number> {
  const sd = await fl.load(path);
  const v = sd.w!.dataSync()[0]!;
  for (const t of Object.values(sd)) t.dispose();
  return v;
}

const loads: Probe[] = [
  {
    id: 'load/dev-zero',
    expect: { throws: 'IOError', match: /"\/dev\/zero": it is a character device/ },
    run: ({ fl }) => fl.load('/dev/zero'),
    timeoutMs: 3000,
  },
  {
    id: 'load/fifo-without-writer',
    expect: { throws: 'IOError', match: /it is a FIFO \(named pipe\)/ },
    run: ({ fl, tmp }) => {
      const fifo = join(tmp, 'pipe.safetensors');
      execFileSync('mkfifo', [fifo]);
      return fl.load(fifo);
    },
    timeoutMs: 3000,
  },
  {
    id: 'load/directory',
    expect: { throws: 'IOError', match: /it is a directory/ },
    run: ({ fl, tmp }) => fl.load(tmp),
    timeoutMs: 3000,
  },
  {
    id: 'load/missing-path',
    expect: {
      throws: 'IOError',
      match: /fl\.load: cannot read ".*nope\.safetensors": no such file or directory \(ENOENT\)/,
    },
    run: ({ fl, tmp }) => fl.load(join(tmp, 'nope.safetensors')),
    timeoutMs: 3000,
  },
  {
    id: 'load/path-not-a-string',
    expect: {
      throws: 'ArgumentError',
      match: /^fl\.load: .*path.*a string or a file: URL/,
    },
    run: ({ fl }) => fl.load({ path: 'x' } as unknown as string),
    timeoutMs: 3000,
  },
  {
    id: 'load/truncated-file',
    expect: {
      throws: 'FormatError',
      match: /bad\.safetensors" is not a valid safetensors file: truncated/,
    },
    run: (ctx) => loadBytes(ctx, file(F32('[4]', '[0,16]'), 10)),
    timeoutMs: 3000,
  },
  {
    id: 'load/header-claims-a-terabyte',
    expect: { throws: 'FormatError', match: /need a 1000000000000-byte data section but only 0/ },
    run: (ctx) => loadBytes(ctx, file(F32('[250000000000]', '[0,1000000000000]'), 0)),
    timeoutMs: 3000,
  },
  {
    id: 'load/header-length-past-the-end',
    expect: { throws: 'FormatError', match: /header length 4096 runs past the end/ },
    run: (ctx) => {
      const bytes = file('{}', 0);
      new DataView(bytes.buffer).setUint32(0, 4096, true);
      return loadBytes(ctx, bytes);
    },
    timeoutMs: 3000,
  },
  {
    id: 'load/nested-header',
    expect: { throws: 'FormatError', match: /nests deeper than 64 levels/ },
    run: (ctx) => loadBytes(ctx, file(`{"w":${'['.repeat(1e6)}${']'.repeat(1e6)}}`, 0)),
    timeoutMs: 5000,
  },
  {
    id: 'load/huge-header-value',
    expect: { throws: 'FormatError', match: /unsupported dtype "x{20}"… \(50000000 characters\)/ },
    run: (ctx) =>
      loadBytes(
        ctx,
        file(`{"w":{"dtype":"${'x'.repeat(5e7)}","shape":[],"data_offsets":[0,0]}}`, 0),
      ),
    timeoutMs: 8000,
  },
];

/** Start a child that saves a 128 MB state dict in a loop; SIGKILL it while a temp file exists. */
async function killMidSave(ctx: ProbeContext, path: string): Promise<string> {
  const script = join(ctx.tmp, 'saver.mjs');
  await writeFile(
    script,
    `const fl = await import(process.argv[2]);
const { cpuBackend } = await import(process.argv[3]);
fl.use(cpuBackend());
const sd = {};
for (let i = 0; i < 16; i++) sd['w' + i] = fl.zeros([2 ** 21]);
for (;;) await fl.save(sd, process.argv[4]);`,
  );
  const args = [
    import.meta.resolve('@flint/core'),
    import.meta.resolve('@flint/backend-cpu'),
    path,
  ];
  for (let attempt = 0; attempt < 5; attempt++) {
    const child = fork(script, args, { stdio: 'ignore' });
    const exited = new Promise((done) => child.on('exit', done));
    let temp: string | undefined;
    for (let i = 0; i < 6000 && !temp; i++) {
      temp = (await readdir(ctx.tmp)).find((n) => n.endsWith('.tmp'));
      if (!temp) await new Promise((done) => setTimeout(done, 5));
    }
    child.kill('SIGKILL');
    await exited;
    // the save may have renamed it between the listing and the kill: try again
    if (temp && (await lstat(join(ctx.tmp, temp)).catch(() => null))) return temp;
  }
  throw new Error('no save was caught half-way in 5 attempts');
}

const saves: Probe[] = [
  {
    id: 'save/onto-0600-file-keeps-mode',
    expect: 'ok',
    run: async (ctx) => {
      const path = join(ctx.tmp, 'secret.safetensors');
      await writeFile(path, 'old');
      await chmod(path, 0o600);
      await saveOnes(ctx, path, 3);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal(await valueAt(ctx, path), 3);
    },
    timeoutMs: 5000,
  },
  {
    id: 'save/through-symlink-writes-the-target',
    expect: 'ok',
    run: async (ctx) => {
      const target = join(ctx.tmp, 'target.safetensors');
      const link = join(ctx.tmp, 'link.safetensors');
      await saveOnes(ctx, target, 1);
      await symlink('target.safetensors', link);
      await saveOnes(ctx, link, 5);
      assert.ok((await lstat(link)).isSymbolicLink(), 'the link stays a link');
      assert.equal(await valueAt(ctx, target), 5);
    },
    timeoutMs: 5000,
  },
  {
    id: 'save/empty-path',
    expect: { throws: 'ArgumentError', match: /^fl\.save: the path is empty/ },
    run: (ctx) => saveOnes(ctx, ''),
    timeoutMs: 3000,
  },
  {
    id: 'save/not-a-state-dict',
    expect: { throws: 'ArgumentError', match: /^fl\.save: .*state dict.*got null/ },
    run: ({ fl, tmp }) => fl.save(null as never, join(tmp, 'x.safetensors')),
    timeoutMs: 3000,
  },
  {
    id: 'save/onto-directory',
    expect: { throws: 'IOError', match: /fl\.save: cannot write ".*": it is a directory/ },
    run: (ctx) => saveOnes(ctx, ctx.tmp),
    timeoutMs: 5000,
  },
  {
    id: 'save/module',
    expect: 'ok',
    run: async (ctx) => {
      const { fl, tmp } = ctx;
      const model = new fl.nn.Sequential(new fl.nn.Linear(3, 2), new fl.nn.Tanh());
      const path = join(tmp, 'model.safetensors');
      await fl.save(model, path);
      const sd = await fl.load(path);
      assert.deepEqual(Object.keys(sd).sort(), ['0.bias', '0.weight']);
      assert.deepEqual(sd['0.weight']!.toArray(), model.stateDict()['0.weight']!.toArray());
      model.loadStateDict(sd);
      for (const t of Object.values(sd)) t.dispose(); // the caller owns loaded tensors
      assert.equal(model.stateDict()['0.bias']!.shape[0], 2);
    },
    timeoutMs: 5000,
  },
  {
    id: 'save/sigkill-mid-save-then-save-again-removes-the-leftover',
    expect: 'ok',
    devices: ['cpu'],
    run: async (ctx) => {
      const path = join(ctx.tmp, 'big.safetensors');
      const leftover = await killMidSave(ctx, path);
      // a temp file of a live process (the runner, our parent) must survive the cleanup
      const live = leftover.replace(/[0-9]+-[0-9a-z]+\.tmp$/, `${process.ppid}-zz.tmp`);
      await writeFile(join(ctx.tmp, live), 'in progress');
      await saveOnes(ctx, path, 9);
      const names = await readdir(ctx.tmp);
      assert.ok(!names.includes(leftover), `${leftover} was not removed`);
      assert.ok(names.includes(live), 'a live process’s temporary file was removed');
      assert.equal(await valueAt(ctx, path), 9);
    },
    timeoutMs: 60_000,
  },
];

export const probes: Probe[] = [...loads, ...saves];
