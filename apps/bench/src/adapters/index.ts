/** Every backend and peer the bench knows. A new one is one adapter file and one line here. */
import { cpuBackend } from '@flint/backend-cpu';
import type { Adapter } from '../harness/types.js';
import { flintAdapter } from './flint.js';
import { onnxAdapter } from './onnx.js';
import { tfjsAdapter } from './tfjs.js';
import { pythonAdapter } from './torch.js';

export function allAdapters(): Adapter[] {
  return [
    flintAdapter({
      id: 'flint-cpu',
      label: 'Flint CPU (TypeScript)',
      create: (name) => cpuBackend({ name }),
    }),
    tfjsAdapter('cpu'),
    tfjsAdapter('wasm'),
    onnxAdapter(),
    pythonAdapter({ id: 'torch-1t', label: 'PyTorch CPU, 1 thread', lib: 'torch', threads: 1 }),
    // Shown for scale only: the JS backends are single-threaded, so it is never the "best peer".
    pythonAdapter({
      id: 'torch-2t',
      label: 'PyTorch CPU, 2 threads',
      lib: 'torch',
      threads: 2,
      extra: true,
    }),
    pythonAdapter({ id: 'numpy', label: 'NumPy, 1 thread', lib: 'numpy', threads: 1 }),
  ];
}
