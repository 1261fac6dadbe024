#!/usr/bin/python3
"""Writes the golden fixtures of Flint's nn layers from PyTorch (run with Debian's python3).

    /usr/bin/python3 scripts/gen-nn-fixtures.py   # rewrites packages/conformance/fixtures/nn/nn-*.json

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


def run(cid, module, flint, shape, train=True, ints=None, ties=False):
    """One case: `flint` = [class, args, options] (or a list of them for a Sequential)."""
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
        x = c.uniform(shape).requires_grad_()
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


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)  # threaded reductions may sum in a different order from run to run
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for name, cases, extra in [('nn-layers', linear_conv(), {}),
                               ('nn-pool-norm', pools() + norms(), {'functional': functional_pools()}),
                               ('nn-misc', misc() + containers(), {})]:
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
