/** Every backend and peer the bench knows. A new one is one adapter file and one line here. */
import { cpuBackend } from '@flint/backend-cpu';
import type { Adapter } from '../harness/types.js';
import { flintAdapter } from './flint.js';
import { nativeAdapter } from './native.js';
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
    nativeAdapter(1, { id: 'flint-native' }),
    // Compared with the 2-thread peers only; an extra row beside the single-threaded ones.
    nativeAdapter(2, { id: 'flint-native-2t', extra: true }),
    tfjsAdapter('cpu'),
    tfjsAdapter('wasm'),
    onnxAdapter(),
    pythonAdapter({ id: 'torch-1t', label: 'PyTorch CPU, 1 thread', lib: 'torch', threads: 1 }),
    // Shown for scale and for flint-native-2t's targets; never the "best peer" (stats.ts).
    pythonAdapter({
      id: 'torch-2t',
      label: 'PyTorch CPU, 2 threads',
      lib: 'torch',
      threads: 2,
      extra: true,
    }),
    pythonAdapter({ id: 'numpy', label: 'NumPy, 1 thread', lib: 'numpy', threads: 1 }),
    // OpenBLAS called directly at 2 threads: what flint-native-2t's matmul is held to.
    pythonAdapter({
      id: 'numpy-2t',
      label: 'NumPy, 2 threads',
      lib: 'numpy',
      threads: 2,
      extra: true,
    }),
  ];
}
