/**
 * Flint in the page, loaded on first use: the browser entry of @flint/core and the CPU backend
 * are split into their own chunks, so a page that never runs anything never downloads them (and
 * server-side rendering never evaluates them). The gpu.js backend is loaded only when a reader
 * picks it. Every live component of the site shares these instances: core keeps one device table
 * per page, and registering a second CPU backend under the same name would be refused.
 */
export type Flint = typeof import('@flint/core');
export type DeviceChoice = 'cpu' | 'gpujs';

interface Loaded {
  fl: Flint;
  cpu: typeof import('@flint/backend-cpu');
  /** The CPU backend instance every snippet's `cpuBackend()` returns. */
  cpuInstance: ReturnType<typeof import('@flint/backend-cpu').cpuBackend>;
}

let core: Promise<Loaded> | null = null;
let gpujs: Promise<typeof import('@flint/backend-gpujs')> | null = null;

/** Core and the CPU backend, registered once; the CPU is the default device. */
export function loadFlint(): Promise<Loaded> {
  core ??= (async () => {
    const [fl, cpu] = await Promise.all([import('@flint/core'), import('@flint/backend-cpu')]);
    const cpuInstance = cpu.cpuBackend();
    fl.use(cpuInstance);
    return { fl, cpu, cpuInstance };
  })();
  // A failed load (network, a bundling error) may succeed on the next click.
  core.catch(() => (core = null));
  return core;
}

/**
 * Make `choice` the default device, registering gpu.js (WebGL2) the first time it is picked.
 * Returns the modules a snippet's imports resolve to.
 */
export async function useDevice(choice: DeviceChoice): Promise<Record<string, unknown>> {
  const { fl, cpu, cpuInstance } = await loadFlint();
  const modules: Record<string, unknown> = {
    '@flint/core': fl,
    // `fl.use(cpuBackend())` in a snippet re-uses the page's instance (a second one is refused).
    '@flint/backend-cpu': { ...cpu, cpuBackend: () => cpuInstance },
  };
  if (choice === 'gpujs') {
    gpujs ??= import('@flint/backend-gpujs');
    gpujs.catch(() => (gpujs = null));
    const g = await gpujs;
    if (!fl.listDevices().includes('gpujs')) fl.register(g.gpujsBackend({ mode: 'webgl2' }));
    modules['@flint/backend-gpujs'] = g;
  }
  fl.setDefaultDevice(choice);
  return modules;
}
