#!/usr/bin/python3
"""Writes the safetensors fixtures of @flint/core's io tests (run with Debian's python3 + numpy).

    /usr/bin/python3 scripts/gen-safetensors-fixtures.py
    # rewrites packages/core/test/fixtures/*.safetensors and their golden *.json

Debian has no python3-safetensors, so this script writes the format itself, following the
reference implementation (the Rust `safetensors` crate, `prepare` + `Serialize for Metadata`):

  * tensors sorted by dtype, descending in the crate's `Dtype` enum order (increasing alignment:
    BOOL < U8 < ... < F16 < BF16 < I32 < F32 < F64 < I64), then by name in UTF-8 byte order;
  * header = compact serde_json: "__metadata__" first (when given), then each tensor in data order
    as {"dtype":..,"shape":[..],"data_offsets":[begin,end]}, non-ASCII kept raw;
  * the JSON padded with spaces to a multiple of 8, its length as a little-endian u64 in front,
    then the row-major little-endian data.

When the `safetensors` Python package is importable (pip/venv), every fixture it can express is
also written with `safetensors.numpy.save` and must match byte for byte; the script fails if not.
Tests never run this; they read the committed files.
"""
import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'packages', 'core', 'test', 'fixtures')

# Position in the reference `Dtype` enum (safetensors 0.4-0.8), and numpy's type for each.
RANK = {'BOOL': 0, 'U8': 4, 'F16': 13, 'BF16': 14, 'I32': 15, 'F32': 17, 'F64': 19, 'I64': 20}
NP = {'BOOL': np.bool_, 'U8': np.uint8, 'F16': np.float16, 'I32': np.int32, 'F32': np.float32,
      'F64': np.float64, 'I64': np.int64}
# The Flint dtype each file dtype loads as.
FLINT = {'BOOL': 'bool', 'U8': 'int32', 'F16': 'float32', 'BF16': 'float32', 'I32': 'int32',
         'F32': 'float32', 'F64': 'float64', 'I64': 'int32'}


class BF16:
    """bfloat16 values given as float32 whose low 16 bits are zero (numpy has no bfloat16)."""

    def __init__(self, values, shape):
        f = np.array(values, dtype=np.float32).reshape(shape)
        bits = f.view(np.uint32)
        assert not np.any(bits & 0xFFFF), 'BF16 fixture values must be exact bfloat16 numbers'
        self.f32, self.shape = f, list(shape)

    def tobytes(self):
        return (self.f32.view(np.uint32) >> 16).astype('<u2').tobytes()


def st_dtype(a):
    if isinstance(a, BF16):
        return 'BF16'
    for k, t in NP.items():
        if a.dtype == t:
            return k
    raise ValueError(a.dtype)


def name_key(name):
    return name.encode('utf-8')


def serialize(tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-RANK[st_dtype(kv[1])], name_key(kv[0])))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, a in items:
        data = a.tobytes() if isinstance(a, BF16) else np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': st_dtype(a), 'shape': list(a.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(blobs), [n for n, _ in items]


def golden_value(v):
    v = float(v) if not isinstance(v, (bool, np.bool_)) else bool(v)
    if isinstance(v, bool):
        return v
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if v == 0 and math.copysign(1, v) < 0:
        return '-0'
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def golden(tensors, metadata, order):
    out = {}
    for name, a in tensors.items():
        dt = st_dtype(a)
        flat = (a.f32 if isinstance(a, BF16) else a).reshape(-1)
        if dt == 'F32' or dt == 'F16':
            flat = flat.astype(np.float32)
        out[name] = {'stDtype': dt, 'dtype': FLINT[dt], 'shape': list(a.shape),
                     'values': [golden_value(x) for x in flat.tolist()]}
    return {'metadata': metadata, 'order': order, 'tensors': out}


def f32(values, shape=None):
    a = np.array(values, dtype=np.float32)
    return a.reshape(shape) if shape is not None else a


def fixtures():
    basic = {
        'weight': f32([0.5, -0.0, 1e-45, 3.4028235e38, math.pi, -1.25], (2, 3)),
        'bias': f32([0.1, 0.2, 0.3]),
        'Z': np.array(7.5, dtype=np.float32),  # scalar; 'Z' < 'b' in byte order
        'double': np.array([[1 / 3, -2.0], [float('nan'), float('inf')]], dtype=np.float64),
        'count': np.array([-2147483648, 2147483647, 0, 42], dtype=np.int32),
        'mask': np.array([[True, False], [False, True]]),
        'empty': np.zeros((0, 3), dtype=np.float32),
        'é.weight': f32([2.0]),
        '\uff21': f32([3.0]),  # U+FF21 sorts before U+1F600 in UTF-8, after it in UTF-16
        '\U0001F600': f32([4.0]),
        'q"\\\t': np.array([1, 2], dtype=np.int32),
    }
    nometa = {
        'layer.0.idx': np.arange(6, dtype=np.int32).reshape(2, 3),
        'flags': np.array([True, True, False]),
        'scale': np.array([1e-300, -1e300, 5e-324], dtype=np.float64),
    }
    readonly = {
        'half': np.array([0, -0.0, 1, -2, 65504, 2 ** -24, float('inf'), float('-inf'), float('nan'),
                          0.333251953125], dtype=np.float16),
        'brain': BF16([1, -2.5, 3.140625, 2 ** -130, float('inf'), float('nan'), 3.3895314e38], (7,)),
        'long': np.array([[-2147483648, 2147483647, 0], [-1, 123456, 7]], dtype=np.int64),
        'bytes': np.array([0, 1, 127, 128, 255], dtype=np.uint8),
        'plain': f32([1.5]),
    }
    return [('basic', basic, {'format': 'pt'}), ('nometa', nometa, None), ('readonly', readonly, None)]


def check_reference(name, tensors, metadata, data):
    try:
        from safetensors.numpy import save as reference_save
    except ImportError:
        return 'reference package not installed; spec-only'
    if any(isinstance(a, BF16) for a in tensors.values()):
        return 'has BF16, which safetensors.numpy cannot write; spec-only'
    ref = reference_save(tensors, metadata=metadata)
    if ref != data:
        sys.exit(f'{name}: bytes differ from the reference safetensors package')
    return 'identical to the reference safetensors package'


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, tensors, metadata in fixtures():
        data, order = serialize(tensors, metadata)
        with open(os.path.join(OUT, f'{name}.safetensors'), 'wb') as f:
            f.write(data)
        with open(os.path.join(OUT, f'{name}.json'), 'w', encoding='utf-8') as f:
            json.dump(golden(tensors, metadata, order), f, ensure_ascii=False, indent=1, allow_nan=False)
            f.write('\n')
        print(f'{name}.safetensors: {len(data)} bytes, {check_reference(name, tensors, metadata, data)}')


if __name__ == '__main__':
    main()
