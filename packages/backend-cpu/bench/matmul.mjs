// Matmul throughput of the built package: `pnpm build`, then `node bench/matmul.mjs [sizes…]`.
// Reports the best wall-clock time and the best CPU time (user + system) of several runs; on
// a busy machine the CPU-time figure is the one that reflects the kernel.
import { cpuBackend } from '../dist/index.js';

const cpu = cpuBackend();
const sizes = process.argv.slice(2).map(Number);

function upload(n) {
  const buf = cpu.alloc('float32', n * n);
  cpu.write(
    buf,
    Float32Array.from({ length: n * n }, () => Math.random() - 0.5),
  );
  return { buf, dtype: 'float32', shape: [1, n, n], strides: [0, n, 1], offset: 0 };
}

for (const n of sizes.length > 0 ? sizes : [256, 512, 1024]) {
  const [a, b] = [upload(n), upload(n)];
  const reps = Math.max(5, Math.round(4e9 / (2 * n ** 3)));
  cpu.free(cpu.kernels.matmul(a, b)); // warm-up: JIT and scratch buffers
  let wall = Infinity;
  let cpuTime = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const u = process.cpuUsage();
    const c = cpu.kernels.matmul(a, b);
    const used = process.cpuUsage(u);
    wall = Math.min(wall, performance.now() - t);
    cpuTime = Math.min(cpuTime, (used.user + used.system) / 1000);
    cpu.free(c);
  }
  const gflops = (ms) => ((2 * n ** 3) / (ms * 1e6)).toFixed(2);
  console.log(
    `matmul float32 ${n}x${n}x${n}: wall ${wall.toFixed(1)} ms (${gflops(wall)} GFLOP/s), ` +
      `cpu ${cpuTime.toFixed(1)} ms (${gflops(cpuTime)} GFLOP/s)`,
  );
  cpu.free(a.buf);
  cpu.free(b.buf);
}
