/**
 * PyTorch and NumPy peers, each a long-lived `python/peer.py` process spoken to in JSON lines.
 * A process per thread count: BLAS and OpenMP read their thread variables when they load, so
 * "1 thread" must be set in the environment before Python starts, not later.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Skip, type Adapter, type AdapterInfo, type Runner, type Spec } from '../harness/types.js';

// Debian's interpreter, where python3-torch and python3-numpy live (a venv's python would not
// see them); FLINT_BENCH_PYTHON points elsewhere.
const PYTHON = process.env.FLINT_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../python/peer.py', import.meta.url));
const START_TIMEOUT_MS = 60_000;

interface Reply {
  skip?: string;
  error?: string;
  handle?: number;
  value?: number;
  version?: string;
  threads?: number;
  notes?: string[];
  measured?: number;
  expected?: number;
}

/** One worker process; requests are answered strictly in order. */
class Worker {
  private proc: ChildProcessWithoutNullStreams;
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private dead: Error | undefined;

  constructor(lib: string, threads: number) {
    const n = String(threads);
    // PASSIVE: idle OpenMP workers sleep instead of spinning, which would otherwise steal the
    // core from whichever adapter runs next in the interleaved rounds.
    const env = {
      ...process.env,
      OMP_NUM_THREADS: n,
      OPENBLAS_NUM_THREADS: n,
      MKL_NUM_THREADS: n,
      OMP_WAIT_POLICY: 'PASSIVE',
    };
    this.proc = spawn(PYTHON, [SCRIPT, lib, n], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      try {
        w?.resolve(JSON.parse(line) as Reply);
      } catch (e) {
        w?.reject(e as Error);
      }
    });
    this.proc.stderr.on(
      'data',
      (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)),
    );
    const fail = (e: Error) => {
      this.dead = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.proc.on('error', fail);
    this.proc.on('exit', (code) =>
      fail(new Error(`python exited (${code}): ${this.stderr.trim().split('\n').pop() ?? ''}`)),
    );
  }

  async request(msg: object, timeoutMs = 0): Promise<Reply> {
    if (this.dead) throw this.dead;
    const reply = new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.proc.stdin.write(`${JSON.stringify(msg)}\n`);
    const r = timeoutMs > 0 ? await withTimeout(reply, timeoutMs) : await reply;
    if (r.skip) throw new Skip(r.skip);
    if (r.error) throw new Error(r.error);
    return r;
  }

  close(): void {
    if (!this.dead) this.proc.stdin.end();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Skip(`python peer did not answer within ${ms / 1e3} s`)),
      ms,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface PythonPeer {
  id: string;
  label: string;
  lib: 'torch' | 'numpy';
  threads: number;
  extra?: boolean;
}

/**
 * PyTorch's peak-memory row is trusted only after the replay of its allocator events measures a
 * case whose true peak is known (peer.py `replay_selfcheck`); otherwise the row is a skip.
 */
async function checkPeakReplay(w: Worker): Promise<string | undefined> {
  const r = await w.request({ cmd: 'selfcheck' }, START_TIMEOUT_MS);
  if (r.measured === r.expected) return undefined;
  return `peak-memory replay self-check measured ${r.measured} B where ${r.expected} B are live`;
}

export function pythonAdapter(p: PythonPeer): Adapter {
  let worker: Worker | undefined;
  let peakFault: string | undefined;
  return {
    id: p.id,
    label: p.label,
    role: 'peer',
    extra: p.extra,
    async init(): Promise<AdapterInfo> {
      if (!existsSync(PYTHON)) throw new Skip(`${PYTHON} not found (set FLINT_BENCH_PYTHON)`);
      worker = new Worker(p.lib, p.threads);
      try {
        const r = await worker.request({ cmd: 'info' }, START_TIMEOUT_MS);
        if (p.lib === 'torch') peakFault = await checkPeakReplay(worker);
        const notes = [...(r.notes ?? []), ...(peakFault ? [peakFault] : [])];
        return { version: r.version!, threads: r.threads!, notes };
      } catch (e) {
        worker.close();
        worker = undefined;
        throw e;
      }
    },
    async prepare(spec: Spec): Promise<Runner> {
      const w = worker;
      if (!w) throw new Skip(`${p.lib} peer not running`);
      if (spec.family === 'peakMemory' && peakFault) throw new Skip(peakFault);
      const { handle } = await w.request({ cmd: 'prepare', spec });
      return {
        run: async () => (await w.request({ cmd: 'run', handle })).value!,
        dispose: async () => void (await w.request({ cmd: 'dispose', handle })),
      };
    },
    async close() {
      worker?.close();
      worker = undefined;
    },
  };
}
