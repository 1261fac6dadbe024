/**
 * The bench page's entry, bundled by driver.ts for Chromium: every browser adapter lives here
 * (Flint on gpu.js WebGL2 and WebGPU and on its CPU backend; TensorFlow.js webgl and webgpu) and
 * `globalThis.__flintBench` lets the Node driver prepare, run and dispose workloads by handle.
 * Failures come back as values (PageError) so the driver can tell a skip from a crash.
 */
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { gpujsBackend } from '@flint/backend-gpujs';
import type { Backend } from '@flint/core/backend';
import { Skip } from '../harness/types.js';
import { firstStep, flintPageAdapter } from './page-flint.js';
import { tfjsPageAdapter } from './page-tfjs.js';
import type { PageAdapter, PageApi, PageError, PageRunner } from './protocol.js';

/** Set by the bundler (driver.ts): the page cannot read package.json itself. */
declare const __FLINT_CORE_VERSION__: string;
const CORE_VERSION = typeof __FLINT_CORE_VERSION__ === 'string' ? __FLINT_CORE_VERSION__ : '?';

const gpujs = (mode: 'webgl2' | 'webgpu') => (name: string) =>
  gpujsBackend({ name, mode }) as unknown as Backend<unknown>;
const gpujsNotes = (b: Backend<unknown>) => [`gpu.js mode ${(b as { mode?: string }).mode}`];

const adapters: PageAdapter[] = [
  flintPageAdapter(
    { id: 'flint-gpujs', label: '', create: gpujs('webgl2'), notes: gpujsNotes },
    CORE_VERSION,
  ),
  flintPageAdapter(
    { id: 'flint-gpujs-webgpu', label: '', create: gpujs('webgpu'), notes: gpujsNotes },
    CORE_VERSION,
  ),
  tfjsPageAdapter('webgl'),
  tfjsPageAdapter('webgpu'),
  flintPageAdapter(
    {
      id: 'flint-cpu',
      label: '',
      create: (name) => cpuBackend({ name }) as Backend<unknown>,
      notes: () => ['pure TypeScript'],
    },
    CORE_VERSION,
  ),
];

function failure(e: unknown): PageError {
  const msg = e instanceof Error ? e.message : String(e);
  return { error: msg.split('\n')[0]!.slice(0, 300), skip: e instanceof Skip };
}

async function attempt<T>(f: () => Promise<T>): Promise<T | PageError> {
  try {
    return await f();
  } catch (e) {
    return failure(e);
  }
}

const runners = new Map<number, PageRunner>();
let next = 1;

function find(id: string): PageAdapter {
  const a = adapters.find((x) => x.id === id);
  if (!a) throw new Skip(`no adapter ${id} in the page`);
  return a;
}

interface GLish {
  getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
  RENDERER: number;
}

const api: PageApi = {
  ids: adapters.map((a) => a.id),
  init: (id) => attempt(() => find(id).init()),
  prepare: (id, spec) =>
    attempt(async () => {
      const r = await find(id).prepare(spec);
      runners.set(next, r);
      return next++;
    }),
  run: (h) =>
    attempt(async () => {
      const r = runners.get(h);
      if (!r) throw new Error(`no runner ${h}`);
      return r.run();
    }),
  async dispose(h) {
    const r = runners.get(h);
    runners.delete(h);
    await r?.dispose();
  },
  firstStep: (spec) =>
    attempt(async () => ({ adapter: 'flint-gpujs', ...(await firstStep(gpujs('webgl2'), spec)) })),
  async environment() {
    const g = globalThis as unknown as {
      navigator: { userAgent: string; gpu?: { requestAdapter(): Promise<unknown> } };
      document: { createElement(t: string): { getContext(k: string): unknown } };
    };
    const gl = g.document.createElement('canvas').getContext('webgl2') as GLish | null;
    const dbg = gl?.getExtension('WEBGL_debug_renderer_info');
    const adapter = (await g.navigator.gpu?.requestAdapter().catch(() => null)) as
      { info?: { vendor: string; architecture: string } } | null | undefined;
    return {
      userAgent: g.navigator.userAgent,
      webgl: gl ? String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'none',
      webgpu: adapter
        ? `${adapter.info?.vendor ?? '?'} ${adapter.info?.architecture ?? ''}`.trim()
        : 'none',
    };
  },
};

(globalThis as unknown as { __flintBench: PageApi }).__flintBench = api;
// the page's own API stays reachable for debugging in a visible browser
(globalThis as unknown as { fl: typeof fl }).fl = fl;
