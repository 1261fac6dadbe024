#!/usr/bin/python3
"""Writes the golden fixtures of @flint/conformance from PyTorch (run with Debian's python3).

    FLINT_FIXTURES=1 bash scripts/bootstrap.sh   # installs python3-torch python3-numpy
    /usr/bin/python3 scripts/gen-fixtures.py     # rewrites packages/conformance/fixtures/*.json
    /usr/bin/python3 scripts/gen-fixtures.py special errors   # only these families

Regenerate only the families you changed: matmul results differ in the last bit between machines
(BLAS blocking and threads), and an unrelated family should not churn.

Tests never run this; they read the committed JSON. Case ids are stable: each case draws its inputs
from a generator seeded by its own name, so adding a case never changes another.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'fixtures'))
sys.dont_write_bytecode = True  # keep scripts/fixtures free of __pycache__

import torch  # noqa: E402

import activations  # noqa: E402
import edge  # noqa: E402
import indexing  # noqa: E402
import layers  # noqa: E402
import elementwise  # noqa: E402
import misc  # noqa: E402
import random_math  # noqa: E402
import nn_edge  # noqa: E402
import reduce  # noqa: E402
import shape  # noqa: E402
import sorting  # noqa: E402
import special  # noqa: E402

OUT = os.path.join(HERE, '..', 'packages', 'conformance', 'fixtures')


def main():
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    builders = {'elementwise': elementwise.build, 'reduce': reduce.build, 'shape': shape.build,
                'linalg': misc.linalg, 'creation': misc.creation, 'errors': misc.errors, 'special': special.build,
                'edge': edge.build, 'nn-edge': nn_edge.build,
                'activations': activations.build, 'random-math': random_math.build,
                'indexing': indexing.build, 'layers': layers.build, 'sort': sorting.build}
    only = sys.argv[1:]
    unknown = [n for n in only if n not in builders]
    if unknown:
        sys.exit(f'unknown families {unknown}; choose from {sorted(builders)}')
    total = 0
    for name, build in builders.items():
        if only and name not in only:
            continue
        fam = build()
        path = os.path.join(OUT, f'{fam.name}.json')
        with open(path, 'w') as f:
            json.dump(fam.doc(), f, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        size = os.path.getsize(path)
        total += size
        print(f'{fam.name}: {len(fam.cases)} cases, {size / 1024:.0f} KiB')
    print(f'total {total / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
