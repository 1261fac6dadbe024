/**
 * sin and cos in float32 shader arithmetic, accurate over the whole float32 range. SwiftShader's
 * builtins are off by ~2e-5 already at |x| ≈ 1 and return 1 for |x| ≳ 1e5 (sin(1e30) = 1), so the
 * argument is reduced here: by Cody–Waite (π/2 in three float32 parts) up to 2^15, and beyond by
 * a Payne–Hanek reduction built only from exact float32 operations (products of 12-bit integers,
 * floors, and differences of numbers that share their bits), so neither WebGL's nor WGSL's
 * float rules (no guaranteed rounding, contraction to fma) can change the reduced angle.
 */

/**
 * 1/(2π) in 12-bit chunks: chunk j is floor(frac(2^(12j) / (2π)) · 4096) (mpmath, 400 bits).
 * |x| < 2^128 needs chunks up to 2^-192.
 */
const INV_2PI_CHUNKS = [
  651, 3680, 3513, 913, 84, 2687, 157, 1524, 2004, 3383, 1795, 1752, 2646, 1615, 270, 1040,
];

/**
 * `w0 … w7` = chunks a … a+7 (0 before the binary point), by the window start a ∈ [−2, 8]:
 * shaders cannot index a constant array by a computed value, so one branch per window.
 */
function windowSelect(): string {
  const lines: string[] = [];
  for (let a = -2; a <= 8; a++) {
    const set = Array.from({ length: 8 }, (_, i) => {
      const j = a + i;
      return `w${i} = ${j >= 0 && j < INV_2PI_CHUNKS.length ? INV_2PI_CHUNKS[j]! : 0};`;
    });
    lines.push(`if (a === ${a}) { ${set.join(' ')} }`);
  }
  return lines.join('\n  ');
}

/**
 * The Payne–Hanek part, for 2^15 < |v| < 2^128: leaves `k` (quarter turns, an integer) and `r`
 * (the remainder in radians, |r| ≤ π/4) for |v|.
 *
 * |v|/(2π) mod 1 = frac(M · 2^(12a) · Σ c_j 2^(−12(j+1))) with M = |v|·2^(−12a) an integer
 * below 2^48 (a from log2|v|; its error of a few units is absorbed by the 48-bit room), cut into
 * four 12-bit digits m1…m4. Each product m_p·c_j is an exact 24-bit integer; products worth a
 * whole number of turns are never formed, the bits down to 2^-20 turn are summed exactly and
 * the rest in float32 (error ~2^-33 turns; terms below 2^-48 are left out, < 2^-36 turns).
 */
function payneHanek(): string {
  const terms: string[] = [];
  for (let p = 1; p <= 4; p++) {
    for (let s = -1; s >= -4; s--) {
      const t = `t = m${p} * w${3 - p - s} * ${2 ** (12 * s)};`;
      // 2^-12 terms: whole turns dropped, the fraction (a multiple of 2^-12) summed exactly;
      // 2^-24 terms: split at 2^-20; smaller ones only need float accuracy
      if (s === -1) terms.push(`${t} hi = hi + (t - Math.floor(t));`);
      else if (s === -2)
        terms.push(
          `${t} th = Math.floor(t * 1048576) * 9.5367431640625e-7; hi = hi + th; lo = lo + (t - th);`,
        );
      else terms.push(`${t} lo = lo + t;`);
    }
  }
  return `
  const ax = Math.abs(v);
  const a = Math.max(-2, Math.min(8, Math.floor((Math.log2(ax) - 29) / 12)));
  let w0 = 0; let w1 = 0; let w2 = 0; let w3 = 0; let w4 = 0; let w5 = 0; let w6 = 0; let w7 = 0;
  ${windowSelect()}
  let M = ax;
  if (a < 0) { M = M * 4096; }
  if (a < -1) { M = M * 4096; }
  if (a > 0) { M = M * 0.000244140625; }
  if (a > 1) { M = M * 0.000244140625; }
  if (a > 2) { M = M * 0.000244140625; }
  if (a > 3) { M = M * 0.000244140625; }
  if (a > 4) { M = M * 0.000244140625; }
  if (a > 5) { M = M * 0.000244140625; }
  if (a > 6) { M = M * 0.000244140625; }
  if (a > 7) { M = M * 0.000244140625; }
  const m1 = Math.floor(M * 1.4551915228366852e-11);
  let rem = M - m1 * 68719476736;
  const m2 = Math.floor(rem * 5.960464477539063e-8);
  rem = rem - m2 * 16777216;
  const m3 = Math.floor(rem * 0.000244140625);
  const m4 = rem - m3 * 4096;
  let hi = 0; let lo = 0; let t = 0; let th = 0;
  ${terms.join('\n  ')}
  hi = hi - Math.floor(hi);
  const y = 4 * hi;
  k = Math.floor(y + 0.5);
  r = ((y - k) + 4 * lo) * 1.5707963267948966;
  if (v < 0) { k = -k; r = -r; }`;
}

/**
 * The kernel body for sin (`cos` false) or cos of `v` (NaN already returned by the caller):
 * reduce to k·π/2 + r, then minimax polynomials on [−π/4, π/4] picked by k mod 4.
 */
export const TRIG = (cos: boolean, fltMax: string): string => `
  if (!(Math.abs(v) <= ${fltMax})) { return nan; }
  let k = 0;
  let r = 0;
  if (Math.abs(v) > 32768) {${payneHanek()}
  } else {
    k = Math.floor(v * 0.6366197723675814 + 0.5);
    r = ((v - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549789948768648e-8;
  }
  const r2 = r * r;
  const s = r + r * r2 * (-0.16666666641626524 + r2 * (0.008333329385889463 + r2 * (-0.00019839334836096632 + r2 * 2.718311493989822e-6)));
  const c = 1 - 0.5 * r2 + r2 * r2 * (0.041666666666666664 + r2 * (-0.001388888888887411 + r2 * (2.4801587289476729e-5 + r2 * -2.7557314351390663e-7)));
  const q = k - 4 * Math.floor(k / 4) + ${cos ? 1 : 0};
  let out = 0;
  if (q === 0 || q === 4) { out = s; }
  if (q === 1) { out = c; }
  if (q === 2) { out = -s; }
  if (q === 3) { out = -c; }
  if (out === 0 && ${cos ? 'false' : 'true'}) { return v; }
  return out;`;
