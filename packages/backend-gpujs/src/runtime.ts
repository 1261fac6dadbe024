/**
 * The gpu.js side of the backend: one `GPU` instance, the kernel cache and the device data it
 * produces. Device data is what a gpu.js pipeline kernel returns — a `Texture` on WebGL, a
 * Float32Array on the webasm and cpu modes — and always holds float32 values (bool as 0/1).
 */
import * as gpujs from 'gpu.js';
import { GPU } from 'gpu.js';
import type { IKernelRunShortcut, Texture } from 'gpu.js';
import { BackendError } from '@flint/core/backend';
import {
  Cell,
  fillCell,
  ieeeKernelClass,
  isCell,
  JobQueue,
  readCell,
  webgpuUnavailable,
  wgslSource,
} from './webgpu.js';

/**
 * Float32 data on the device: a gpu.js texture, a typed array where gpu.js has no textures, or
 * on WebGPU a `Cell` that its queued job fills (see webgpu.ts).
 */
export type DevData = Texture | Float32Array | Cell;

/**
 * gpu.js computes thread ids and array indices in float32, so index arithmetic is exact only up
 * to 2^24 (measured: thread 16777217 reads as 16777216). No kernel output or input may exceed it.
 */
export const MAX_ELEMENTS = 2 ** 24;

/** gpu.js execution modes; `'auto'` lets gpu.js pick (never WebGPU: that is explicit opt-in). */
export type GpujsMode = 'auto' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu' | 'webgpu';

/** A GLSL function a kernel calls (gpu.js `nativeFunctions`): its name, source and types. */
export interface Native {
  name: string;
  source: string;
  returnType: string;
  /** Argument names to gpu.js types, in order (a texture passes as sampler, size and dim). */
  argumentTypes: Record<string, string>;
}

/** A kernel argument: device data, a small host array of metadata, or a number. */
export type KArg = DevData | Float32Array | number;

const isTexture = (d: unknown): d is Texture =>
  !isCell(d) && typeof d === 'object' && d !== null && typeof (d as Texture).toArray === 'function';

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const first = m.split('\n')[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 200)}…` : first;
}

export class Runtime {
  readonly gpu: GPU;
  /** The gpu.js kernel class that runs our kernels ('webasm', 'webgl2', …). */
  mode = 'unknown';
  private kernels = new Map<string, IKernelRunShortcut>();
  /** Kernels compiled so far (each cache miss compiles once, on its first call). */
  compiles = 0;
  /** Live device data objects (textures on WebGL), counted by us, freed by `release`. */
  private live = new Set<DevData>();
  private lost = false;
  private disposed = false;
  /** WebGPU only: the serial queue that fills every device result (null on synchronous modes). */
  readonly queue: JobQueue | null = null;

  constructor(
    readonly name: string,
    mode: GpujsMode,
  ) {
    if (mode === 'webgpu') {
      const why = webgpuUnavailable(name);
      if (why) throw why;
      this.queue = new JobQueue(name);
      this.mode = 'webgpu';
    }
    try {
      this.gpu = new GPU(mode === 'auto' ? {} : { mode: mode as never });
    } catch (e) {
      throw new BackendError(`${name}: gpu.js could not start in mode '${mode}': ${message(e)}`);
    }
    if (this.queue) {
      const g = this.gpu as unknown as { Kernel: unknown };
      g.Kernel = ieeeKernelClass(g.Kernel);
      this.queue.watch(wgContext());
    } else this.watchContext();
  }

  /** Whether kernels complete asynchronously (WebGPU): results are cells, reads must await. */
  get async(): boolean {
    return this.queue !== null;
  }

  /** WebGL kernels return silent zeros after a context loss: remember it and refuse to run. */
  private watchContext(): void {
    const canvas = (this.gpu as unknown as { canvas?: EventTarget }).canvas;
    if (canvas && typeof canvas.addEventListener === 'function')
      canvas.addEventListener('webglcontextlost', () => {
        this.lost = true;
      });
  }

  check(op: string): void {
    if (this.disposed) throw new BackendError(`${this.name}.${op}: the backend was disposed`);
    if (this.queue?.fatal) throw this.queue.fatal;
    if (this.lost)
      throw new BackendError(
        `${this.name}.${op}: the WebGL context was lost; every tensor on this device is gone ` +
          `(create a new backend and reload the data)`,
      );
  }

  /** Marks the context lost (the browser's `webglcontextlost`; tests call it directly). */
  markLost(): void {
    this.lost = true;
    if (this.queue)
      this.queue.fatal ??= new BackendError(
        `${this.name}: the WebGPU device was lost; every tensor on this device is gone ` +
          `(create a new backend and reload the data)`,
      );
  }

  private kernel(key: string, src: string, vec4 = false, native?: Native[]): IKernelRunShortcut {
    let k = this.kernels.get(key);
    if (k === undefined) {
      try {
        k = this.gpu.createKernel(this.queue ? wgslSource(src) : src, {
          // four floats per output: packed operands of the tiled matmul (WebGL only)
          ...(vec4 ? { returnType: 'Array(4)' } : {}),
          // GLSL helpers of this kernel alone (the tiled matmul's texelFetch loop, WebGL only)
          ...(native ? { nativeFunctions: native } : {}),
          dynamicOutput: true,
          dynamicArguments: true,
          pipeline: true,
          // without it a pipeline kernel recycles its output texture (gpu.js #590)
          immutable: true,
          output: [1],
          loopMaxIterations: MAX_ELEMENTS,
          tactic: 'precision',
        } as never);
      } catch (e) {
        throw new BackendError(`${this.name}: kernel '${key}' failed to compile: ${message(e)}`);
      }
      this.kernels.set(key, k);
      this.compiles++;
    }
    return k;
  }

  /**
   * Runs kernel `key` (source `src`, compiled once and cached by key — keys never contain sizes)
   * over `n` outputs and returns fresh device data.
   */
  run(
    key: string,
    src: string,
    n: number,
    args: readonly KArg[],
    vec4 = false,
    native?: Native[],
    /** A 2-D output [width, height] (its texture has exactly that size) instead of [n]. */
    grid?: readonly [number, number],
  ): DevData {
    this.check(key);
    if (n > MAX_ELEMENTS) throw limitError(this.name, key, n);
    if (n === 0) return this.track(new Float32Array(0));
    const k = this.kernel(key, src, vec4, native);
    if (this.queue) return this.track(this.runLater(k, key, n, args));
    let out: unknown;
    try {
      k.setOutput(grid ? [grid[0], grid[1]] : [n]);
      // gpu.js cannot take an empty array; an empty input is never read, so any stand-in works
      out = k(...(args.map((a) => (isEmpty(a) ? this.standIn() : a)) as never[]));
    } catch (e) {
      throw new BackendError(`${this.name}: kernel '${key}' failed on ${n} outputs: ${message(e)}`);
    }
    if (this.mode === 'unknown') this.mode = modeOf(k);
    if (out instanceof Promise)
      throw new BackendError(`${this.name}: kernel '${key}' returned a promise (async mode)`);
    if (!isTexture(out) && !(out instanceof Float32Array))
      throw new BackendError(`${this.name}: kernel '${key}' returned an unexpected value`);
    return this.track(out as DevData);
  }

  /**
   * WebGPU: a cell now, filled when the job runs. The arguments are bound now (cells are
   * placeholders; host arrays are never mutated after a kernel takes them), resolved then.
   */
  private runLater(k: IKernelRunShortcut, key: string, n: number, args: readonly KArg[]): Cell {
    const cell = new Cell(n);
    // an empty input is never read, but WebGPU cannot bind an empty buffer
    const bound = args.map((a) => (isEmpty(a) || (isCell(a) && a.size === 0) ? this.standIn() : a));
    const q = this.queue!;
    void q.enqueue(key, () => this.fill(cell, k, key, n, bound));
    return cell;
  }

  /** Runs kernel `k` now (inside a job) into `cell`; a failed input fails it with that error. */
  fill(cell: Cell, k: IKernelRunShortcut, key: string, n: number, args: readonly unknown[]) {
    const q = this.queue!;
    const vals = args.map((a) => {
      if (!isCell(a)) return a;
      if (a.error) throw (cell.error = a.error);
      if (!a.handle) throw (cell.error = q.error(key, 'an input buffer holds no device data'));
      return a.handle;
    });
    return fillCell(
      cell,
      key,
      () => {
        k.setOutput([n]);
        return k(...(vals as never[]));
      },
      q,
    );
  }

  /** WebGPU: an empty cell that a job will fill (counted live until released). */
  newCell(n: number): Cell {
    return this.track(new Cell(n)) as Cell;
  }

  /** WebGPU, inside a job: uploads host values into `cell` at once (not queued again). */
  uploadNow(cell: Cell, data: Float32Array): Promise<void> {
    if (data.length === 0) return Promise.resolve();
    return this.fill(cell, this.kernel('upload', UPLOAD_SRC), 'upload', data.length, [data]);
  }

  /** WebGPU: a cell filled with the values `make` computes when the job runs (after its inputs). */
  uploadLater(n: number, make: () => Float32Array | Promise<Float32Array>): Cell {
    this.check('upload');
    const cell = new Cell(n);
    this.track(cell);
    void this.queue!.enqueue('upload', async () => {
      try {
        await this.uploadNow(cell, await make());
      } catch (e) {
        cell.error ??= e instanceof BackendError ? e : this.queue!.error('upload', e);
        throw cell.error;
      }
    });
    return cell;
  }

  /** WebGPU: the values of `d` once the work queued before this call has run. */
  readLater(d: DevData, n: number): Promise<Float32Array> {
    const q = this.queue!;
    if (!isCell(d)) return Promise.resolve((d as Float32Array).slice(0, n));
    let copy: Promise<Float32Array> | null = null;
    // the copy is queued in order but the job does not wait for the map: later kernels go on
    return q
      .enqueue('read', () => {
        copy = readCell(d, n, q);
        copy.catch(() => undefined);
      })
      .then(() => copy ?? Promise.reject(q.fatal ?? q.error('read', 'the backend was disposed')));
  }

  /** WebGPU, inside a job: the values of settled device data (waits for the map). */
  readNowInJob(d: DevData, n: number): Promise<Float32Array> {
    if (!isCell(d)) return Promise.resolve((d as Float32Array).slice(0, n));
    return readCell(d, n, this.queue!);
  }

  /** Cells a kernel produced and nothing freed yet, plus frees waiting behind queued work. */
  get pending(): { jobs: number; frees: number } {
    return { jobs: this.queue?.pending ?? 0, frees: this.queue?.pendingFrees ?? 0 };
  }

  private dummy: DevData | null = null;

  private standIn(): DevData {
    this.dummy ??= this.run('upload', UPLOAD_SRC, 1, [new Float32Array(1)]);
    return this.dummy;
  }

  private track(d: DevData): DevData {
    this.live.add(d);
    return d;
  }

  /** Host copy of device data (`n` values). */
  download(d: DevData, n: number): Float32Array {
    this.check('read');
    if (n === 0) return new Float32Array(0);
    if (isCell(d))
      throw new BackendError(
        `${this.name}.readSync: WebGPU has no synchronous read-back; use \`await t.data()\``,
      );
    if (!isTexture(d)) return d.length === n ? d.slice() : d.slice(0, n);
    let a: unknown;
    try {
      a = d.toArray();
    } catch (e) {
      throw new BackendError(`${this.name}.read: reading a texture failed: ${message(e)}`);
    }
    if (!(a instanceof Float32Array) || a.length < n)
      throw new BackendError(`${this.name}.read: the texture did not hold ${n} values`);
    return a.length === n ? a : a.slice(0, n);
  }

  /** Device copy of host float32 data (through an identity kernel, so it is a texture on GL). */
  upload(data: Float32Array): DevData {
    return this.run('upload', UPLOAD_SRC, data.length, [data]);
  }

  release(d: DevData): void {
    if (!this.live.delete(d)) return;
    if (isTexture(d)) d.delete();
    if (isCell(d) && this.queue) {
      // queued after every job that reads it, so the buffer dies only when they are done
      const q = this.queue;
      q.pendingFrees++;
      void q.enqueue('free', () => {
        q.pendingFrees--;
        d.handle?.delete();
        d.handle = null;
      });
    }
  }

  /**
   * Device buffers alive, not counting the one-element stand-in for empty inputs; on WebGPU
   * also those freed by the caller whose free waits behind queued work.
   */
  get textures(): number {
    return this.live.size - (this.dummy ? 1 : 0) + (this.queue?.pendingFrees ?? 0);
  }

  get kernelCount(): number {
    return this.kernels.size;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const d of this.live) if (isTexture(d)) d.delete();
    if (this.queue) this.stopQueue();
    this.live.clear();
    this.kernels.clear();
    try {
      // gpu.js tears down on a later tick and rejects there if a lost context throws
      const done: unknown = this.gpu.destroy();
      if (done instanceof Promise) done.catch(() => undefined);
    } catch {
      // destroying a lost context can throw; everything is released either way
    }
    this.disposed = true;
  }

  /** WebGPU dispose: queued jobs are skipped, and every buffer made so far is freed now. */
  private stopQueue(): void {
    const q = this.queue!;
    q.stopped = true;
    q.fatal ??= new BackendError(`${this.name}: the backend was disposed`);
    for (const d of this.live) if (isCell(d)) d.handle?.delete();
  }
}

/** gpu.js's shared WebGPU device (its WebGPUContext), where the build exports it. */
function wgContext() {
  const ctx = (gpujs as unknown as { WebGPUContext?: { acquire?: () => Promise<never> } })
    .WebGPUContext;
  return typeof ctx?.acquire === 'function' ? () => ctx.acquire!() : undefined;
}

const isEmpty = (a: KArg): boolean => a instanceof Float32Array && a.length === 0;

const UPLOAD_SRC = `function(a) { return a[this.thread.x]; }`;

/** The kernel class gpu.js picked, by name (its static `mode` says only 'gpu' on WebGL). */
const MODE_OF_CLASS: Record<string, string> = {
  WebGL2Kernel: 'webgl2',
  WebGLKernel: 'webgl',
  HeadlessGLKernel: 'headlessgl',
  WebAssemblyKernel: 'webasm',
  CPUKernel: 'cpu',
  WebGPUKernel: 'webgpu',
};

function modeOf(k: IKernelRunShortcut): string {
  const inner = (k as unknown as { kernel?: { constructor?: { name?: string; mode?: string } } })
    .kernel;
  const cls = inner?.constructor;
  return MODE_OF_CLASS[cls?.name ?? ''] ?? cls?.mode ?? 'unknown';
}

export function limitError(name: string, op: string, n: number): BackendError {
  return new BackendError(
    `${name}.${op}: ${n} elements exceed the gpujs limit of 2^24 = ${MAX_ELEMENTS} elements per ` +
      `tensor (gpu.js computes indices in float32, exact only below 2^24); split the tensor or ` +
      `use another device`,
  );
}
