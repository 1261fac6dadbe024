#!/usr/bin/python3
"""Make the model-import fixture of apps/examples (src/import.ts and its test).

Trains two small PyTorch models for a few steps — the CNN of src/cnn.ts on a slice of
Fashion-MNIST and a small version of the character LSTM of src/char-rnn.ts on words from
/usr/share/dict/words — and writes into apps/examples/fixtures/:

  cnn.safetensors          the CNN's state dict (keys 0.weight … 7.bias, float32)
  char-lstm.safetensors    the LSTM model's state dict (embed.weight, lstm.weight_ih_l0, …, head.bias)
  import-inputs.safetensors  the inputs to predict on: images F32 [8, 1, 28, 28], tokens I32 [4, 16]
  expected.json            PyTorch's outputs for those inputs (logits), labels, vocabulary

There is no `safetensors` Python package here, so this script writes the format itself, the way
the reference implementation lays it out: u64 little-endian header length, compact JSON header
(`__metadata__` first, then tensors sorted by dtype — F64, F32, I32, BOOL — then by name, in data
order), padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor data.

Run with Debian's Python and PyTorch (python3-torch, python3-numpy; `FLINT_FIXTURES=1 bash
scripts/bootstrap.sh` installs them), from anywhere:

  /usr/bin/python3 apps/examples/scripts/make-import-fixture.py
"""
import gzip
import json
import os
import re
import struct
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures')
FASHION_DIRS = [d for d in (os.environ.get('FLINT_DATA'), os.environ.get('FLINT_DATA') and os.path.join(os.environ['FLINT_DATA'], 'fashion-mnist')) if d] + [
    '/usr/share/datasets/fashion-mnist'
]
WORDS = '/usr/share/dict/words'
SEQ_LEN = 16

# ---- safetensors ----------------------------------------------------------------------------------

# Rank in the reference's Dtype enum; tensors are written in descending rank, then by name.
DTYPES = {torch.float64: ('F64', 3), torch.float32: ('F32', 2), torch.int32: ('I32', 1), torch.bool: ('BOOL', 0)}


def save_safetensors(tensors, path, metadata=None):
    entries = []
    for name, t in tensors.items():
        if t.dtype not in DTYPES:
            raise ValueError(f'{name}: unsupported dtype {t.dtype}')
        entries.append((name, t.detach().contiguous().cpu()))
    entries.sort(key=lambda e: (-DTYPES[e[1].dtype][1], e[0].encode('utf-8')))
    parts, blobs, offset = [], [], 0
    if metadata:
        parts.append('"__metadata__":' + json.dumps(dict(sorted(metadata.items())), separators=(',', ':'), ensure_ascii=False))
    for name, t in entries:
        data = t.numpy().astype(t.numpy().dtype.newbyteorder('<'), copy=False).tobytes()
        header = {'dtype': DTYPES[t.dtype][0], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        parts.append(json.dumps(name, ensure_ascii=False) + ':' + json.dumps(header, separators=(',', ':')))
        blobs.append(data)
        offset += len(data)
    head = ('{' + ','.join(parts) + '}').encode('utf-8')
    head += b' ' * (-len(head) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path):
    """Read back what save_safetensors wrote (a check of the writer, not a general reader)."""
    names = {'F64': np.float64, 'F32': np.float32, 'I32': np.int32, 'BOOL': np.bool_}
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n :]
    return {
        k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0] : v['data_offsets'][1]], dtype=names[v['dtype']]).reshape(v['shape']).copy())
        for k, v in header.items()
    }


# ---- data -----------------------------------------------------------------------------------------


def read_idx(name):
    for d in FASHION_DIRS:
        for candidate in (name, name + '.gz'):
            p = os.path.join(d, candidate)
            if os.path.isfile(p):
                opener = gzip.open if p.endswith('.gz') else open
                with opener(p, 'rb') as f:
                    raw = f.read()
                ndim = raw[3]
                shape = struct.unpack('>' + 'I' * ndim, raw[4 : 4 + 4 * ndim])
                return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    sys.exit(f'{name} not found in {FASHION_DIRS}: install the Debian package dataset-fashion-mnist (bash scripts/bootstrap.sh)')


def load_words():
    if not os.path.isfile(WORDS):
        sys.exit(f'{WORDS} not found: install the Debian package wamerican (bash scripts/bootstrap.sh)')
    seen = {}
    with open(WORDS, encoding='utf-8') as f:
        for line in f:
            w = line.strip()
            if re.fullmatch('[a-z]+', w) and len(w) < SEQ_LEN:
                seen[w] = None
    return list(seen)


# ---- models (mirror src/cnn.ts and src/char-rnn.ts) ----------------------------------------------


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 10),
    )


class CharRNN(nn.Module):
    def __init__(self, vocab, embed_dim, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)


def encode(words, chars):
    """CharDataset's layout: input [end, c1 … cn, pad…], target [c1 … cn, end, -100…]; end token 0."""
    ids = {c: i for i, c in enumerate(chars)}
    x = torch.zeros(len(words), SEQ_LEN, dtype=torch.int64)
    y = torch.full((len(words), SEQ_LEN), -100, dtype=torch.int64)
    for r, w in enumerate(words):
        for k, c in enumerate(w):
            x[r, k + 1] = ids[c]
            y[r, k] = ids[c]
        y[r, len(w)] = 0
    return x, y


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    meta = {'producer': 'apps/examples/scripts/make-import-fixture.py', 'torch': torch.__version__}

    # CNN: 2 epochs of Adam over the first 512 training images.
    images = torch.from_numpy(read_idx('train-images-idx3-ubyte')[:512].astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(read_idx('train-labels-idx1-ubyte')[:512].astype(np.int64))
    model = cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2):
        perm = torch.randperm(512)
        for s in range(0, 512, 32):
            idx = perm[s : s + 32]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(images[idx]), labels[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    print(f'cnn: {len(losses)} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}')
    model.eval()
    test_x = torch.from_numpy(read_idx('t10k-images-idx3-ubyte')[:8].astype(np.float32) / 255).unsqueeze(1)
    test_y = read_idx('t10k-labels-idx1-ubyte')[:8].astype(int).tolist()
    with torch.no_grad():
        cnn_logits = model(test_x)
    save_safetensors(model.state_dict(), os.path.join(OUT, 'cnn.safetensors'), meta)

    # Char LSTM: 150 steps of Adam on 2,000 random words.
    words = load_words()
    chars = ['.'] + sorted(set(''.join(words)))
    pick = torch.randperm(len(words))[:2000].tolist()
    train_words = [words[i] for i in pick]
    x, y = encode(train_words, chars)
    rnn = CharRNN(len(chars), 16, 32)
    opt = torch.optim.Adam(rnn.parameters(), lr=3e-3)
    losses = []
    for step in range(150):
        idx = torch.randint(0, len(train_words), (64,))
        opt.zero_grad()
        loss = nn.functional.cross_entropy(rnn(x[idx]).reshape(-1, len(chars)), y[idx].reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f'char-lstm: {len(losses)} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}')
    rnn.eval()
    probe = ['flint', 'tensor', 'backpropagation', 'a']
    tokens, _ = encode(probe, chars)
    with torch.no_grad():
        rnn_logits = rnn(tokens)
    save_safetensors(rnn.state_dict(), os.path.join(OUT, 'char-lstm.safetensors'), meta)

    save_safetensors({'images': test_x, 'tokens': tokens.to(torch.int32)}, os.path.join(OUT, 'import-inputs.safetensors'), meta)
    expected = {
        'torch': torch.__version__,
        'cnn': {'labels': test_y, 'predicted': cnn_logits.argmax(1).tolist(), 'logits': cnn_logits.tolist()},
        'charLstm': {
            'chars': ''.join(chars),
            'embedDim': 16,
            'hiddenSize': 32,
            'seqLen': SEQ_LEN,
            'words': probe,
            'logits': rnn_logits.tolist(),
        },
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')

    # The writer round-trips.
    for name, sd in (('cnn', model.state_dict()), ('char-lstm', rnn.state_dict())):
        back = load_safetensors(os.path.join(OUT, f'{name}.safetensors'))
        assert back.keys() == sd.keys() and all(torch.equal(back[k], sd[k]) for k in sd), name
    for f in sorted(os.listdir(OUT)):
        print(f'  fixtures/{f}: {os.path.getsize(os.path.join(OUT, f))} bytes')


if __name__ == '__main__':
    main()
