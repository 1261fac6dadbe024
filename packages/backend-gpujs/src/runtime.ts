/**
 * The gpu.js side of the backend: one `GPU` instance, the kernel cache and the device data it
 * produces. Device data is what a gpu.js pipeline kernel returns — a `Texture` on WebGL, a
 * Float32Array on the webasm and cpu modes — and always holds float32 values (bool as 0/1).
 */
import { GPU } from 'gpu.js';
import type { IKernelRunShortcut, Texture } from 'gpu.js';
import { BackendError } from '@flint/core/backend';

/** Float32 data on the device: a gpu.js texture, or a typed array where gpu.js has no textures. */
export type DevData = Texture | Float32Array;

/**
 * gpu.js computes thread ids and array indices in float32, so index arithmetic is exact only up
 * to 2^24 (measured: thread 16777217 reads as 16777216). No kernel output or input may exceed it.
 */
export const MAX_ELEMENTS = 2 ** 24;

/** gpu.js execution modes; `'auto'` lets gpu.js pick (`'webgpu'` is not supported yet). */
export type GpujsMode = 'auto' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu' | 'webgpu';

/** A kernel argument: device data, a small host array of metadata, or a number. */
export type KArg = DevData | Float32Array | number;

const isTexture = (d: unknown): d is Texture =>
  typeof d === 'object' && d !== null && typeof (d as Texture).toArray === 'function';

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

  constructor(
    readonly name: string,
    mode: GpujsMode,
  ) {
    try {
      this.gpu = new GPU(mode === 'auto' ? {} : { mode: mode as never });
    } catch (e) {
      throw new BackendError(`${name}: gpu.js could not start in mode '${mode}': ${message(e)}`);
    }
    this.watchContext();
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
    if (this.lost)
      throw new BackendError(
        `${this.name}.${op}: the WebGL context was lost; every tensor on this device is gone ` +
          `(create a new backend and reload the data)`,
      );
  }

  /** Marks the context lost (the browser's `webglcontextlost`; tests call it directly). */
  markLost(): void {
    this.lost = true;
  }

  private kernel(key: string, src: string): IKernelRunShortcut {
    let k = this.kernels.get(key);
    if (k === undefined) {
      try {
        k = this.gpu.createKernel(src, {
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
  run(key: string, src: string, n: number, args: readonly KArg[]): DevData {
    this.check(key);
    if (n > MAX_ELEMENTS) throw limitError(this.name, key, n);
    if (n === 0) return this.track(new Float32Array(0));
    const k = this.kernel(key, src);
    let out: unknown;
    try {
      k.setOutput([n]);
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
  }

  /** Live device data, not counting the one-element stand-in for empty inputs. */
  get textures(): number {
    return this.live.size - (this.dummy ? 1 : 0);
  }

  get kernelCount(): number {
    return this.kernels.size;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const d of this.live) if (isTexture(d)) d.delete();
    this.live.clear();
    this.kernels.clear();
    try {
      this.gpu.destroy();
    } catch {
      // destroying a lost context can throw; everything is released either way
    }
    this.disposed = true;
  }
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
