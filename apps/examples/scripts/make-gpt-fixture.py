#!/usr/bin/python3
"""Make the GPT parity fixture of apps/examples (src/import.ts and test/import.test.ts).

Defines the GPT of src/gpt-model.ts in PyTorch — same classes, same field names, so the state-dict
keys are the Flint module's — trains a tiny copy (d_model 32, 4 heads, 2 blocks) for 150 seeded
AdamW steps on words from /usr/share/dict/words, and writes into apps/examples/fixtures/:

  gpt.safetensors       the state dict (tok.weight, pos.weight, blocks.0.ln1.weight, …, head.bias),
                        float32; __metadata__ holds the sizes and the vocabulary
  gpt-io.safetensors    tokens I32 [4, 16] (CharDataset's input layout) and PyTorch's logits for
                        them, F32 [4, 16, 27], in eval mode

The safetensors writer is make-import-fixture.py's (imported, not copied). Run with Debian's
Python and PyTorch (`FLINT_FIXTURES=1 bash scripts/bootstrap.sh` installs them), from anywhere:

  /usr/bin/python3 apps/examples/scripts/make-gpt-fixture.py
"""
import importlib.util
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures')

_spec = importlib.util.spec_from_file_location('import_fixture', os.path.join(HERE, 'make-import-fixture.py'))
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

SEQ_LEN = fx.SEQ_LEN  # 16, as char-rnn.ts and gpt.ts
SIZES = {'dModel': 32, 'nHead': 4, 'nLayer': 2, 'blockSize': SEQ_LEN}


# ---- model (mirrors src/gpt-model.ts field for field) ---------------------------------------------


def causal_mask(t):
    """[T, T] bool, True above the diagonal: blocked, as nn.MultiheadAttention reads a bool mask."""
    return torch.ones(t, t, dtype=torch.bool).triu(1)


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, n_head, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        y = x + a
        return y + self.mlp(self.ln2(y))


class GPT(nn.Module):
    def __init__(self, vocab, d, n_head, n_layer, block_size):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block_size, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(t))
        mask = causal_mask(t)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    words = fx.load_words()
    chars = ['.'] + sorted(set(''.join(words)))
    pick = torch.randperm(len(words))[:2000].tolist()
    train_words = [words[i] for i in pick]
    x, y = fx.encode(train_words, chars)
    model = GPT(len(chars), SIZES['dModel'], SIZES['nHead'], SIZES['nLayer'], SIZES['blockSize'])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(150):
        idx = torch.randint(0, len(train_words), (64,))
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[idx]).reshape(-1, len(chars)), y[idx].reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f'gpt: {len(losses)} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}')
    model.eval()
    probe = ['flint', 'transformer', 'attention', 'a']
    tokens, _ = fx.encode(probe, chars)
    with torch.no_grad():
        logits = model(tokens)
    meta = {
        'producer': 'apps/examples/scripts/make-gpt-fixture.py',
        'torch': torch.__version__,
        'chars': ''.join(chars),
        **{k: str(v) for k, v in SIZES.items()},
    }
    path = os.path.join(OUT, 'gpt.safetensors')
    fx.save_safetensors(model.state_dict(), path, meta)
    io_meta = {'producer': meta['producer'], 'torch': meta['torch'], 'words': ','.join(probe)}
    fx.save_safetensors({'tokens': tokens.to(torch.int32), 'logits': logits}, os.path.join(OUT, 'gpt-io.safetensors'), io_meta)

    # The writer round-trips.
    back = fx.load_safetensors(path)
    sd = model.state_dict()
    assert back.keys() == sd.keys() and all(torch.equal(back[k], sd[k]) for k in sd)
    for f in ('gpt.safetensors', 'gpt-io.safetensors'):
        print(f'  fixtures/{f}: {os.path.getsize(os.path.join(OUT, f))} bytes')


if __name__ == '__main__':
    main()
