/**
 * `fl.save` on hostile destinations: modes and owners kept, symlinks written through, special
 * files refused, temporary files of dead processes removed (never a live one's); a Module saves
 * its state dict; loaded tensors belong to the caller.
 */
import { spawn } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as io from '../src/io/index.js';
import { tempPrefixOf } from '../src/io/paths.js';

const backend = cpuBackend({ name: 'cpu-io-save-test' });
let root = '';
let dir = '';
let n = 0;

beforeAll(async () => {
  fl.use(backend);
  root = await mkdtemp(join(tmpdir(), 'flint-io-save-'));
});
afterAll(async () => {
  fl.removeBackend(backend.name);
  await rm(root, { recursive: true, force: true });
});
let liveAtStart = 0;
beforeEach(async () => {
  liveAtStart = fl.memory().tensors;
  dir = join(root, String(n++));
  await mkdir(dir);
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

const isRoot = process.getuid?.() === 0;

/** Save a small state dict, freeing it afterwards. */
async function saveSmall(path: string, value = 1): Promise<void> {
  const t = fl.full([3], value);
  try {
    await fl.save({ t }, path);
  } finally {
    t.dispose();
  }
}

async function loadedValue(path: string): Promise<number> {
  const sd = await fl.load(path);
  const v = sd.t!.dataSync()[0]!;
  sd.t!.dispose();
  return v;
}

const mode = async (p: string) => (await stat(p)).mode & 0o7777;

describe('fl.save: modes and owners', () => {
  it('keeps the mode of an existing file (0600 stays 0600, 0640 stays 0640)', async () => {
    for (const m of [0o600, 0o640, 0o604]) {
      const path = join(dir, `m${m.toString(8)}.safetensors`);
      await writeFile(path, 'old');
      await chmod(path, m);
      await saveSmall(path);
      expect((await mode(path)).toString(8)).toBe(m.toString(8));
      expect(await loadedValue(path)).toBe(1);
    }
  });

  it('a new file gets the mode the umask gives any new file', async () => {
    const reference = join(dir, 'reference');
    await writeFile(reference, '');
    const path = join(dir, 'new.safetensors');
    await saveSmall(path);
    expect(await mode(path)).toBe(await mode(reference));
  });

  it('keeps the owner where the saver may set it (root), else the saver owns the new file', async () => {
    const path = join(dir, 'owned.safetensors');
    await writeFile(path, 'old');
    if (isRoot) await chown(path, 12345, 23456);
    const before = await stat(path);
    await saveSmall(path);
    const after = await stat(path);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
  });

  it('a read-only destination is refused as writing into it would be (root may write)', async () => {
    const path = join(dir, 'ro.safetensors');
    await saveSmall(path, 1);
    await chmod(path, 0o444);
    if (isRoot) {
      await saveSmall(path, 2);
      expect(await loadedValue(path)).toBe(2);
      expect(await mode(path)).toBe(0o444);
    } else {
      await expect(saveSmall(path, 2)).rejects.toThrow(/permission denied \(EACCES\)/);
      expect(await loadedValue(path)).toBe(1);
    }
  });
});

describe('fl.save: symlinks and special destinations', () => {
  it('writes through a symlink (relative, chained) to its target; the links stay links', async () => {
    await mkdir(join(dir, 'real'));
    const target = join(dir, 'real', 'model.safetensors');
    await saveSmall(target, 1);
    await chmod(target, 0o600);
    await symlink('real/model.safetensors', join(dir, 'link1'));
    await symlink(join(dir, 'link1'), join(dir, 'link2'));
    await saveSmall(join(dir, 'link2'), 7);
    expect(await readlink(join(dir, 'link2'))).toBe(join(dir, 'link1'));
    expect((await lstat(join(dir, 'link1'))).isSymbolicLink()).toBe(true);
    expect(await loadedValue(target)).toBe(7);
    expect(await mode(target)).toBe(0o600);
    expect((await readdir(join(dir, 'real'))).sort()).toEqual(['model.safetensors']);
  });

  it('a dangling symlink gets its target created; a symlink loop is a typed error', async () => {
    await symlink('made.safetensors', join(dir, 'dangling'));
    await saveSmall(join(dir, 'dangling'), 3);
    expect(await loadedValue(join(dir, 'made.safetensors'))).toBe(3);
    await symlink('gone/x.safetensors', join(dir, 'into-missing-dir'));
    await expect(saveSmall(join(dir, 'into-missing-dir'))).rejects.toThrow(
      /cannot write ".*gone\/x\.safetensors" \(the target of ".*into-missing-dir"\): no such file or directory \(ENOENT\)/,
    );
    await symlink('loop-b', join(dir, 'loop-a'));
    await symlink('loop-a', join(dir, 'loop-b'));
    const err = await saveSmall(join(dir, 'loop-a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(fl.IOError);
    expect((err as Error).message).toMatch(/loop-a": too many levels of symbolic links \(ELOOP\)/);
  });

  it('a directory, FIFO or device at the destination is refused; nothing is written', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await mkdir(join(dir, 'sub'));
    await symlink('/dev/null', join(dir, 'to-null'));
    for (const [path, what] of [
      [join(dir, 'sub'), 'a directory'],
      [fifo, 'a FIFO'],
      [join(dir, 'to-null'), 'a character device'],
    ]) {
      const err = await saveSmall(path!).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(fl.IOError);
      expect((err as Error).message).toContain(`it is ${what}`);
    }
    expect((await readdir(dir)).sort()).toEqual(['fifo', 'sub', 'to-null']);
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it('bad paths and bad state dicts are typed errors, before anything is written', async () => {
    const t = fl.ones([1]);
    const cases: [unknown, unknown, RegExp][] = [
      [{ t }, 5, /fl\.save: the path must be a string or a file: URL, got number/],
      [{ t }, '', /the path is empty/],
      [null, join(dir, 'x'), /fl\.save: expected a state dict .* or an nn\.Module, got null/],
      [t, join(dir, 'x'), /got a Tensor/],
      [[t], join(dir, 'x'), /got an array/],
      [{ t: 5 }, join(dir, 'x'), /"t" is not a Tensor \(got number\)/],
      [{ ['k'.repeat(100_000)]: 5 }, join(dir, 'x'), /"k{80}"… \(100000 characters\) is not/],
    ];
    try {
      for (const [sd, path, msg] of cases) {
        // io's own checks (exact messages), then the public, guarded entry (same class, names
        // the call; it may word kind errors itself)
        const err = await io.save(sd as fl.io.TensorMap, path as string).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(fl.ArgumentError);
        expect((err as Error).message).toMatch(msg);
        expect((err as Error).message.length).toBeLessThan(400);
        const pub = await fl.save(sd as fl.io.TensorMap, path as string).catch((e: unknown) => e);
        expect(pub).toBeInstanceOf(fl.ArgumentError);
        expect((pub as Error).message).toMatch(/^fl\.save: /);
      }
      await expect(io.save({ t }, join(dir, 'x'), 'meta' as never)).rejects.toThrow(
        /fl\.save: metadata must be an object of strings, got string/,
      );
      await expect(io.save({ t }, join(dir, 'x'), { a: 1 } as never)).rejects.toThrow(
        /fl\.save: metadata value for "a" must be a string, got number/,
      );
    } finally {
      t.dispose();
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

/** A process that has exited (and been reaped), so its pid is free. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

describe('fl.save: atomic replacement', () => {
  it('save then load, with metadata; the file is what serialize gives; no temporary file remains', async () => {
    const path = join(dir, 'model.safetensors');
    const w = fl.randn([3, 4]);
    const b = fl.zeros([4]);
    await io.save({ 'fc.weight': w, 'fc.bias': b }, path, { epoch: '3' });
    const loaded = await io.load(path);
    expect(loaded['fc.weight']!.toArray()).toEqual(w.toArray());
    const { metadata, tensors } = await io.loadWithMetadata(path);
    expect(metadata).toEqual({ epoch: '3' });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(new Uint8Array(await readFile(path))).toEqual(io.serialize(tensors, metadata));
    for (const t of [...Object.values(loaded), ...Object.values(tensors), w, b]) t.dispose();
  });

  it('a failed save leaves the previous file intact and no temporary file', async () => {
    const path = join(dir, 'x.safetensors');
    await writeFile(path, 'previous');
    const good = fl.ones([2]);
    const gone = fl.ones([2]);
    gone.dispose();
    await expect(fl.save({ a: good, b: gone }, path)).rejects.toThrow(fl.DisposedTensorError);
    // disposed once the temporary file exists: the save fails half-way through writing
    const big = fl.zeros([2 ** 24]);
    const late = fl.ones([2]);
    const saving = fl.save({ a: big, b: late }, path);
    while (!(await readdir(dir)).some((n) => n.endsWith('.tmp')))
      await new Promise((done) => setTimeout(done, 1));
    late.dispose();
    await expect(saving).rejects.toThrow(fl.DisposedTensorError);
    big.dispose();
    await expect(io.save({ a: good }, join(dir, 'missing', 'x.safetensors'))).rejects.toThrow(
      /fl\.save: cannot write ".*missing\/x\.safetensors": no such file or directory \(ENOENT\)/,
    );
    good.dispose();
    expect(await readdir(dir)).toEqual(['x.safetensors']);
    expect(await readFile(path, 'utf8')).toBe('previous');
  });
});

describe('fl.save: temporary files', () => {
  it('removes the temporary files of dead processes, never a live one’s or another file’s', async () => {
    const path = join(dir, 'model.safetensors');
    const prefix = await tempPrefixOf(path);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const dead = await deadPid();
      const names = {
        dead: `${prefix}${dead}-abc123.tmp`,
        live: `${prefix}${sleeper.pid}-abc123.tmp`,
        self: `${prefix}${process.pid}-abc123.tmp`,
        otherHost: `.model.safetensors.flint-00000000-${dead}-abc123.tmp`,
        otherFile: `${await tempPrefixOf(join(dir, 'other.safetensors'))}${dead}-x.tmp`,
        unrelated: `${prefix}${dead}-abc123.tmp.keep`,
      };
      if (names.otherHost.startsWith(prefix))
        names.otherHost = names.otherHost.replace('00000000', '00000001');
      for (const name of Object.values(names)) await writeFile(join(dir, name), 'partial');
      await saveSmall(path);
      const left = new Set(await readdir(dir));
      expect(left.has(names.dead)).toBe(false);
      for (const k of ['live', 'self', 'otherHost', 'otherFile', 'unrelated'] as const)
        expect(left.has(names[k]), k).toBe(true);
      expect(left.has('model.safetensors')).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('fl.save of a Module, and who owns loaded tensors', () => {
  it('saves model.stateDict() when given the Module', async () => {
    fl.manualSeed(0);
    const model = new fl.nn.Sequential(
      new fl.nn.Linear(3, 4),
      new fl.nn.ReLU(),
      new fl.nn.Linear(4, 2),
    );
    const path = join(dir, 'model.safetensors');
    await fl.save(model, path, { format: 'pt' });
    expect(new Uint8Array(await readFile(path))).toEqual(
      io.serialize(model.stateDict(), { format: 'pt' }),
    );
    expect(io.saveToBuffer(model)).toEqual(io.saveToBuffer(model.stateDict()));
    const sd = await fl.load(path);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    for (const t of Object.values(sd)) t.dispose();
    for (const p of model.parameters()) p.dispose();
  });

  it('the caller owns loaded tensors: loadStateDict copies, so disposing them keeps the model', async () => {
    fl.manualSeed(1);
    const model = new fl.nn.Linear(2, 2);
    const path = join(dir, 'lin.safetensors');
    await fl.save(model, path);
    const want = model.weight.toArray();
    fl.noGrad(() => model.weight.fill_(0));
    const before = fl.memory().tensors;
    const sd = await fl.load(path);
    expect(fl.memory().tensors).toBe(before + 2);
    model.loadStateDict(sd);
    for (const t of Object.values(sd)) t.dispose();
    expect(fl.memory().tensors).toBe(before);
    expect(model.weight.toArray()).toEqual(want);
    for (const p of model.parameters()) p.dispose();
  });
});
