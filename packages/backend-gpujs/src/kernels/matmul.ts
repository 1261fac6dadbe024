/**
 * Batched matmul on the device: a [B,m,k] · b [B,k,n], both contiguous at an offset. Each thread
 * computes one output with four independent partial sums, which shortens the dependency chain
 * (and halves the float32 rounding growth) compared with one running sum. The two loops use
 * different index names: gpu.js's GLSL output redeclares a reused loop variable (`user_t`).
 */
export const MATMUL_SRC = `function(a, ao, b, bo, m, k, n) {
  const i = this.thread.x;
  const c = i % n;
  const rb = Math.floor(i / n);
  const r = rb % m;
  const bb = Math.floor(rb / m);
  const ab = ao + (bb * m + r) * k;
  const bbase = bo + bb * k * n + c;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const k4 = k - (k % 4);
  for (let t = 0; t < k4; t += 4) {
    s0 += a[ab + t] * b[bbase + t * n];
    s1 += a[ab + t + 1] * b[bbase + (t + 1) * n];
    s2 += a[ab + t + 2] * b[bbase + (t + 2) * n];
    s3 += a[ab + t + 3] * b[bbase + (t + 3) * n];
  }
  for (let u = k4; u < k; u++) {
    s0 += a[ab + u] * b[bbase + u * n];
  }
  return (s0 + s1) + (s2 + s3);
}`;
