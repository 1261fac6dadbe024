#!/usr/bin/python3
"""Writes the differential-testing corpus of @flint/conformance: random programs with PyTorch's answers.

    /usr/bin/python3 scripts/gen-diff-corpus.py                   # rewrites packages/conformance/fixtures/diff/
    /usr/bin/python3 scripts/gen-diff-corpus.py --count 30000 --out /tmp/big   # a larger local run

Each program is 1–3 ops from the public op surface (elementwise, activations, reductions, softmax
family, views, joining, indexing, matmul family, losses, nn functions) on inputs of rank 0–4 —
empty and size-1 dims, broadcasting pairs, transposed/sliced/expanded views, float32/float64/
int32/bool, special values in a quarter of them — with torch 1.13's result or error class, the
gradient of a random-weighted sum for float programs and, for about a third of those, a
Hessian–vector product. Program i draws everything from a generator seeded by (seed, i), so the
corpus is deterministic; ids are `diff/<i>/<op>.<op>…`. Ops are called through the fixture tables
(scripts/fixtures/torch_ops.py here, packages/conformance/src/l1/invoke.ts in the suite).
"""
import argparse
import collections
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'fixtures'))
sys.dont_write_bytecode = True  # keep scripts/fixtures free of __pycache__

import torch  # noqa: E402

from diff_args import Rand  # noqa: E402
from diff_gen import Builder, catalog  # noqa: E402
from diff_record import record  # noqa: E402

OUT = os.path.join(HERE, '..', 'packages', 'conformance', 'fixtures', 'diff')
PER_FILE = 1000


def generate(seed, count, max_bytes):
    ops = catalog()
    programs, size, dropped = [], 0, collections.Counter()
    index = 0
    while (count is None or len(programs) < count) and (max_bytes is None or size < max_bytes):
        prog = None
        for attempt in range(20):
            r = Rand([seed, index, attempt])
            b = Builder(r, ops)
            if not b.build():
                continue
            prog = record(b, r, index)
            if not isinstance(prog, str):
                break
            dropped[prog] += 1
            prog = None
        if prog is not None:
            programs.append(prog)
            size += len(json.dumps(prog, separators=(',', ':'), allow_nan=False)) + 1
        index += 1
    return programs, dropped


def write(programs, out, seed):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith('corpus-') and f.endswith('.json'):
            os.remove(os.path.join(out, f))
    for k in range(0, len(programs), PER_FILE):
        doc = {'corpus': 'diff', 'generator': 'scripts/gen-diff-corpus.py', 'torch': torch.__version__,
               'seed': seed, 'programs': programs[k:k + PER_FILE]}
        path = os.path.join(out, f'corpus-{k // PER_FILE:03d}.json')
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(doc, f, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        os.replace(tmp, path)


def stats(programs, dropped):
    ops, errors = collections.Counter(), collections.Counter()
    grads = hvps = 0
    for p in programs:
        for s in p['steps']:
            ops[s['op']] += 1
        if 'error' in p['expected']:
            errors[p['expected']['error']] += 1
        grads += 'grads' in p
        hvps += 'hvp' in p
    print(f'{len(programs)} programs: {sum(errors.values())} torch errors {dict(errors)}, '
          f'{grads} with gradients, {hvps} with second derivatives; {len(ops)} op kinds')
    print(f'redrawn: {sum(dropped.values())} {dict(dropped)}')
    print('least used ops:', ', '.join(f'{k} {v}' for k, v in sorted(ops.items(), key=lambda kv: kv[1])[:12]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=15)
    ap.add_argument('--count', type=int, help='number of programs (default: as many as fit --max-mb)')
    ap.add_argument('--max-mb', type=float, default=3.0)
    ap.add_argument('--out', default=OUT)
    a = ap.parse_args()
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)  # reductions then sum in one fixed order
    torch.manual_seed(0)
    max_bytes = None if a.count else int(a.max_mb * 1024 * 1024)
    programs, dropped = generate(a.seed, a.count, max_bytes)
    write(programs, a.out, a.seed)
    stats(programs, dropped)
    total = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out) if f.startswith('corpus-'))
    print(f'wrote {os.path.normpath(a.out)}: {total / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
