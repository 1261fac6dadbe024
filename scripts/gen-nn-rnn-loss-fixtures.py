#!/usr/bin/python3
"""Writes the golden fixtures of Flint's recurrent layers, attention and losses from PyTorch.

    /usr/bin/python3 scripts/gen-nn-rnn-loss-fixtures.py
    # rewrites packages/conformance/fixtures/nn/nn-rnn.json, nn-attention.json, nn-loss.json

Everything is float64. Weights are not torch's random init: each case sets every parameter from a
NumPy generator seeded by the case id, so adding a case never changes another. Each case stores
the state dict (in torch's key order), the inputs, the forward outputs, and the gradients of a
fixed scalar (Σ output·R with stored random R, or the loss itself) with respect to the inputs and
every parameter. Modules run in eval mode so dropout is off.
"""
import json
import math
import os
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
# Shared with the conformance suite, which ships them; core's tests read the same files.
OUT = os.path.join(HERE, '..', 'packages', 'conformance', 'fixtures', 'nn')
DT = torch.float64


def rng(case_id):
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def enc(t):
    """A tensor as {dtype, shape, data}; data is flat, row-major."""
    t = t.detach()
    if t.dtype == torch.bool:
        return {'dtype': 'bool', 'shape': list(t.shape), 'data': [int(v) for v in t.flatten().tolist()]}
    if t.dtype in (torch.int64, torch.int32):
        return {'dtype': 'int32', 'shape': list(t.shape), 'data': [int(v) for v in t.flatten().tolist()]}
    return {'dtype': 'float64', 'shape': list(t.shape), 'data': t.to(DT).flatten().tolist()}


def uniform(g, shape, lo=-1.0, hi=1.0, grad=False):
    return torch.tensor(g.uniform(lo, hi, size=shape), dtype=DT, requires_grad=grad)


def set_weights(module, g, scale=0.5):
    """Overwrite every parameter with U(−scale, scale) from the case's generator."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(g.uniform(-scale, scale, size=tuple(p.shape)), dtype=DT))
    return {k: enc(v) for k, v in module.state_dict().items()}


def param_grads(module):
    return {k: enc(p.grad) for k, p in module.named_parameters()}


def weighted_sum(g, outputs):
    """Σ_i Σ(out_i · R_i) with stored R_i, so every output element gets a distinct gradient."""
    rs = [uniform(g, tuple(o.shape)) for o in outputs]
    total = sum((o * r).sum() for o, r in zip(outputs, rs))
    return total, [enc(r) for r in rs]


# ---------------------------------------------------------------- recurrent

RNN_CASES = [
    # id, class, input, hidden, options, (seq, batch or None for unbatched), initial state
    ('rnn/tanh-1layer', 'RNN', 3, 4, {}, (5, 2), False),
    ('rnn/relu-2layer-h0-nobias', 'RNN', 3, 4, {'nonlinearity': 'relu', 'num_layers': 2, 'bias': False}, (4, 2), True),
    ('rnn/tanh-bidir-batchfirst-h0', 'RNN', 3, 4, {'bidirectional': True, 'batch_first': True}, (4, 3), True),
    ('rnn/unbatched-2layer', 'RNN', 3, 4, {'num_layers': 2}, (4, None), True),
    ('lstm/1layer', 'LSTM', 3, 4, {}, (5, 2), False),
    ('lstm/2layer-bidir-batchfirst-h0', 'LSTM', 3, 4, {'num_layers': 2, 'bidirectional': True, 'batch_first': True}, (4, 2), True),
    ('lstm/unbatched-bidir-h0', 'LSTM', 3, 2, {'bidirectional': True}, (3, None), True),
    ('lstm/nobias-2layer', 'LSTM', 2, 3, {'num_layers': 2, 'bias': False}, (3, 2), True),
    ('gru/1layer', 'GRU', 3, 4, {}, (5, 2), False),
    ('gru/2layer-bidir-h0', 'GRU', 3, 4, {'num_layers': 2, 'bidirectional': True}, (4, 2), True),
    ('gru/batchfirst-nobias-h0', 'GRU', 3, 4, {'batch_first': True, 'bias': False}, (4, 3), True),
    ('gru/unbatched', 'GRU', 2, 3, {}, (4, None), False),
]


def rnn_case(cid, cls, inp, hid, opts, dims, with_state):
    g = rng(cid)
    m = getattr(nn, cls)(inp, hid, dtype=DT, **opts).eval()
    state = set_weights(m, g)
    seq, batch = dims
    bf = opts.get('batch_first', False)
    if batch is None:
        x_shape = (seq, inp)
    else:
        x_shape = (batch, seq, inp) if bf else (seq, batch, inp)
    x = uniform(g, x_shape, grad=True)
    layers = opts.get('num_layers', 1) * (2 if opts.get('bidirectional') else 1)
    h_shape = (layers, hid) if batch is None else (layers, batch, hid)
    inputs = {'input': x}
    hx = None
    if with_state:
        inputs['h0'] = uniform(g, h_shape, grad=True)
        hx = inputs['h0']
        if cls == 'LSTM':
            inputs['c0'] = uniform(g, h_shape, grad=True)
            hx = (inputs['h0'], inputs['c0'])
    out, hn = m(x, hx)
    outputs = {'output': out}
    if cls == 'LSTM':
        outputs['hN'], outputs['cN'] = hn
    else:
        outputs['hN'] = hn
    total, rs = weighted_sum(g, list(outputs.values()))
    total.backward()
    return {
        'id': cid, 'module': cls, 'inputSize': inp, 'hiddenSize': hid, 'options': camel(opts),
        'stateDict': state, 'keys': list(state.keys()),
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'outputs': {k: enc(v) for k, v in outputs.items()},
        'weights': rs,
        'grads': {'inputs': {k: enc(v.grad) for k, v in inputs.items()}, 'params': param_grads(m)},
    }


CELL_CASES = [
    ('cell/rnn-tanh', 'RNNCell', 3, 4, {}, 2, True),
    ('cell/rnn-relu-nobias', 'RNNCell', 3, 4, {'nonlinearity': 'relu', 'bias': False}, 2, True),
    ('cell/lstm', 'LSTMCell', 3, 4, {}, 2, True),
    ('cell/lstm-zero-state', 'LSTMCell', 3, 4, {}, 2, False),
    ('cell/gru', 'GRUCell', 3, 4, {}, 2, True),
    ('cell/gru-unbatched', 'GRUCell', 3, 4, {}, None, True),
]


def cell_case(cid, cls, inp, hid, opts, batch, with_state):
    g = rng(cid)
    m = getattr(nn, cls)(inp, hid, dtype=DT, **opts)
    state = set_weights(m, g)
    x = uniform(g, (inp,) if batch is None else (batch, inp), grad=True)
    h_shape = (hid,) if batch is None else (batch, hid)
    inputs = {'input': x}
    hx = None
    if with_state:
        inputs['h0'] = uniform(g, h_shape, grad=True)
        hx = inputs['h0']
        if cls == 'LSTMCell':
            inputs['c0'] = uniform(g, h_shape, grad=True)
            hx = (inputs['h0'], inputs['c0'])
    res = m(x, hx)
    outputs = {'h': res[0], 'c': res[1]} if cls == 'LSTMCell' else {'h': res}
    total, rs = weighted_sum(g, list(outputs.values()))
    total.backward()
    return {
        'id': cid, 'module': cls, 'inputSize': inp, 'hiddenSize': hid, 'options': camel(opts),
        'stateDict': state, 'keys': list(state.keys()),
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'outputs': {k: enc(v) for k, v in outputs.items()},
        'weights': rs,
        'grads': {'inputs': {k: enc(v.grad) for k, v in inputs.items()}, 'params': param_grads(m)},
    }


def camel(opts):
    out = {}
    for k, v in opts.items():
        parts = k.split('_')
        out[parts[0] + ''.join(p.title() for p in parts[1:])] = v
    return out


# ---------------------------------------------------------------- attention

def sdpa_reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """torch 2's documented reference (torch 1.13 has no public scaled_dot_product_attention)."""
    L, S = q.size(-2), k.size(-2)
    s = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias = bias.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
    if attn_mask is not None:
        bias = bias.masked_fill(~attn_mask, float('-inf')) if attn_mask.dtype == torch.bool else attn_mask + bias
    w = torch.softmax(q @ k.transpose(-2, -1) * s + bias, dim=-1)
    return w @ v


SDPA_CASES = [
    ('sdpa/plain', (2, 2, 4, 3), (2, 2, 5, 3), 6, {}),
    ('sdpa/float-mask', (2, 4, 3), (2, 5, 3), 2, {'mask': 'float'}),
    ('sdpa/bool-mask-broadcast', (2, 2, 4, 3), (2, 2, 5, 3), 3, {'mask': 'bool'}),
    ('sdpa/causal-square', (2, 4, 3), (2, 4, 3), 3, {'is_causal': True}),
    ('sdpa/causal-wide', (1, 3, 2), (1, 5, 2), 2, {'is_causal': True}),
    ('sdpa/scale', (4, 3), (5, 3), 2, {'scale': 0.7}),
]


def sdpa_case(cid, qs, ks, ev, opts):
    g = rng(cid)
    q = uniform(g, qs, grad=True)
    k = uniform(g, ks, grad=True)
    v = uniform(g, ks[:-1] + (ev,), grad=True)
    L, S = qs[-2], ks[-2]
    mask = None
    if opts.get('mask') == 'float':
        mask = uniform(g, (L, S), -2, 2)
    elif opts.get('mask') == 'bool':
        mask = torch.tensor(g.uniform(size=(L, S)) < 0.7)
        mask[:, 0] = True  # no fully masked row
    out = sdpa_reference(q, k, v, mask, opts.get('is_causal', False), opts.get('scale'))
    total, rs = weighted_sum(g, [out])
    total.backward()
    case = {
        'id': cid, 'inputs': {'query': enc(q), 'key': enc(k), 'value': enc(v)},
        'options': {'isCausal': opts.get('is_causal', False)},
        'outputs': {'output': enc(out)}, 'weights': rs,
        'grads': {'inputs': {'query': enc(q.grad), 'key': enc(k.grad), 'value': enc(v.grad)}},
    }
    if mask is not None:
        case['inputs']['attnMask'] = enc(mask)
    if 'scale' in opts:
        case['options']['scale'] = opts['scale']
    return case


MHA_CASES = [
    # id, embed, heads, options, (L, S, batch or None), self-attention, masks, need_weights
    ('mha/self', 6, 2, {}, (4, 4, 2), True, {}, True),
    ('mha/cross-batchfirst-kpm', 6, 3, {'batch_first': True}, (3, 5, 2), False, {'kpm': 'bool'}, True),
    ('mha/float-mask-nobias', 4, 2, {'bias': False}, (4, 5, 2), False, {'attn': 'float2d'}, True),
    ('mha/bool-mask3d-kpm-bool', 6, 2, {}, (3, 4, 2), False, {'attn': 'bool3d', 'kpm': 'bool'}, True),
    # torch 1.13 cannot mix a float key padding mask with an attention mask; alone it is added
    ('mha/kpm-float', 4, 2, {}, (4, 4, 2), True, {'kpm': 'float'}, True),
    ('mha/no-weights', 4, 1, {}, (3, 3, 2), True, {'attn': 'bool2d'}, False),
    ('mha/unbatched', 6, 2, {}, (3, 4, None), False, {'kpm': 'bool'}, True),
]


def mha_masks(g, masks, L, S, batch, heads):
    out = {}
    nb = batch or 1
    if masks.get('attn') == 'float2d':
        out['attnMask'] = uniform(g, (L, S), -1, 1)
    elif masks.get('attn') in ('bool2d', 'bool3d'):
        shape = (L, S) if masks['attn'] == 'bool2d' else (nb * heads, L, S)
        m = torch.tensor(g.uniform(size=shape) < 0.3)
        m[..., 0] = False  # True means "do not attend"; keep one key for every query
        out['attnMask'] = m
    kpm_shape = (S,) if batch is None else (batch, S)
    if masks.get('kpm') == 'bool':
        m = torch.tensor(g.uniform(size=kpm_shape) < 0.3)
        m[..., 0] = False
        out['keyPaddingMask'] = m
    elif masks.get('kpm') == 'float':
        out['keyPaddingMask'] = uniform(g, kpm_shape, -1, 0)
    return out


def mha_case(cid, embed, heads, opts, dims, self_attn, masks, need_weights):
    g = rng(cid)
    m = nn.MultiheadAttention(embed, heads, dtype=DT, **opts).eval()
    state = set_weights(m, g)
    L, S, batch = dims
    bf = opts.get('batch_first', False)

    def shape(n):
        if batch is None:
            return (n, embed)
        return (batch, n, embed) if bf else (n, batch, embed)

    q = uniform(g, shape(L), grad=True)
    inputs = {'query': q}
    if self_attn:
        k = v = q
    else:
        k = inputs['key'] = uniform(g, shape(S), grad=True)
        v = inputs['value'] = uniform(g, shape(S), grad=True)
    mk = mha_masks(g, masks, L, S, batch, heads)
    out, w = m(q, k, v, key_padding_mask=mk.get('keyPaddingMask'), attn_mask=mk.get('attnMask'), need_weights=need_weights)
    outputs = {'output': out}
    if need_weights:
        outputs['weights'] = w
    total, rs = weighted_sum(g, list(outputs.values()))
    total.backward()
    return {
        'id': cid, 'embedDim': embed, 'numHeads': heads, 'options': camel(opts), 'selfAttention': self_attn,
        'needWeights': need_weights, 'stateDict': state, 'keys': list(state.keys()),
        'inputs': {**{k2: enc(v2) for k2, v2 in inputs.items()}, **{k2: enc(v2) for k2, v2 in mk.items()}},
        'outputs': {k2: enc(v2) for k2, v2 in outputs.items()}, 'weights': rs,
        'grads': {'inputs': {k2: enc(v2.grad) for k2, v2 in inputs.items()}, 'params': param_grads(m)},
    }


ENC_CASES = [
    ('encoder/post-norm-relu', 6, 2, {'dim_feedforward': 8}, (4, 2), {}),
    ('encoder/pre-norm-gelu-batchfirst', 6, 3, {'dim_feedforward': 5, 'activation': 'gelu', 'norm_first': True, 'batch_first': True}, (3, 2), {'mask': 'causal', 'kpm': True}),
    ('encoder/post-norm-masks-eps', 4, 2, {'dim_feedforward': 6, 'layer_norm_eps': 1e-3}, (5, 2), {'mask': 'float', 'kpm': True}),
]


def encoder_case(cid, d, heads, opts, dims, masks):
    g = rng(cid)
    m = nn.TransformerEncoderLayer(d, heads, dtype=DT, **opts).eval()
    state = set_weights(m, g)
    L, batch = dims
    bf = opts.get('batch_first', False)
    src = uniform(g, (batch, L, d) if bf else (L, batch, d), grad=True)
    inputs = {'src': src}
    extra = {}
    if masks.get('mask') == 'causal':
        extra['srcMask'] = torch.ones(L, L, dtype=torch.bool).triu(1)
    elif masks.get('mask') == 'float':
        extra['srcMask'] = uniform(g, (L, L), -1, 1)
    if masks.get('kpm'):
        kpm = torch.tensor(g.uniform(size=(batch, L)) < 0.3)
        kpm[:, 0] = False
        extra['srcKeyPaddingMask'] = kpm
    out = m(src, src_mask=extra.get('srcMask'), src_key_padding_mask=extra.get('srcKeyPaddingMask'))
    total, rs = weighted_sum(g, [out])
    total.backward()
    return {
        'id': cid, 'dModel': d, 'nhead': heads, 'options': camel(opts), 'stateDict': state,
        'keys': list(state.keys()),
        'inputs': {**{k: enc(v) for k, v in inputs.items()}, **{k: enc(v) for k, v in extra.items()}},
        'outputs': {'output': enc(out)}, 'weights': rs,
        'grads': {'inputs': {'src': enc(src.grad)}, 'params': param_grads(m)},
    }


# ---------------------------------------------------------------- losses

def loss_case(cid, fn, x, t, opts, js_opts, target_grad=False, extra=None):
    """fn(x, t, **opts) in torch; js_opts are the Flint options (tensors referenced by name)."""
    out = fn(x, t, **opts)
    total = out.sum() if out.dim() == 0 else (out * torch.linspace(0.5, 1.5, out.numel(), dtype=DT).reshape(out.shape)).sum()
    total.backward()
    case = {'id': cid, 'inputs': {'input': enc(x), 'target': enc(t), **{k: enc(v) for k, v in (extra or {}).items()}},
            'options': js_opts, 'output': enc(out), 'grads': {'input': enc(x.grad)}}
    if target_grad:
        case['grads']['target'] = enc(t.grad)
    return case


def regression_cases():
    cases = []
    fns = [('mseLoss', F.mse_loss, [{}]), ('l1Loss', F.l1_loss, [{}]),
           ('smoothL1Loss', F.smooth_l1_loss, [{}, {'beta': 0.5}, {'beta': 0.0}, {'beta': 2.0}]),
           ('huberLoss', F.huber_loss, [{}, {'delta': 0.5}, {'delta': 2.0}])]
    for name, fn, variants in fns:
        for extra in variants:
            for red in ('none', 'mean', 'sum'):
                suffix = ''.join(f'-{k}{v}' for k, v in extra.items())
                cid = f'{name}/{red}{suffix}'
                g = rng(cid)
                x = uniform(g, (3, 4), -2, 2, grad=True)
                t = uniform(g, (3, 4), -2, 2, grad=True)
                cases.append(loss_case(cid, fn, x, t, {'reduction': red, **extra}, {'reduction': red, **extra}, True))
    return cases


def classification_cases():
    cases = []
    variants = [
        ('plain', {}, {}), ('weight', {'weight': True}, {}), ('ignore-default', {}, {'ignore': -100}),
        ('ignore-2-weight', {'weight': True, 'ignore_index': 2}, {'ignore': 2}),
        ('smooth', {'label_smoothing': 0.2}, {}), ('smooth-weight-ignore', {'weight': True, 'label_smoothing': 0.3}, {'ignore': -100}),
    ]
    for red in ('none', 'mean', 'sum'):
        for vname, opts, tmod in variants:
            for loss in ('crossEntropy', 'nllLoss'):
                if loss == 'nllLoss' and 'label_smoothing' in opts:
                    continue
                for shape in ((5, 4), (2, 4, 3, 2)):
                    dims = 'nd' if len(shape) > 2 else '2d'
                    cid = f'{loss}/{red}-{vname}-{dims}'
                    cases.append(class_index_case(cid, loss, shape, red, opts, tmod))
    for red in ('none', 'mean', 'sum'):
        for vname, opts in (('plain', {}), ('weight-smooth', {'weight': True, 'label_smoothing': 0.25})):
            for shape in ((3, 4), (2, 3, 2)):
                cid = f'crossEntropy/prob-{red}-{vname}-{len(shape)}d'
                cases.append(prob_target_case(cid, shape, red, opts))
    g = rng('unbatched')
    x = uniform(g, (5,), -2, 2, grad=True)
    cases.append(loss_case('crossEntropy/unbatched', F.cross_entropy, x, torch.tensor(3), {'label_smoothing': 0.1},
                           {'labelSmoothing': 0.1}))
    return cases


def class_index_case(cid, loss, shape, red, opts, tmod):
    g = rng(cid)
    C = shape[1]
    x = uniform(g, shape, -3, 3, grad=True)
    t_shape = (shape[0],) + shape[2:]
    t = torch.tensor(g.integers(0, C, size=t_shape))
    if 'ignore' in tmod:
        flat = t.view(-1)
        flat[0] = tmod['ignore']
        flat[-1] = tmod['ignore']
    js = {'reduction': red}
    topts = {'reduction': red}
    extra = {}
    if opts.get('weight'):
        extra['weight'] = uniform(g, (C,), 0.2, 2.0)
        topts['weight'] = extra['weight']
        js['weight'] = 'weight'
    if 'ignore_index' in opts:
        topts['ignore_index'] = opts['ignore_index']
        js['ignoreIndex'] = opts['ignore_index']
    if 'label_smoothing' in opts:
        topts['label_smoothing'] = opts['label_smoothing']
        js['labelSmoothing'] = opts['label_smoothing']
    if loss == 'nllLoss':
        base = x
        x_in = torch.log_softmax(base, 1).detach().requires_grad_(True)
        return loss_case(cid, F.nll_loss, x_in, t, topts, js, extra=extra)
    return loss_case(cid, F.cross_entropy, x, t, topts, js, extra=extra)


def prob_target_case(cid, shape, red, opts):
    g = rng(cid)
    C = shape[1]
    x = uniform(g, shape, -3, 3, grad=True)
    t = torch.softmax(uniform(g, shape, -2, 2), 1).detach().requires_grad_(True)
    topts, js, extra = {'reduction': red}, {'reduction': red}, {}
    if opts.get('weight'):
        extra['weight'] = uniform(g, (C,), 0.2, 2.0)
        topts['weight'], js['weight'] = extra['weight'], 'weight'
    if 'label_smoothing' in opts:
        topts['label_smoothing'] = js['labelSmoothing'] = opts['label_smoothing']
    return loss_case(cid, F.cross_entropy, x, t, topts, js, True, extra)


def binary_cases():
    cases = []
    for red in ('none', 'mean', 'sum'):
        for weighted in (False, True):
            cid = f'binaryCrossEntropy/{red}{"-weight" if weighted else ""}'
            g = rng(cid)
            x = uniform(g, (3, 4), 0.05, 0.95, grad=True)
            t = uniform(g, (3, 4), 0, 1)
            topts, js, extra = {'reduction': red}, {'reduction': red}, {}
            if weighted:
                extra['weight'] = uniform(g, (4,), 0.5, 2)
                topts['weight'], js['weight'] = extra['weight'], 'weight'
            cases.append(loss_case(cid, F.binary_cross_entropy, x, t, topts, js, extra=extra))
        for variant in ('plain', 'weight', 'posweight', 'both', 'large'):
            cid = f'binaryCrossEntropyWithLogits/{red}-{variant}'
            g = rng(cid)
            x = uniform(g, (3, 4), -4, 4)
            if variant == 'large':
                x = x * 20  # |logits| up to 80: the naive form would overflow exp
            x.requires_grad_(True)
            t = uniform(g, (3, 4), 0, 1, grad=True)
            topts, js, extra = {'reduction': red}, {'reduction': red}, {}
            if variant in ('weight', 'both'):
                extra['weight'] = uniform(g, (3, 1), 0.5, 2)
                topts['weight'], js['weight'] = extra['weight'], 'weight'
            if variant in ('posweight', 'both', 'large'):
                extra['posWeight'] = uniform(g, (4,), 0.5, 3)
                topts['pos_weight'], js['posWeight'] = extra['posWeight'], 'posWeight'
            cases.append(loss_case(cid, F.binary_cross_entropy_with_logits, x, t, topts, js, True, extra))
    return cases


def saturated_cases():
    """Edges where a naive gradient is NaN or torch picks a side (issue 15): BCE at probabilities of
    exactly 0 and 1 (a saturated sigmoid), whose input gradient torch gives in closed form as
    (p − y)/max((1 − p)p, 1e-12); and β = 0 smooth L1 at ties, where torch's gradient is −1."""
    cases = []
    probs = [[0.0, 0.0, 0.0, 1.0, 1.0, 1.0], [0.5, 1e-30, 1 - 1e-7, 0.25, 1e-8, 0.999]]
    labels = [[0.0, 1.0, 0.3, 0.0, 1.0, 0.3], [0.3, 0.0, 1.0, 1.0, 0.5, 0.0]]
    for red in ('none', 'mean', 'sum'):
        for weighted in (False, True):
            cid = f'binaryCrossEntropy/saturated-{red}{"-weight" if weighted else ""}'
            g = rng(cid)
            x = torch.tensor(probs, dtype=DT, requires_grad=True)
            t = torch.tensor(labels, dtype=DT)
            topts, js, extra = {'reduction': red}, {'reduction': red}, {}
            if weighted:
                extra['weight'] = uniform(g, (6,), 0.5, 2)
                topts['weight'], js['weight'] = extra['weight'], 'weight'
            cases.append(loss_case(cid, F.binary_cross_entropy, x, t, topts, js, extra=extra))
        cid = f'smoothL1Loss/{red}-beta0-ties'
        g = rng(cid)
        x = uniform(g, (3, 4), -2, 2)
        t = x.detach().clone()
        t[0, 1] += 0.5
        t[2, 2] -= 1.5
        x.requires_grad_(True)
        t.requires_grad_(True)
        cases.append(loss_case(cid, F.smooth_l1_loss, x, t, {'reduction': red, 'beta': 0.0}, {'reduction': red, 'beta': 0}, True))
    return cases


def kl_cases():
    cases = []
    for red in ('none', 'mean', 'sum', 'batchmean'):
        for log_target in (False, True):
            for zeros in (False, True):
                if log_target and zeros:
                    continue
                cid = f'klDiv/{red}{"-logtarget" if log_target else ""}{"-zeros" if zeros else ""}'
                g = rng(cid)
                x = torch.log_softmax(uniform(g, (3, 4), -2, 2), 1).detach().requires_grad_(True)
                p = torch.softmax(uniform(g, (3, 4), -2, 2), 1)
                if zeros:
                    p[0, 1] = 0.0
                    p[2, 3] = 0.0
                t = (p.log() if log_target else p).detach().requires_grad_(not zeros)
                cases.append(loss_case(cid, F.kl_div, x, t, {'reduction': red, 'log_target': log_target},
                                       {'reduction': red, 'logTarget': log_target}, not zeros))
    return cases


def write(name, doc):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(doc, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    size = os.path.getsize(path)
    print(f'{name}: {size / 1024:.0f} KiB')
    return size


def main():
    # kl_div's 'mean' is exercised on purpose; torch warns that it differs from 'batchmean'.
    warnings.filterwarnings('ignore', message="reduction: 'mean' divides")
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    total = write('nn-rnn.json', {
        'layers': [rnn_case(*c) for c in RNN_CASES],
        'cells': [cell_case(*c) for c in CELL_CASES],
    })
    total += write('nn-attention.json', {
        'sdpa': [sdpa_case(*c) for c in SDPA_CASES],
        'mha': [mha_case(*c) for c in MHA_CASES],
        'encoder': [encoder_case(*c) for c in ENC_CASES],
    })
    total += write('nn-loss.json', {
        'cases': regression_cases() + classification_cases() + binary_cases() + kl_cases() + saturated_cases(),
    })
    print(f'total {total / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
