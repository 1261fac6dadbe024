#!/usr/bin/python3
"""Writes the golden fixtures of Flint's nn layers from PyTorch (run with Debian's python3).

    /usr/bin/python3 scripts/gen-nn-fixtures.py   # rewrites packages/conformance/fixtures/nn/nn-*.json
    /usr/bin/python3 scripts/gen-nn-fixtures.py nn-resample   # one family only

Each case builds a torch module in float64, overwrites every parameter and buffer with values
drawn from a NumPy generator seeded by the case id (never torch's RNG), runs one forward pass,
backpropagates sum(output * gradOutput), and records the input, state, output, the gradients of
the input and of every parameter (by state-dict key), the state after the pass (batch norm's
running statistics), the state-dict keys in torch's order and the module's repr written with JS
literals (true/false/null). `flint` says how to build the same layer in Flint: class name,
positional arguments and camelCase options. Functions with no Flint layer (the 1-d pools) go in
nn-pool-norm.json's `functional` section as `fn`, `args` and options instead.
Tests never run this; they read the committed JSON.
"""
import json
import os
import re
import sys
import zlib

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
# Shared with the conformance suite, which ships them; core's tests read the same files.
OUT = os.path.join(HERE, '..', 'packages', 'conformance', 'fixtures', 'nn')
SIG = 14  # significant digits of results: ample for the 1e-10 tolerance, a third smaller than repr


def enc(t, digits=None):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    data = [float(f'{v:.{digits}g}') if digits else v for v in t.reshape(-1).tolist()]
    return {'shape': list(t.shape), 'data': [int(v) if v == int(v) else v for v in data]}


def js_repr(m):
    return re.sub(r'\bNone\b', 'null', re.sub(r'\bFalse\b', 'false', re.sub(r'\bTrue\b', 'true', repr(m))))


class Case:
    def __init__(self, cid):
        self.id = cid
        self.rng = np.random.default_rng(zlib.crc32(cid.encode()))

    def uniform(self, shape, lo=-1.0, hi=1.0, decimals=3):
        """Short decimals keep the JSON small; they parse to the same doubles in both languages."""
        return torch.tensor(np.round(self.rng.uniform(lo, hi, shape), decimals), dtype=torch.float64)

    def set_state(self, m):
        with torch.no_grad():
            for k, t in m.state_dict().items():
                name = k.split('.')[-1]
                if name == 'num_batches_tracked':
                    t.fill_(2)
                elif name == 'running_var' or (name == 'weight' and 'Norm' in type(dict(m.named_modules())[k.rpartition('.')[0]]).__name__):
                    t.copy_(self.uniform(t.shape, 0.5, 1.5))
                else:
                    t.copy_(self.uniform(t.shape))


def run(cid, module, flint, shape, train=True, ints=None, ties=False, scale=1.0):
    """One case: `flint` = [class, args, options] (or a list of them for a Sequential); input U(−scale, scale)."""
    c = Case(cid)
    m = module.double()
    c.set_state(m)
    m.train(train)
    state = {k: enc(v) for k, v in m.state_dict().items()}
    if ints is not None:
        x = torch.tensor(c.rng.integers(0, ints, shape), dtype=torch.int64)
    elif ties:
        x = torch.tensor(c.rng.integers(-2, 3, shape), dtype=torch.float64).requires_grad_()
    else:
        x = c.uniform(shape, -scale, scale).requires_grad_()
    y = m(x)
    gy = c.uniform(y.shape)
    (y * gy).sum().backward()
    grads = {k: enc(p.grad, SIG) for k, p in m.named_parameters()}
    if x.requires_grad:
        grads['input'] = enc(x.grad, SIG)
    after = {k: enc(v, SIG) for k, v in m.state_dict().items() if re.search(r'running_|num_batches', k)}
    spec = {'layer': 'Sequential', 'children': [dict(layer=a, args=b, options=o) for a, b, o in flint]} if isinstance(flint, list) else dict(layer=flint[0], args=flint[1], options=flint[2])
    case = {'id': cid, 'flint': spec, 'train': train, 'repr': js_repr(module), 'keys': list(m.state_dict().keys()),
            'state': state, 'input': enc(x), 'gradOutput': enc(gy), 'output': enc(y, SIG), 'grads': grads}
    if after:
        case['stateAfter'] = after
    return case


def linear_conv():
    return [
        run('Linear/basic', nn.Linear(5, 3), ('Linear', [5, 3], {}), [4, 5]),
        run('Linear/no-bias-3d', nn.Linear(5, 3, bias=False), ('Linear', [5, 3], {'bias': False}), [2, 3, 5]),
        run('Conv1d/basic', nn.Conv1d(3, 4, 3), ('Conv1d', [3, 4, 3], {}), [2, 3, 10]),
        run('Conv1d/stride-pad-dilation-groups', nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
            ('Conv1d', [4, 6, 3], {'stride': 2, 'padding': 2, 'dilation': 2, 'groups': 2}), [2, 4, 11]),
        run('Conv1d/same-even-kernel', nn.Conv1d(2, 3, 4, padding='same'), ('Conv1d', [2, 3, 4], {'padding': 'same'}), [2, 2, 9]),
        run('Conv1d/circular', nn.Conv1d(2, 3, 3, padding=1, padding_mode='circular'),
            ('Conv1d', [2, 3, 3], {'padding': 1, 'paddingMode': 'circular'}), [1, 2, 6]),
        run('Conv2d/basic', nn.Conv2d(3, 4, 3), ('Conv2d', [3, 4, 3], {}), [2, 3, 7, 7]),
        run('Conv2d/stride2-pad1', nn.Conv2d(3, 4, 3, stride=2, padding=1), ('Conv2d', [3, 4, 3], {'stride': 2, 'padding': 1}), [2, 3, 7, 8]),
        run('Conv2d/rect-kernel-dilation', nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
            ('Conv2d', [4, 6, [3, 2]], {'stride': [2, 1], 'padding': [1, 0], 'dilation': [1, 2]}), [2, 4, 7, 7]),
        run('Conv2d/groups2', nn.Conv2d(4, 6, 3, groups=2, padding=1), ('Conv2d', [4, 6, 3], {'groups': 2, 'padding': 1}), [2, 4, 6, 6]),
        run('Conv2d/depthwise-no-bias', nn.Conv2d(4, 4, 3, groups=4, padding=1, bias=False),
            ('Conv2d', [4, 4, 3], {'groups': 4, 'padding': 1, 'bias': False}), [2, 4, 5, 5]),
        run('Conv2d/same-even-kernel', nn.Conv2d(3, 2, 4, padding='same'), ('Conv2d', [3, 2, 4], {'padding': 'same'}), [1, 3, 6, 6]),
        run('Conv2d/same-dilated', nn.Conv2d(3, 2, 3, padding='same', dilation=2), ('Conv2d', [3, 2, 3], {'padding': 'same', 'dilation': 2}), [1, 3, 7, 7]),
        run('Conv2d/valid', nn.Conv2d(3, 2, 3, padding='valid'), ('Conv2d', [3, 2, 3], {'padding': 'valid'}), [1, 3, 6, 6]),
        run('Conv2d/reflect', nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect'),
            ('Conv2d', [2, 3, 3], {'padding': 1, 'paddingMode': 'reflect'}), [1, 2, 5, 5]),
        run('Conv2d/replicate', nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode='replicate'),
            ('Conv2d', [2, 3, 3], {'padding': [1, 2], 'paddingMode': 'replicate'}), [1, 2, 5, 5]),
        run('Conv2d/circular', nn.Conv2d(2, 3, 3, padding=1, padding_mode='circular'),
            ('Conv2d', [2, 3, 3], {'padding': 1, 'paddingMode': 'circular'}), [1, 2, 5, 5]),
        run('Conv2d/unbatched', nn.Conv2d(2, 3, 3), ('Conv2d', [2, 3, 3], {}), [2, 5, 5]),
        run('ConvTranspose2d/basic', nn.ConvTranspose2d(4, 3, 3), ('ConvTranspose2d', [4, 3, 3], {}), [2, 4, 4, 4]),
        run('ConvTranspose2d/stride2-pad1', nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1),
            ('ConvTranspose2d', [4, 3, 4], {'stride': 2, 'padding': 1}), [2, 4, 3, 3]),
        run('ConvTranspose2d/output-padding-groups', nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
            ('ConvTranspose2d', [4, 6, 3], {'stride': 2, 'padding': 1, 'outputPadding': 1, 'groups': 2}), [1, 4, 3, 3]),
        run('ConvTranspose2d/rect-dilation-no-bias', nn.ConvTranspose2d(2, 3, (3, 2), stride=(2, 3), padding=(0, 1), dilation=(2, 1), bias=False),
            ('ConvTranspose2d', [2, 3, [3, 2]], {'stride': [2, 3], 'padding': [0, 1], 'dilation': [2, 1], 'bias': False}), [1, 2, 3, 4]),
        run('ConvTranspose2d/dilation-output-padding', nn.ConvTranspose2d(2, 2, 3, dilation=2, output_padding=1),
            ('ConvTranspose2d', [2, 2, 3], {'dilation': 2, 'outputPadding': 1}), [1, 2, 3, 3]),
    ]


def pools():
    mp, ap = nn.MaxPool2d, nn.AvgPool2d
    return [
        run('MaxPool2d/basic', mp(2), ('MaxPool2d', [2], {}), [2, 3, 6, 6]),
        run('MaxPool2d/stride2-pad1', mp(3, stride=2, padding=1), ('MaxPool2d', [3], {'stride': 2, 'padding': 1}), [2, 2, 7, 7]),
        run('MaxPool2d/ceil', mp(2, stride=2, ceil_mode=True), ('MaxPool2d', [2], {'stride': 2, 'ceilMode': True}), [1, 2, 5, 5]),
        run('MaxPool2d/ceil-pad', mp(3, stride=2, padding=1, ceil_mode=True), ('MaxPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True}), [1, 1, 6, 6]),
        run('MaxPool2d/rect-dilation', mp((2, 3), stride=(1, 2), dilation=(2, 1), padding=(1, 1)),
            ('MaxPool2d', [[2, 3]], {'stride': [1, 2], 'dilation': [2, 1], 'padding': [1, 1]}), [1, 2, 7, 8]),
        run('MaxPool2d/ties', mp(2), ('MaxPool2d', [2], {}), [1, 2, 4, 4], ties=True),
        run('MaxPool2d/overlap-ties', mp(3, stride=1), ('MaxPool2d', [3], {'stride': 1}), [1, 1, 5, 5], ties=True),
        run('AvgPool2d/basic', ap(2), ('AvgPool2d', [2], {}), [2, 3, 6, 6]),
        run('AvgPool2d/stride2-pad1', ap(3, stride=2, padding=1), ('AvgPool2d', [3], {'stride': 2, 'padding': 1}), [1, 2, 7, 7]),
        run('AvgPool2d/exclude-pad', ap(3, stride=2, padding=1, count_include_pad=False),
            ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'countIncludePad': False}), [1, 2, 7, 7]),
        run('AvgPool2d/ceil', ap(2, stride=2, ceil_mode=True), ('AvgPool2d', [2], {'stride': 2, 'ceilMode': True}), [1, 2, 5, 5]),
        run('AvgPool2d/ceil-pad-exclude', ap(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False}), [1, 1, 6, 6]),
        run('AvgPool2d/ceil-pad-include', ap(3, stride=2, padding=1, ceil_mode=True),
            ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True}), [1, 1, 6, 6]),
        run('AvgPool2d/divisor-override', ap(2, divisor_override=3), ('AvgPool2d', [2], {'divisorOverride': 3}), [1, 1, 4, 4]),
        # Ceil mode with a kernel longer than the (padded) input: one window overhangs the end (issue 15).
        run('MaxPool2d/ceil-overhang', mp(3, stride=2, ceil_mode=True), ('MaxPool2d', [3], {'stride': 2, 'ceilMode': True}), [1, 2, 2, 5]),
        run('MaxPool2d/ceil-overhang-dilation', mp(2, stride=2, dilation=2, ceil_mode=True),
            ('MaxPool2d', [2], {'stride': 2, 'dilation': 2, 'ceilMode': True}), [1, 1, 3, 4]),
        run('MaxPool2d/ceil-overhang-pad', mp(3, stride=2, padding=1, ceil_mode=True),
            ('MaxPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True}), [2, 1, 1, 6]),
        run('AvgPool2d/ceil-overhang', ap(2, ceil_mode=True), ('AvgPool2d', [2], {'ceilMode': True}), [1, 2, 1, 6]),
        run('AvgPool2d/ceil-overhang-stride', ap(3, stride=2, ceil_mode=True), ('AvgPool2d', [3], {'stride': 2, 'ceilMode': True}), [1, 1, 2, 5]),
        run('AvgPool2d/ceil-overhang-pad-include', ap(3, stride=2, padding=1, ceil_mode=True),
            ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True}), [1, 1, 2, 5]),
        run('AvgPool2d/ceil-overhang-pad-exclude', ap(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False}), [1, 1, 2, 5]),
        run('AvgPool2d/ceil-overhang-divisor', ap(3, stride=2, ceil_mode=True, divisor_override=2),
            ('AvgPool2d', [3], {'stride': 2, 'ceilMode': True, 'divisorOverride': 2}), [1, 1, 2, 5]),
        run('AdaptiveAvgPool2d/uneven', nn.AdaptiveAvgPool2d((3, 2)), ('AdaptiveAvgPool2d', [[3, 2]], {}), [2, 2, 7, 5]),
        run('AdaptiveAvgPool2d/global', nn.AdaptiveAvgPool2d(1), ('AdaptiveAvgPool2d', [1], {}), [2, 3, 4, 4]),
        run('AdaptiveAvgPool2d/none', nn.AdaptiveAvgPool2d((None, 3)), ('AdaptiveAvgPool2d', [[None, 3]], {}), [1, 2, 5, 6]),
        run('AdaptiveAvgPool2d/upsample', nn.AdaptiveAvgPool2d((5, 4)), ('AdaptiveAvgPool2d', [[5, 4]], {}), [1, 1, 3, 3]),
    ]


def functional(cid, fn, args, kwargs, flint_fn, flint_opts, shape, ties=False):
    """A functional pool (no layer in Flint): `fn(x, *args, **kwargs)`, values, indices and input grad."""
    c = Case(cid)
    if ties:
        x = torch.tensor(c.rng.integers(-2, 3, shape), dtype=torch.float64).requires_grad_()
    else:
        x = c.uniform(shape).requires_grad_()
    out = fn(x, *args, **kwargs)
    y, idx = out if isinstance(out, tuple) else (out, None)
    gy = c.uniform(y.shape)
    (y * gy).sum().backward()
    case = {'id': cid, 'fn': flint_fn, 'args': args, 'options': flint_opts, 'input': enc(x), 'gradOutput': enc(gy),
            'output': enc(y, SIG), 'grads': {'input': enc(x.grad, SIG)}}
    if idx is not None:
        case['indices'] = enc(idx)
    return case


def functional_pools():
    """The 1-d pools, which Flint has only as functions, ceil mode included."""
    F = torch.nn.functional
    mp, ap = F.max_pool1d, F.avg_pool1d
    return [
        functional('maxPool1d/basic', mp, [2], {'return_indices': True}, 'maxPool1d', {'returnIndices': True}, [2, 3, 8]),
        functional('maxPool1d/stride-pad-dilation', mp, [3], {'stride': 2, 'padding': 1, 'dilation': 2, 'return_indices': True},
                   'maxPool1d', {'stride': 2, 'padding': 1, 'dilation': 2, 'returnIndices': True}, [1, 2, 9]),
        functional('maxPool1d/ceil', mp, [2], {'ceil_mode': True}, 'maxPool1d', {'ceilMode': True}, [1, 2, 7]),
        functional('maxPool1d/ceil-pad-ties', mp, [3], {'stride': 2, 'padding': 1, 'ceil_mode': True, 'return_indices': True},
                   'maxPool1d', {'stride': 2, 'padding': 1, 'ceilMode': True, 'returnIndices': True}, [2, 1, 8], ties=True),
        functional('maxPool1d/ceil-overhang', mp, [4], {'stride': 3, 'ceil_mode': True}, 'maxPool1d', {'stride': 3, 'ceilMode': True}, [1, 1, 3]),
        functional('maxPool1d/unbatched', mp, [3], {'stride': 2, 'ceil_mode': True}, 'maxPool1d', {'stride': 2, 'ceilMode': True}, [3, 6]),
        functional('avgPool1d/basic', ap, [3], {}, 'avgPool1d', {}, [2, 3, 9]),
        functional('avgPool1d/ceil', ap, [2], {'ceil_mode': True}, 'avgPool1d', {'ceilMode': True}, [1, 2, 7]),
        functional('avgPool1d/ceil-pad-include', ap, [3], {'stride': 2, 'padding': 1, 'ceil_mode': True},
                   'avgPool1d', {'stride': 2, 'padding': 1, 'ceilMode': True}, [1, 2, 8]),
        functional('avgPool1d/ceil-pad-exclude', ap, [3], {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False},
                   'avgPool1d', {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False}, [1, 2, 8]),
        functional('avgPool1d/ceil-overhang', ap, [4], {'stride': 3, 'ceil_mode': True}, 'avgPool1d', {'stride': 3, 'ceilMode': True}, [1, 1, 3]),
        functional('avgPool1d/unbatched', ap, [2], {'ceil_mode': True}, 'avgPool1d', {'ceilMode': True}, [2, 5]),
    ]


def norms():
    bn1, bn2 = nn.BatchNorm1d, nn.BatchNorm2d
    return [
        run('BatchNorm1d/train', bn1(4), ('BatchNorm1d', [4], {}), [6, 4]),
        run('BatchNorm1d/train-3d', bn1(3), ('BatchNorm1d', [3], {}), [4, 3, 5]),
        run('BatchNorm1d/eval', bn1(4), ('BatchNorm1d', [4], {}), [6, 4], train=False),
        run('BatchNorm1d/no-affine', bn1(4, affine=False), ('BatchNorm1d', [4], {'affine': False}), [5, 4]),
        run('BatchNorm1d/cumulative', bn1(3, momentum=None), ('BatchNorm1d', [3], {'momentum': None}), [5, 3]),
        run('BatchNorm1d/untracked-train', bn1(3, track_running_stats=False), ('BatchNorm1d', [3], {'trackRunningStats': False}), [5, 3]),
        run('BatchNorm1d/untracked-eval', bn1(3, track_running_stats=False), ('BatchNorm1d', [3], {'trackRunningStats': False}), [5, 3], train=False),
        run('BatchNorm2d/train', bn2(4, momentum=0.3, eps=1e-3), ('BatchNorm2d', [4], {'momentum': 0.3, 'eps': 1e-3}), [3, 4, 3, 3]),
        run('BatchNorm2d/eval', bn2(4), ('BatchNorm2d', [4], {}), [2, 4, 3, 3], train=False),
        run('LayerNorm/basic', nn.LayerNorm(5), ('LayerNorm', [5], {}), [3, 5]),
        run('LayerNorm/2d-shape', nn.LayerNorm([3, 4], eps=1e-3), ('LayerNorm', [[3, 4]], {'eps': 1e-3}), [2, 3, 4]),
        run('LayerNorm/no-affine', nn.LayerNorm(6, elementwise_affine=False), ('LayerNorm', [6], {'elementwiseAffine': False}), [2, 6]),
        run('GroupNorm/basic', nn.GroupNorm(2, 4), ('GroupNorm', [2, 4], {}), [2, 4, 3, 3]),
        run('GroupNorm/no-affine-1d', nn.GroupNorm(3, 6, affine=False), ('GroupNorm', [3, 6], {'affine': False}), [2, 6, 5]),
        run('GroupNorm/one-group', nn.GroupNorm(1, 4, eps=1e-4), ('GroupNorm', [1, 4], {'eps': 1e-4}), [3, 4]),
    ]


def misc():
    acts = [
        ('ReLU', nn.ReLU(), []), ('LeakyReLU', nn.LeakyReLU(0.2), [0.2]), ('GELU', nn.GELU(), []),
        ('GELU', nn.GELU(approximate='tanh'), ['tanh']), ('SiLU', nn.SiLU(), []), ('Sigmoid', nn.Sigmoid(), []),
        ('Tanh', nn.Tanh(), []), ('Softmax', nn.Softmax(dim=1), [1]), ('LogSoftmax', nn.LogSoftmax(dim=-1), [-1]),
    ]
    out = [run(f'{name}/{i}', m, (name, args, {}), [3, 4]) for i, (name, m, args) in enumerate(acts)]
    out += [
        run('Embedding/basic', nn.Embedding(6, 3), ('Embedding', [6, 3], {}), [2, 4], ints=6),
        run('Embedding/padding-idx', nn.Embedding(5, 3, padding_idx=1), ('Embedding', [5, 3], {'paddingIdx': 1}), [3, 4], ints=3),
        run('Flatten/default', nn.Flatten(), ('Flatten', [], {}), [2, 3, 2, 2]),
        run('Flatten/range', nn.Flatten(0, 1), ('Flatten', [0, 1], {}), [2, 3, 2]),
        run('Identity/basic', nn.Identity(), ('Identity', [], {}), [2, 3]),
        run('Dropout/eval', nn.Dropout(0.3), ('Dropout', [0.3], {}), [2, 3], train=False),
    ]
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    spec = [('Conv2d', [1, 2, 3], {}), ('BatchNorm2d', [2], {}), ('ReLU', [], {}), ('MaxPool2d', [2], {}), ('Flatten', [], {}), ('Linear', [8, 3], {})]
    out.append(run('Sequential/cnn', model, spec, [2, 1, 6, 6]))
    return out


def containers():
    """State-dict keys and reprs of nested containers (no numbers)."""
    tree = nn.ModuleDict({'enc': nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), 'heads': nn.ModuleList([nn.Linear(3, 1), nn.Linear(3, 2, bias=False)])})
    return [{'id': 'containers/nested', 'keys': list(tree.state_dict().keys()), 'repr': js_repr(tree)}]


class RMSNormRef(nn.Module):
    """torch 2.4's nn.RMSNorm (torch 1.13 has none): x · rsqrt(mean(x², trailing dims) + eps) · weight."""

    def __init__(self, shape, eps=None, affine=True):
        super().__init__()
        self.shape, self.eps = list(shape), eps
        self.weight = nn.Parameter(torch.ones(shape)) if affine else None

    def forward(self, x):
        dims = tuple(range(-len(self.shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y


def resample_layers():
    """Issue 13's layers: 1-d and adaptive max pools, instance and RMS norm, channel dropout, upsampling."""
    in1, in2 = nn.InstanceNorm1d, nn.InstanceNorm2d
    up = nn.Upsample
    return [
        run('MaxPool1d/stride-pad', nn.MaxPool1d(3, stride=2, padding=1), ('MaxPool1d', [3], {'stride': 2, 'padding': 1}), [2, 3, 9]),
        run('AvgPool1d/exclude-pad', nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
            ('AvgPool1d', [3], {'stride': 2, 'padding': 1, 'countIncludePad': False}), [2, 2, 8]),
        run('AdaptiveAvgPool1d/uneven', nn.AdaptiveAvgPool1d(3), ('AdaptiveAvgPool1d', [3], {}), [2, 2, 7]),
        run('AdaptiveAvgPool1d/upsample', nn.AdaptiveAvgPool1d(5), ('AdaptiveAvgPool1d', [5], {}), [1, 2, 3]),
        run('AdaptiveMaxPool1d/uneven', nn.AdaptiveMaxPool1d(3), ('AdaptiveMaxPool1d', [3], {}), [2, 2, 7]),
        run('AdaptiveMaxPool1d/ties', nn.AdaptiveMaxPool1d(4), ('AdaptiveMaxPool1d', [4], {}), [1, 3, 10], ties=True),
        run('AdaptiveMaxPool2d/uneven', nn.AdaptiveMaxPool2d((3, 2)), ('AdaptiveMaxPool2d', [[3, 2]], {}), [2, 2, 7, 5]),
        run('AdaptiveMaxPool2d/global', nn.AdaptiveMaxPool2d(1), ('AdaptiveMaxPool2d', [1], {}), [2, 3, 4, 4]),
        run('AdaptiveMaxPool2d/none-ties', nn.AdaptiveMaxPool2d((None, 3)), ('AdaptiveMaxPool2d', [[None, 3]], {}), [1, 2, 5, 7], ties=True),
        run('AdaptiveMaxPool2d/upsample-unbatched', nn.AdaptiveMaxPool2d((5, 4)), ('AdaptiveMaxPool2d', [[5, 4]], {}), [2, 3, 3]),
        run('InstanceNorm1d/basic', in1(3), ('InstanceNorm1d', [3], {}), [2, 3, 6]),
        run('InstanceNorm1d/affine-unbatched', in1(3, affine=True), ('InstanceNorm1d', [3], {'affine': True}), [3, 5]),
        run('InstanceNorm1d/track-train', in1(3, affine=True, track_running_stats=True, momentum=0.3),
            ('InstanceNorm1d', [3], {'affine': True, 'trackRunningStats': True, 'momentum': 0.3}), [4, 3, 5]),
        run('InstanceNorm2d/basic', in2(2, eps=1e-3), ('InstanceNorm2d', [2], {'eps': 1e-3}), [2, 2, 4, 3]),
        run('InstanceNorm2d/track-train', in2(3, track_running_stats=True), ('InstanceNorm2d', [3], {'trackRunningStats': True}), [2, 3, 3, 3]),
        run('InstanceNorm2d/track-eval', in2(3, affine=True, track_running_stats=True),
            ('InstanceNorm2d', [3], {'affine': True, 'trackRunningStats': True}), [2, 3, 3, 3], train=False),
        run('InstanceNorm2d/untracked-eval', in2(2, affine=True), ('InstanceNorm2d', [2], {'affine': True}), [2, 2, 3, 4], train=False),
        run('RMSNorm/basic', RMSNormRef([5]), ('RMSNorm', [[5]], {}), [3, 5]),
        run('RMSNorm/2d-eps', RMSNormRef([3, 4], eps=1e-3), ('RMSNorm', [[3, 4]], {'eps': 1e-3}), [2, 3, 4]),
        run('RMSNorm/no-affine', RMSNormRef([6], affine=False), ('RMSNorm', [[6]], {'elementwiseAffine': False}), [2, 6]),
        run('Dropout1d/eval', nn.Dropout1d(0.3), ('Dropout1d', [0.3], {}), [2, 3, 4], train=False),
        run('Dropout2d/eval', nn.Dropout2d(0.3), ('Dropout2d', [0.3], {}), [2, 3, 2, 2], train=False),
        run('Upsample/nearest-2d', up(scale_factor=2), ('Upsample', [], {'scaleFactor': 2}), [1, 2, 3, 3]),
        run('Upsample/bilinear', up(size=(5, 7), mode='bilinear'), ('Upsample', [], {'size': [5, 7], 'mode': 'bilinear'}), [2, 2, 3, 4]),
        run('Upsample/linear-align', up(scale_factor=2.5, mode='linear', align_corners=True),
            ('Upsample', [], {'scaleFactor': 2.5, 'mode': 'linear', 'alignCorners': True}), [1, 2, 4]),
        run('UpsamplingNearest2d/size', nn.UpsamplingNearest2d(size=(4, 5)), ('UpsamplingNearest2d', [], {'size': [4, 5]}), [1, 2, 3, 2]),
        run('UpsamplingBilinear2d/scale', nn.UpsamplingBilinear2d(scale_factor=2), ('UpsamplingBilinear2d', [], {'scaleFactor': 2}), [1, 2, 3, 3]),
    ]


def resample_functional():
    """F.interpolate's modes and scales, and the adaptive pools' indices."""
    F = torch.nn.functional
    it = F.interpolate

    def interp(cid, shape, **kw):
        flint = {'mode': 'mode', 'size': 'size', 'scale_factor': 'scaleFactor', 'align_corners': 'alignCorners',
                 'recompute_scale_factor': 'recomputeScaleFactor'}
        return functional(f'interpolate/{cid}', it, [], kw, 'interpolate', {flint[k]: v for k, v in kw.items()}, shape)
    return [
        interp('nearest-1d-down', [2, 2, 9], size=4),
        interp('nearest-1d-scale', [1, 2, 5], scale_factor=1.7),
        interp('nearest-2d-rect', [1, 2, 3, 4], size=[7, 5]),
        interp('nearest-2d-scale-fraction', [1, 1, 5, 6], scale_factor=[0.6, 1.5]),
        interp('nearest-2d-recompute', [1, 1, 5, 6], scale_factor=[0.6, 1.5], recompute_scale_factor=True),
        interp('nearest-exact-1d', [1, 2, 5], size=8, mode='nearest-exact'),
        interp('nearest-exact-2d-down', [1, 1, 7, 6], size=[3, 4], mode='nearest-exact'),
        interp('linear-up', [2, 2, 4], size=9, mode='linear'),
        interp('linear-down', [1, 2, 9], size=4, mode='linear'),
        interp('linear-align-corners', [1, 1, 5], size=8, mode='linear', align_corners=True),
        interp('linear-scale', [1, 2, 4], scale_factor=2.3, mode='linear'),
        interp('linear-to-one-align', [1, 1, 5], size=1, mode='linear', align_corners=True),
        interp('bilinear-up', [2, 2, 3, 4], size=[5, 7], mode='bilinear'),
        interp('bilinear-down', [1, 2, 7, 6], size=[3, 4], mode='bilinear'),
        interp('bilinear-align-corners', [1, 1, 3, 3], size=[5, 4], mode='bilinear', align_corners=True),
        interp('bilinear-scale', [1, 1, 4, 3], scale_factor=[1.5, 2.2], mode='bilinear'),
        interp('bilinear-scale-recompute', [1, 1, 4, 3], scale_factor=[1.5, 2.2], mode='bilinear', recompute_scale_factor=True),
        functional('adaptiveMaxPool1d/indices', F.adaptive_max_pool1d, [3], {'return_indices': True},
                   'adaptiveMaxPool1d', {'returnIndices': True}, [2, 2, 7]),
        functional('adaptiveMaxPool1d/indices-ties-unbatched', F.adaptive_max_pool1d, [4], {'return_indices': True},
                   'adaptiveMaxPool1d', {'returnIndices': True}, [3, 9], ties=True),
        functional('adaptiveMaxPool2d/indices', F.adaptive_max_pool2d, [[3, 2]], {'return_indices': True},
                   'adaptiveMaxPool2d', {'returnIndices': True}, [2, 2, 7, 5]),
        functional('adaptiveMaxPool2d/indices-ties', F.adaptive_max_pool2d, [[2, 3]], {'return_indices': True},
                   'adaptiveMaxPool2d', {'returnIndices': True}, [1, 2, 5, 5], ties=True),
        functional('adaptiveAvgPool1d/unbatched', F.adaptive_avg_pool1d, [4], {}, 'adaptiveAvgPool1d', {}, [2, 9]),
    ]


def activations():
    """Every activation module beyond nn-misc's (issue 13 §1), PReLU's slopes as its parameter `weight`.

    Inputs are U(−4, 4) so that the hard kinks (±3, 6, λ) fall inside the range; points exactly on a
    kink have probability 0 (the conformance family `activations` checks those).
    """
    acts = [
        ('ELU', nn.ELU(), []), ('ELU', nn.ELU(0.5), [0.5]), ('SELU', nn.SELU(), []), ('CELU', nn.CELU(2.0), [2.0]),
        ('Softplus', nn.Softplus(), []), ('Softplus', nn.Softplus(2, 1), [2, 1]), ('Mish', nn.Mish(), []),
        ('Softsign', nn.Softsign(), []), ('Hardsigmoid', nn.Hardsigmoid(), []), ('Hardswish', nn.Hardswish(), []),
        ('Hardtanh', nn.Hardtanh(), []), ('Hardtanh', nn.Hardtanh(-2.0, 3.0), [-2.0, 3.0]), ('ReLU6', nn.ReLU6(), []),
        ('LogSigmoid', nn.LogSigmoid(), []), ('Softmin', nn.Softmin(dim=1), [1]), ('Tanhshrink', nn.Tanhshrink(), []),
        ('Hardshrink', nn.Hardshrink(), []), ('Hardshrink', nn.Hardshrink(1.5), [1.5]),
        ('Softshrink', nn.Softshrink(), []), ('Softshrink', nn.Softshrink(1.5), [1.5]),
        ('Threshold', nn.Threshold(0.1, 20.0), [0.1, 20.0]), ('GLU', nn.GLU(), []), ('GLU', nn.GLU(dim=0), [0]),
    ]
    out = [run(f'{name}/{i}', m, (name, args, {}), [4, 6], scale=4.0) for i, (name, m, args) in enumerate(acts)]
    out += [
        run('PReLU/one', nn.PReLU(), ('PReLU', [1], {}), [3, 4], scale=4.0),
        run('PReLU/channels', nn.PReLU(3, init=0.1), ('PReLU', [3], {'init': 0.1}), [2, 3, 5], scale=4.0),
        run('RReLU/eval', nn.RReLU(), ('RReLU', [], {}), [3, 4], train=False, scale=4.0),
        run('RReLU/eval-bounds', nn.RReLU(0.1, 0.3), ('RReLU', [0.1, 0.3], {}), [3, 4], train=False, scale=4.0),
        run('Softmax2d/4d', nn.Softmax2d(), ('Softmax2d', [], {}), [2, 3, 2, 2], scale=4.0),
        run('Softmax2d/3d', nn.Softmax2d(), ('Softmax2d', [], {}), [3, 2, 2], scale=4.0),
    ]
    model = nn.Sequential(nn.Linear(4, 6), nn.PReLU(6), nn.Hardswish(), nn.Linear(6, 4), nn.GLU())
    spec = [('Linear', [4, 6], {}), ('PReLU', [6], {}), ('Hardswish', [], {}), ('Linear', [6, 4], {}), ('GLU', [], {})]
    out.append(run('Sequential/prelu-hardswish-glu', model, spec, [3, 4], scale=4.0))
    return out


FAMILIES = {
    'nn-layers': lambda: (linear_conv(), {}),
    'nn-pool-norm': lambda: (pools() + norms(), {'functional': functional_pools()}),
    'nn-misc': lambda: (misc() + containers(), {}),
    'nn-resample': lambda: (resample_layers(), {'functional': resample_functional()}),
    'nn-activations': lambda: (activations(), {}),
}


def main():
    """Rewrites the families named on the command line (all of them without arguments)."""
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)  # threaded reductions may sum in a different order from run to run
    os.makedirs(OUT, exist_ok=True)
    total = 0
    names = sys.argv[1:] or list(FAMILIES)
    for name in names:
        cases, extra = FAMILIES[name]()
        path = os.path.join(OUT, f'{name}.json')
        doc = {'generator': 'scripts/gen-nn-fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': cases, **extra}
        with open(path, 'w') as f:
            json.dump(doc, f, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        size = os.path.getsize(path)
        total += size
        print(f'{name}: {len(cases)} cases, {size / 1024:.0f} KiB')
    print(f'total {total / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
