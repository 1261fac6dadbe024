/**
 * The override hooks. A backend that offers `overrides.conv2d` gets it called (also under
 * autograd, with conv2d's closed-form gradient), and must agree with the composite; the fused
 * kernel here is a naive loop nest over the strided views. Then the CPU backend's own overrides
 * (conv2dBackward, maxPool2d, layerNorm, gelu, crossEntropy, sgdStep) in a small training step,
 * against the decomposition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import type { KView, TypedArray } from '@flint/core/backend';
import { nn } from '@flint/core';

const plain = cpuBackend({ name: 'cpu-nn-plain' });
const base = cpuBackend({ name: 'cpu-nn-fused' });
let calls = 0;

const at = (v: KView<TypedArray>, idx: readonly number[]) =>
  v.buf[v.offset + idx.reduce((s, i, d) => s + i * v.strides[d]!, 0)]!;

function naiveConv2d(
  x: KView<TypedArray>,
  w: KView<TypedArray>,
  b: KView<TypedArray> | null,
  p: nn.F.Conv2dParams,
): TypedArray {
  calls++;
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const [t, , l] = p.padding;
  const oh =
    Math.floor((h + p.padding[0] + p.padding[1] - p.dilation[0] * (kh - 1) - 1) / p.stride[0]) + 1;
  const ow =
    Math.floor((wd + p.padding[2] + p.padding[3] - p.dilation[1] * (kw - 1) - 1) / p.stride[1]) + 1;
  const out = base.alloc(x.dtype, n * o * oh * ow) as TypedArray;
  let q = 0;
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < o; oi++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let acc = b ? at(b, [oi]) : 0;
          const g = Math.floor(oi / (o / p.groups));
          for (let ci = 0; ci < cg; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const r = y * p.stride[0] + i * p.dilation[0] - t;
                const s = z * p.stride[1] + j * p.dilation[1] - l;
                if (r >= 0 && r < h && s >= 0 && s < wd)
                  acc += at(x, [ni, g * cg + ci, r, s]) * at(w, [oi, ci, i, j]);
              }
          out[q++] = acc;
        }
  return out;
}

const fused = { ...base, overrides: { ...base.overrides, conv2d: naiveConv2d } };
beforeAll(() => {
  fl.use(plain);
  fl.register(fused);
});
afterAll(() => {
  fl.removeBackend(plain.name);
  fl.removeBackend(fused.name);
});

describe('conv2d backend override', () => {
  it.each([
    ['basic', [2, 3, 6, 6], [4, 3, 3, 3], {}],
    [
      'strided, padded, dilated',
      [1, 2, 9, 8],
      [3, 2, 3, 2],
      { stride: [2, 1], padding: [1, 2], dilation: [1, 2] },
    ],
    ['grouped, same (asymmetric)', [2, 4, 5, 5], [6, 2, 4, 4], { groups: 2, padding: 'same' }],
  ] as const)(
    '%s: fused result and closed-form gradients match the composite',
    (_name, xs, ws, opts) => {
      fl.manualSeed(5);
      const run = (device: string) =>
        fl.tidy(() => {
          fl.manualSeed(5);
          const x = fl.randn(xs as unknown as number[], {
            dtype: 'float64',
            device,
            requiresGrad: true,
          });
          const w = fl.randn(ws as unknown as number[], {
            dtype: 'float64',
            device,
            requiresGrad: true,
          });
          const b = fl.randn([ws[0]], { dtype: 'float64', device, requiresGrad: true });
          const y = nn.F.conv2d(x, w, b, opts as nn.F.ConvOptions);
          y.mul(y).sum().backward();
          return [y, x.grad!, w.grad!, b.grad!].map((t) =>
            Array.from(t.dataSync() as Float64Array),
          );
        });
      const before = calls;
      const got = run(fused.name);
      expect(calls).toBe(before + 1);
      const want = run(plain.name);
      got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 10)));
    },
  );

  it('conv1d and Conv2d layers route through the override too; the memory stays flat', () => {
    const before = calls;
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1, device: fused.name });
    const mem = fl.memory();
    fl.tidy(() => {
      conv
        .forward(fl.randn([1, 2, 4, 4], { device: fused.name }))
        .sum()
        .backward();
      nn.F.conv1d(
        fl.randn([1, 2, 5], { device: fused.name }),
        fl.randn([3, 2, 3], { device: fused.name }),
      );
    });
    conv.zeroGrad();
    expect(fl.memory()).toEqual(mem);
    expect(calls).toBe(before + 2);
    for (const t of conv.parameters()) t.dispose();
  });
});

describe('the CPU backend overrides in a training step', () => {
  const run = () =>
    fl.tidy(() => {
      fl.manualSeed(3);
      const opts = { dtype: 'float64' as const, device: plain.name };
      const conv = new nn.Conv2d(2, 4, 3, { padding: 1, ...opts });
      const norm = new nn.LayerNorm([4, 4, 4], opts);
      const head = new nn.Linear(64, 5, opts);
      const params = [...conv.parameters(), ...norm.parameters(), ...head.parameters()];
      const opt = new fl.optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
      const x = fl.randn([6, 2, 7, 7], opts);
      const target = fl.tensor([0, 4, -100, 2, 1, 3], { dtype: 'int32', device: plain.name });
      const losses: number[] = [];
      for (let step = 0; step < 3; step++)
        fl.tidy(() => {
          const h = nn.F.maxPool2d(conv.forward(x), 2, { ceilMode: true });
          const logits = head.forward(nn.F.gelu(norm.forward(h), 'tanh').flatten(1));
          const loss = nn.F.crossEntropy(logits, target);
          loss.backward();
          opt.step();
          opt.zeroGrad();
          losses.push(loss.item());
        });
      const out = [...losses, ...params.flatMap((p) => Array.from(p.dataSync() as Float64Array))];
      opt.dispose();
      for (const p of params) p.dispose();
      return out;
    });

  it('gives the decomposition results and leaves fl.memory() where it was', () => {
    const mem = fl.memory();
    const fused = run();
    expect(fl.memory()).toEqual(mem);
    const composite = fl.decomposed.run(run);
    expect(fl.memory()).toEqual(mem);
    fused.forEach((v, i) => expect(v).toBeCloseTo(composite[i]!, 10));
  });

  it('maxPool2d returns torch-style plane indices, batched or not, fused or composite', () => {
    fl.tidy(() => {
      const x = fl.tensor(
        [
          [
            [1, 5, 2],
            [7, 3, 7],
            [0, 9, 4],
          ],
        ],
        { device: plain.name },
      );
      const pool = () => nn.F.maxPool2d(x, 2, { stride: 1, returnIndices: true });
      for (const [values, indices] of [pool(), fl.decomposed.run(pool)].map((r) =>
        r.map((t) => t.toArray()),
      )) {
        expect(values).toEqual([
          [
            [7, 7],
            [9, 9],
          ],
        ]);
        expect(indices).toEqual([
          [
            [3, 5],
            [7, 7],
          ],
        ]);
      }
    });
  });
});
