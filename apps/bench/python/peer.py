"""Worker process for the bench's PyTorch and NumPy peers.

Usage: peer.py torch|numpy THREADS. Reads one JSON command per line on stdin and answers one
JSON line on stdout, so the Node harness can interleave repetitions with its in-process
adapters. Each repetition is timed here, so pipe latency never counts. Thread variables
(OMP/OpenBLAS/MKL) are set by the harness before this process starts, because BLAS reads them
when it loads.
"""
import json
import os
import sys
import time

LIB = sys.argv[1]
THREADS = int(sys.argv[2])
torch = np = None
handles = {}
next_handle = [0]


def blas_in_use():
    """The BLAS library actually mapped into this process (Debian switches it by alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {os.path.realpath(line.split()[-1]) for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    # OpenBLAS maps its own library besides the libblas.so.3 shim: name that one when present.
    named = sorted(p for p in libs if "openblas" in os.path.basename(p)) or sorted(libs)
    return ", ".join(os.path.basename(p) for p in named) or "none loaded"


def info():
    global torch, np
    try:
        if LIB == "torch":
            import torch as t

            torch = t
            torch.set_num_threads(THREADS)
            torch.manual_seed(0)
            a = torch.randn(64, 64)
            _ = a @ a  # loads BLAS so it shows up in the process maps
            version = f"torch {torch.__version__}"
            threads = torch.get_num_threads()
        else:
            import numpy as n

            np = n
            a = np.ones((64, 64), np.float32)
            _ = a @ a
            version = f"numpy {np.__version__}"
            threads = THREADS
    except ImportError as e:
        pkg = "python3-torch" if LIB == "torch" else "python3-numpy"
        return {"skip": f"{LIB} not importable ({e}); Debian package {pkg}"}
    notes = [f"BLAS {blas_in_use()}"]
    if "OPENBLAS_CORETYPE" in os.environ:
        notes.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}")
    return {"version": version, "threads": threads, "notes": notes}


def timed(fn):
    def run():
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1e3

    return run


def train_step(model, x, y):
    """One Adam step with the mean softmax cross-entropy, as the JS adapters do."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    def live():
        """The tensors that persist between steps: parameters, gradients, Adam state, batch."""
        state = [t for st in opt.state.values() for t in st.values() if torch.is_tensor(t)]
        params = list(model.parameters())
        return params + [p.grad for p in params if p.grad is not None] + state + [x, y]

    step.live = live
    return step


def mlp(s):
    sizes, layers = s["sizes"], []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i]))
        if i + 1 < len(sizes):
            layers.append(torch.nn.ReLU())
    x = torch.randn(s["batch"], sizes[0])
    return train_step(torch.nn.Sequential(*layers), x, torch.randint(0, sizes[-1], (s["batch"],)))


def cnn(s):
    nn, (c1, c2) = torch.nn, s["channels"]
    flat = c2 * (s["size"] // 4) ** 2
    model = nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, s["hidden"]), nn.ReLU(), nn.Linear(s["hidden"], 10),
    )
    x = torch.randn(s["batch"], 1, s["size"], s["size"])
    return train_step(model, x, torch.randint(0, 10, (s["batch"],)))


def recurrent(s, kind):
    """One-layer nn.LSTM or nn.GRU over [seq, batch, input], a linear head on the last state."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(s["input"], s["hidden"])
            self.head = nn.Linear(s["hidden"], s["classes"])

        def forward(self, x):
            _, state = self.rnn(x)
            h = state[0] if kind == "lstm" else state
            return self.head(h[-1])

    x = torch.randn(s["seq"], s["batch"], s["input"])
    return train_step(Net(), x, torch.randint(0, s["classes"], (s["batch"],)))


def conv(s, backward):
    f = torch.nn.functional
    x = torch.randn(s["batch"], s["cin"], s["size"], s["size"], requires_grad=backward)
    w = torch.randn(s["cout"], s["cin"], s["k"], s["k"], requires_grad=backward)
    if not backward:
        return lambda: f.conv2d(x, w, padding=1)
    return lambda: torch.autograd.grad(f.conv2d(x, w, padding=1).sum(), [x, w])


def dispatch(s):
    x = torch.randn(s["size"])

    def run():
        y = x
        for _ in range(s["ops"]):
            y = y + x

    return run


def replay_peak(fn):
    """Peak rise of CPU allocator bytes while `fn` runs, replaying every allocation and free.

    Debian's torch has no Kineto; its legacy profiler records one `memory_alloc` event per
    allocation (+bytes) and free (-bytes) in the order they happen. Summing those in order gives
    the exact peak, as Flint's probe backend sees it at each free. (Summing the ops' `self` memory
    instead undercounts: a parent op's negative self total, from freeing its children's
    temporaries, lands before the children's allocations and cancels their transient peak.)
    """
    from torch.autograd import _disable_profiler_legacy
    from torch.autograd.profiler_legacy import profile

    profile(profile_memory=True).__enter__()
    try:
        fn()
    finally:
        records = _disable_profiler_legacy()
    events = sorted(
        ((r.start_us(), i, r.cpu_memory_usage()) for thread in records for i, r in enumerate(thread)
         if r.kind() == "memory_alloc"),
        key=lambda e: (e[0], e[1]))
    cur = peak = 0
    for _, _, delta in events:
        cur += delta
        peak = max(peak, cur)
    return peak


def replay_selfcheck():
    """A case whose true peak is known: exp(x) is a temporary of (exp(x) * x).sum().

    Live at the peak: exp(x) and exp(x) * x, two float32 [256, 256] tensors (the sum's 4-byte
    result comes after the temporary is freed). Returns the measured and the expected rise.
    """
    x = torch.randn(256, 256)
    expected = 2 * x.numel() * 4
    return {"measured": replay_peak(lambda: x.exp().mul(x).sum()), "expected": expected}


def peak_memory(s):
    """Peak CPU tensor bytes during one MLP step, everything live included.

    The bytes live before the step are summed from its tensors (CPU torch keeps no allocator
    totals); the rise above them is replayed from the profiler's allocation events.
    """
    step = mlp(s)

    def run():
        storages = {t.storage().data_ptr(): t.storage().nbytes() for t in step.live()}
        return sum(storages.values()) + replay_peak(step)

    return run


def torch_impl(s):
    f = s["family"]
    rows, cols = s.get("rows"), s.get("cols")
    r = lambda *shape: torch.randn(*shape)  # noqa: E731
    if f == "matmul":
        a, b = r(s["n"], s["n"]), r(s["n"], s["n"])
        return timed(lambda: a @ b)
    if f in ("add", "exp", "fmaRelu", "sumRows", "softmaxRows"):
        x, y, w, b = r(rows, cols), r(rows, cols), r(cols), r(cols)
        body = {
            "add": lambda: x + y,
            "exp": lambda: torch.exp(x),
            "fmaRelu": lambda: torch.relu(x * w + b),
            "sumRows": lambda: x.sum(1),
            "softmaxRows": lambda: torch.softmax(x, 1),
        }[f]
        return timed(body)
    makers = {
        "conv2dForward": lambda: conv(s, False),
        "conv2dBackward": lambda: conv(s, True),
        "mlpStep": lambda: mlp(s),
        "cnnStep": lambda: cnn(s),
        "lstmStep": lambda: recurrent(s, "lstm"),
        "gruStep": lambda: recurrent(s, "gru"),
        "dispatch": lambda: dispatch(s),
    }
    if f == "peakMemory":
        return peak_memory(s)
    if f not in makers:
        return None
    return timed(makers[f]())


def numpy_impl(s):
    if s["family"] != "matmul":
        return None
    rng = np.random.default_rng(0)
    a = rng.standard_normal((s["n"], s["n"]), dtype=np.float32)
    b = rng.standard_normal((s["n"], s["n"]), dtype=np.float32)
    return timed(lambda: a @ b)


def handle(msg):
    cmd = msg["cmd"]
    if cmd == "info":
        return info()
    if cmd == "selfcheck":
        return replay_selfcheck()
    if cmd == "prepare":
        run = (torch_impl if LIB == "torch" else numpy_impl)(msg["spec"])
        if run is None:
            return {"skip": f"no {msg['spec']['family']} workload for the {LIB} peer"}
        next_handle[0] += 1
        key = next_handle[0]
        handles[key] = run
        return {"handle": key}
    if cmd == "run":
        return {"value": handles[msg["handle"]]()}
    if cmd == "dispose":
        handles.pop(msg["handle"], None)
        return {}
    return {"error": f"unknown command {cmd}"}


def main():
    for line in sys.stdin:
        try:
            out = handle(json.loads(line))
        except Exception as e:  # reported to the harness as a failed cell, never a crash
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
