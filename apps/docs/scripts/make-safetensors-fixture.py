#!/usr/bin/env python3
"""Write the docs site's safetensors fixtures with the REFERENCE Python `safetensors` library.

The "Open a model" page (docs/guide/open-a-model.md) and its browser test read files that Flint
did not write, so a reader of Flint's own format cannot hide a writer's mistake:

  fixtures/reference-cnn.safetensors     the examples' CNN state dict (apps/examples/fixtures/
                                         cnn.safetensors, trained by PyTorch), read and written
                                         again by safetensors.numpy, with metadata
  fixtures/reference-dtypes.safetensors  one tensor per dtype numpy and Flint share (F64 F32 F16
                                         I32 BOOL), a scalar and an empty tensor
  fixtures/reference-dtypes.json         numpy's statistics of each tensor of that file (min, max,
                                         mean, std with ddof=1 as torch.std), which the test
                                         compares with the page's table

Tests never run Python; rerun this after changing it and commit the outputs. The wheel is on
disk here (no network):

  python3 -m venv /tmp/stvenv && /tmp/stvenv/bin/pip install --no-index \
      --find-links /opt/pypi/files safetensors numpy
  /tmp/stvenv/bin/python apps/docs/scripts/make-safetensors-fixture.py
"""
import json
import os

import numpy as np
import safetensors
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures')
CNN = os.path.join(HERE, '..', '..', 'examples', 'fixtures', 'cnn.safetensors')


def dtype_tensors():
    rng = np.random.default_rng(0)
    return {
        'f64.matrix': rng.standard_normal((3, 4)).astype(np.float64),
        'f32.weight': (rng.standard_normal((2, 3, 5)) * 0.5 + 1.0).astype(np.float32),
        'f16.half': np.array([[0.5, -1.25, 3.0], [65504.0, -0.0, 0.099975586]], dtype=np.float16),
        'i32.counts': np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
        'bool.mask': np.array([True, False, True, True, False]),
        'scalar': np.array(2.5, dtype=np.float32),
        'empty': np.zeros((0, 3), dtype=np.float32),
    }


def stats(a):
    d = a.astype(np.float64)
    if d.size == 0:
        return {'min': None, 'max': None, 'mean': None, 'std': None}
    return {
        'min': float(d.min()),
        'max': float(d.max()),
        'mean': float(d.mean()),
        'std': float(d.std(ddof=1)) if d.size > 1 else None,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {'writer': f'safetensors {safetensors.__version__} (Python), numpy {np.__version__}'}
    cnn = load_file(CNN)
    save_file(cnn, os.path.join(OUT, 'reference-cnn.safetensors'), metadata={**meta, 'model': 'apps/examples cnn()'})
    tensors = dtype_tensors()
    save_file(tensors, os.path.join(OUT, 'reference-dtypes.safetensors'), metadata=meta)
    expected = {
        name: {'dtype': str(a.dtype), 'shape': list(a.shape), 'bytes': int(a.nbytes), **stats(a)}
        for name, a in tensors.items()
    }
    with open(os.path.join(OUT, 'reference-dtypes.json'), 'w') as f:
        json.dump({'metadata': meta, 'tensors': expected}, f, indent=2, sort_keys=True)
        f.write('\n')
    # Read back with the reference reader: the files are what the library writes and reads.
    assert set(load_file(os.path.join(OUT, 'reference-dtypes.safetensors'))) == set(tensors)
    print(f'wrote {OUT}: reference-cnn.safetensors ({len(cnn)} tensors), reference-dtypes.*')


if __name__ == '__main__':
    main()
