#!/usr/bin/python3
"""Writes the golden fixtures of Flint's Transformer stack from PyTorch 1.13.

    /usr/bin/python3 scripts/gen-nn-transformer-fixtures.py
    # rewrites packages/conformance/fixtures/nn/nn-transformer.json only

Cases: TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and Transformer, in float64,
in eval mode (dropout off). Weights come from a NumPy generator seeded by the case id (the same
helpers as gen-nn-rnn-loss-fixtures.py), so the state dict (torch's keys, in torch's order) is what
Flint loads: a renamed or reordered key fails the case. Each case stores the inputs and masks,
the output, and the gradients of Σ output·R (stored R) with respect to the float inputs and every
parameter.
"""
import importlib.util
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('rnnfx', os.path.join(HERE, 'gen-nn-rnn-loss-fixtures.py'))
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)
DT = fx.DT


def seq(g, n, batch, d, bf):
    """A [n, batch, d] sequence ([batch, n, d] with batch_first, [n, d] when batch is None)."""
    shape = (n, d) if batch is None else ((batch, n, d) if bf else (n, batch, d))
    return fx.uniform(g, shape, grad=True)


def mask(g, kind, rows, cols):
    if kind == 'causal-bool':
        return torch.ones(rows, cols, dtype=torch.bool).triu(1)
    if kind == 'causal-float':
        return nn.Transformer.generate_square_subsequent_mask(rows).to(DT)
    if kind == 'float':
        return fx.uniform(g, (rows, cols), -1, 1)
    if kind == 'bool':
        m = torch.tensor(g.uniform(size=(rows, cols)) < 0.3)
        m[:, 0] = False  # keep one key for every query
        return m
    raise ValueError(kind)


def padding(g, batch, n):
    m = torch.tensor(g.uniform(size=(n,) if batch is None else (batch, n)) < 0.3)
    m[..., 0] = False
    return m


def layer_opts(opts):
    return {k: v for k, v in opts.items() if k in (
        'dim_feedforward', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first', 'dropout')}


def build(kind, d, heads, opts):
    lo = {**layer_opts(opts), 'dropout': 0.0}
    if kind == 'decoderLayer':
        return nn.TransformerDecoderLayer(d, heads, dtype=DT, **lo)
    if kind == 'encoder':
        norm = nn.LayerNorm(d, dtype=DT) if opts.get('norm') else None
        return nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, dtype=DT, **lo), opts['layers'], norm)
    if kind == 'decoder':
        norm = nn.LayerNorm(d, dtype=DT) if opts.get('norm') else None
        return nn.TransformerDecoder(nn.TransformerDecoderLayer(d, heads, dtype=DT, **lo), opts['layers'], norm)
    return nn.Transformer(d, heads, opts['enc'], opts['dec'], dtype=DT, **lo)


# id, kind, dModel, nhead, options (torch keywords + layers/norm/enc/dec), (S, T, batch), masks
CASES = [
    ('decoderLayer/post-norm-relu', 'decoderLayer', 6, 2, {'dim_feedforward': 8}, (4, 3, 2),
     {'tgtMask': 'causal-bool', 'memoryKeyPaddingMask': True}),
    ('decoderLayer/pre-norm-gelu-batchfirst', 'decoderLayer', 6, 3,
     {'dim_feedforward': 5, 'activation': 'gelu', 'norm_first': True, 'batch_first': True}, (3, 4, 2),
     {'tgtMask': 'causal-float', 'memoryMask': 'float', 'tgtKeyPaddingMask': True}),
    ('decoderLayer/unbatched-eps', 'decoderLayer', 4, 2, {'dim_feedforward': 6, 'layer_norm_eps': 1e-3},
     (5, 3, None), {'memoryMask': 'bool'}),
    ('encoder/2layer-norm-masks', 'encoder', 6, 2, {'dim_feedforward': 8, 'layers': 2, 'norm': True},
     (4, None, 2), {'mask': 'float', 'srcKeyPaddingMask': True}),
    ('encoder/3layer-batchfirst-prenorm', 'encoder', 4, 2,
     {'dim_feedforward': 6, 'layers': 3, 'batch_first': True, 'norm_first': True}, (3, None, 2),
     {'mask': 'causal-bool'}),
    ('decoder/2layer-norm-causal-hint', 'decoder', 6, 2, {'dim_feedforward': 8, 'layers': 2, 'norm': True},
     (4, 3, 2), {'tgtIsCausal': True, 'memoryKeyPaddingMask': True}),
    ('transformer/post-norm-all-masks', 'transformer', 6, 2, {'dim_feedforward': 8, 'enc': 2, 'dec': 2},
     (4, 3, 2), {'srcMask': 'float', 'tgtMask': 'causal-float', 'memoryMask': 'bool',
                 'srcKeyPaddingMask': True, 'tgtKeyPaddingMask': True, 'memoryKeyPaddingMask': True}),
    ('transformer/pre-norm-gelu-batchfirst', 'transformer', 4, 2,
     {'dim_feedforward': 6, 'enc': 1, 'dec': 2, 'activation': 'gelu', 'norm_first': True, 'batch_first': True},
     (3, 4, 2), {'tgtIsCausal': True}),
    ('transformer/unbatched', 'transformer', 4, 1, {'dim_feedforward': 5, 'enc': 1, 'dec': 1}, (3, 2, None),
     {'tgtMask': 'causal-float'}),
]


def make_masks(g, masks, S, T, batch):
    out = {}
    for k, v in masks.items():
        if k == 'tgtIsCausal':
            continue
        rows, cols = {'tgtMask': (T, T), 'memoryMask': (T, S), 'srcMask': (S, S), 'mask': (S, S)}.get(k, (0, 0))
        if k.endswith('KeyPaddingMask'):
            out[k] = padding(g, batch, S if k in ('srcKeyPaddingMask', 'memoryKeyPaddingMask') else T)
        else:
            out[k] = mask(g, v, rows, cols)
    if masks.get('tgtIsCausal'):
        out['_causal'] = nn.Transformer.generate_square_subsequent_mask(T).to(DT)
    return out


def call(kind, m, ins, mk):
    """Run the torch module; the causal hint is given to torch as the mask it stands for."""
    tgt_mask = mk.get('tgtMask', mk.get('_causal'))
    if kind == 'decoderLayer':
        return m(ins['tgt'], ins['memory'], tgt_mask=tgt_mask, memory_mask=mk.get('memoryMask'),
                 tgt_key_padding_mask=mk.get('tgtKeyPaddingMask'), memory_key_padding_mask=mk.get('memoryKeyPaddingMask'))
    if kind == 'encoder':
        return m(ins['src'], mask=mk.get('mask'), src_key_padding_mask=mk.get('srcKeyPaddingMask'))
    if kind == 'decoder':
        return m(ins['tgt'], ins['memory'], tgt_mask=tgt_mask, memory_mask=mk.get('memoryMask'),
                 tgt_key_padding_mask=mk.get('tgtKeyPaddingMask'), memory_key_padding_mask=mk.get('memoryKeyPaddingMask'))
    return m(ins['src'], ins['tgt'], src_mask=mk.get('srcMask'), tgt_mask=tgt_mask, memory_mask=mk.get('memoryMask'),
             src_key_padding_mask=mk.get('srcKeyPaddingMask'), tgt_key_padding_mask=mk.get('tgtKeyPaddingMask'),
             memory_key_padding_mask=mk.get('memoryKeyPaddingMask'))


def case(cid, kind, d, heads, opts, dims, masks):
    g = fx.rng(cid)
    m = build(kind, d, heads, opts).eval()
    state = fx.set_weights(m, g)
    S, T, batch = dims
    bf = opts.get('batch_first', False)
    ins = {}
    if kind in ('encoder', 'transformer'):
        ins['src'] = seq(g, S, batch, d, bf)
    if kind != 'encoder':
        ins['tgt'] = seq(g, T, batch, d, bf)
    if kind in ('decoderLayer', 'decoder'):
        ins['memory'] = seq(g, S, batch, d, bf)
    mk = make_masks(g, masks, S, T, batch)
    out = call(kind, m, ins, mk)
    total, rs = fx.weighted_sum(g, [out])
    total.backward()
    flint_opts = fx.camel({k: v for k, v in opts.items() if k not in ('layers', 'norm', 'enc', 'dec')})
    return {
        'id': cid, 'kind': kind, 'dModel': d, 'nhead': heads, 'options': flint_opts,
        'layers': opts.get('layers'), 'norm': bool(opts.get('norm')),
        'numEncoderLayers': opts.get('enc'), 'numDecoderLayers': opts.get('dec'),
        'tgtIsCausal': bool(masks.get('tgtIsCausal')),
        'stateDict': state, 'keys': list(state.keys()),
        'inputs': {**{k: fx.enc(v) for k, v in ins.items()},
                   **{k: fx.enc(v) for k, v in mk.items() if not k.startswith('_') and masks[k] != 'causal-float'}},
        # −∞ has no JSON form: these masks are made on the Flint side by generateSquareSubsequentMask(n)
        'generatedMasks': {k: int(v.shape[0]) for k, v in mk.items() if masks.get(k) == 'causal-float'},
        'outputs': {'output': fx.enc(out)}, 'weights': rs,
        'grads': {'inputs': {k: fx.enc(v.grad) for k, v in ins.items()}, 'params': fx.param_grads(m)},
    }


def main():
    torch.manual_seed(0)
    os.makedirs(fx.OUT, exist_ok=True)
    fx.write('nn-transformer.json', {'cases': [case(*c) for c in CASES]})


if __name__ == '__main__':
    main()
