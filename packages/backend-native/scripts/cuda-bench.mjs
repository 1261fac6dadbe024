// GEMM rows of test:cuda (scripts/test-cuda.mjs): fp32 matmul 4096² and 8192² on 'cuda' (TF32
// off), timed after a warm-up with the stream synchronised, median and best of 10. The issue's
// target is ≥ 0.95× PyTorch's throughput on the same GPU (PyTorch ~51 TFLOP/s on an H200).
import * as fl from '@flint/core';
import { cudaBackend } from '../dist/index.js';

export async function gemmTimings() {
  const b = cudaBackend();
  fl.use(b);
  for (const n of [4096, 8192]) {
    const x = fl.randn([n, n]);
    const y = fl.randn([n, n]);
    fl.tidy(() => x.matmul(y));
    await b.sync();
    const times = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      fl.tidy(() => x.matmul(y));
      await b.sync();
      times.push(performance.now() - t0);
    }
    times.sort((p, q) => p - q);
    const tflops = (ms) => ((2 * n ** 3) / (ms * 1e-3) / 1e12).toFixed(1);
    console.log(
      `bench gemm fp32 ${n}x${n}: median ${times[5].toFixed(2)} ms (${tflops(times[5])} TFLOP/s), ` +
        `best ${times[0].toFixed(2)} ms (${tflops(times[0])} TFLOP/s)`,
    );
    x.dispose();
    y.dispose();
  }
  b.dispose();
}
