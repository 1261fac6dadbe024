#!/usr/bin/python3
"""Writes the golden fixtures of @flint/core's optimizer tests from PyTorch (Debian's python3).

    FLINT_FIXTURES=1 bash scripts/bootstrap.sh   # installs python3-torch python3-numpy
    /usr/bin/python3 scripts/gen-optim-fixtures.py
    # rewrites packages/core/test/fixtures/optim-{optimizers,schedulers,clip}.json

Tests never run this; they read the committed JSON. Everything is float64 and fully determined by
the explicit values below (no random draws), so a rerun with the same PyTorch gives the same bytes.

Options are written in Flint's camelCase spelling (`weightDecay`); `torch_kwargs` maps them to
PyTorch's keyword arguments, so the test reads the same option objects the optimizers were given.
"""
import json
import math
import os
import re

import torch
from torch.optim import lr_scheduler as sched

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'packages', 'core', 'test', 'fixtures')
SHARED = os.path.join(HERE, '..', 'packages', 'conformance', 'fixtures', 'nn')
STEPS = 5
LONG_STEPS = 12
SCHED_STEPS = 30

# The problem: loss = mean((X @ W + b - Y)^2) over a fixed batch. `u` is in every optimizer's
# parameter list but never used by the loss, so its grad stays None and step() must skip it.
PROBLEM = {
    'W': [[0.5, -0.3, 0.8], [-0.2, 0.4, 0.1]],
    'b': [0.1, -0.1, 0.05],
    'u': [1.0, -2.0],
    'X': [[1.0, 2.0], [-0.5, 0.3], [0.7, -1.2], [2.0, 0.1]],
    'Y': [[0.3, -0.1, 1.2], [0.0, 0.5, -0.4], [1.1, 0.2, 0.3], [-0.6, 0.9, 0.0]],
}
NAMES = ['W', 'b', 'u']


def snake(name):
    if name in ('tMax', 't0', 'tMult'):
        return 'T_' + name[1:].lower()  # the paper's capital T (T_max, T_0, T_mult)
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def torch_kwargs(opts):
    return {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}


def optimizer_cases():
    g2 = lambda a, b: [{'params': ['W'], **a}, {'params': ['b', 'u'], **b}]  # noqa: E731
    return [
        ('sgd/plain', 'SGD', {'lr': 0.1}, None, None),
        ('sgd/momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9}, None, None),
        ('sgd/momentum-dampening', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.5}, None, None),
        ('sgd/nesterov-weight-decay', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True, 'weightDecay': 0.1}, None, None),
        ('sgd/maximize', 'SGD', {'lr': 0.01, 'momentum': 0.5, 'maximize': True}, None, None),
        ('sgd/groups', 'SGD', {'lr': 0.1, 'momentum': 0.9}, g2({}, {'lr': 0.01, 'momentum': 0.0}), {2: [0.05, 0.02]}),
        # A group that turns momentum off under nesterov defaults trains as plain SGD (issue 15).
        ('sgd/nesterov-group-no-momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True},
         g2({}, {'momentum': 0.0}), None),
        ('adam/plain', 'Adam', {'lr': 0.05}, None, None),
        ('adam/betas-eps', 'Adam', {'lr': 0.05, 'betas': [0.8, 0.95], 'eps': 1e-6}, None, None),
        ('adam/weight-decay', 'Adam', {'lr': 0.05, 'weightDecay': 0.1}, None, None),
        ('adam/amsgrad', 'Adam', {'lr': 0.1, 'betas': [0.9, 0.5], 'amsgrad': True}, None, None),
        ('adam/maximize', 'Adam', {'lr': 0.01, 'maximize': True}, None, None),
        ('adam/groups', 'Adam', {'lr': 0.05}, g2({}, {'lr': 0.01, 'weightDecay': 0.1, 'amsgrad': True}), {3: [0.02, 0.02]}),
        ('adamw/plain', 'AdamW', {'lr': 0.05}, None, None),
        ('adamw/weight-decay-amsgrad', 'AdamW', {'lr': 0.05, 'weightDecay': 0.5, 'amsgrad': True, 'betas': [0.9, 0.5]}, None, None),
        ('adamw/groups', 'AdamW', {'lr': 0.05}, g2({'weightDecay': 0.0}, {'lr': 0.02, 'weightDecay': 0.3}), None),
        ('rmsprop/plain', 'RMSprop', {'lr': 0.01}, None, None),
        ('rmsprop/momentum', 'RMSprop', {'lr': 0.01, 'momentum': 0.9, 'alpha': 0.9}, None, None),
        ('rmsprop/centered', 'RMSprop', {'lr': 0.01, 'centered': True}, None, None),
        ('rmsprop/centered-momentum-weight-decay', 'RMSprop',
         {'lr': 0.01, 'centered': True, 'momentum': 0.5, 'weightDecay': 0.1, 'eps': 1e-4}, None, None),
        ('rmsprop/maximize', 'RMSprop', {'lr': 0.001, 'maximize': True}, None, None),
        ('rmsprop/groups', 'RMSprop', {'lr': 0.01}, g2({'momentum': 0.9}, {'lr': 0.001, 'centered': True}), None),
        ('adagrad/plain', 'Adagrad', {'lr': 0.1}, None, None),
        ('adagrad/decay-weight-decay-accumulator', 'Adagrad',
         {'lr': 0.1, 'lrDecay': 0.05, 'weightDecay': 0.1, 'initialAccumulatorValue': 0.5, 'eps': 1e-6}, None, None),
        ('adagrad/maximize', 'Adagrad', {'lr': 0.01, 'maximize': True}, None, None),
        ('adagrad/groups', 'Adagrad', {'lr': 0.1}, g2({}, {'lr': 0.3, 'lrDecay': 0.1}), None),
        # NAdam and RAdam run LONG_STEPS: RAdam's rectified branch starts only once rho_t > 5.
        ('nadam/plain', 'NAdam', {'lr': 0.05}, None, None, LONG_STEPS),
        ('nadam/weight-decay-momentum-decay', 'NAdam',
         {'lr': 0.05, 'weightDecay': 0.1, 'momentumDecay': 0.05, 'betas': [0.8, 0.95], 'eps': 1e-6}, None, None, LONG_STEPS),
        ('nadam/groups', 'NAdam', {'lr': 0.05}, g2({}, {'lr': 0.01, 'momentumDecay': 0.0}), {6: [0.02, 0.02]}, LONG_STEPS),
        ('radam/plain', 'RAdam', {'lr': 0.05}, None, None, LONG_STEPS),
        ('radam/weight-decay-betas', 'RAdam', {'lr': 0.05, 'weightDecay': 0.1, 'betas': [0.8, 0.99], 'eps': 1e-6},
         None, None, LONG_STEPS),
        ('radam/groups', 'RAdam', {'lr': 0.05}, g2({}, {'lr': 0.01, 'weightDecay': 0.2}), None, LONG_STEPS),
    ]


def tensors():
    params = {n: torch.tensor(PROBLEM[n], dtype=torch.float64, requires_grad=True) for n in NAMES}
    X = torch.tensor(PROBLEM['X'], dtype=torch.float64)
    Y = torch.tensor(PROBLEM['Y'], dtype=torch.float64)
    return params, X, Y


def loss_fn(params, X, Y):
    return (X @ params['W'] + params['b'] - Y).square().mean()


def plain(x):
    """State-dict values as JSON: tensors as nested lists, tuples as lists."""
    if isinstance(x, torch.Tensor):
        return x.item() if x.dim() == 0 else x.tolist()
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    return x


def foreach(name):
    """The single-tensor loop (the reference formulas, step by step), except for NAdam: torch
    1.13's single-tensor NAdam counts mu_t twice in mu_product_next (fixed in torch 2.0, pytorch
    PR 92699), while its multi-tensor NAdam already has the corrected formula Flint follows."""
    return name == 'NAdam'


def run_optimizer(cid, name, opts, groups, lr_changes, steps=STEPS):
    params, X, Y = tensors()
    cls = getattr(torch.optim, name)
    kwargs = torch_kwargs(opts)
    kwargs['foreach'] = foreach(name)
    if groups is None:
        opt = cls([params[n] for n in NAMES], **kwargs)
    else:
        opt = cls([{**torch_kwargs({k: v for k, v in g.items() if k != 'params'}),
                    'params': [params[n] for n in g['params']]} for g in groups], **kwargs)
    trajectory, mid = [], None
    for step in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        loss_fn(params, X, Y).backward()
        opt.step()
        trajectory.append({n: params[n].tolist() for n in NAMES})
        if lr_changes and step in lr_changes:
            for g, lr in zip(opt.param_groups, lr_changes[step]):
                g['lr'] = lr
        if step == 3:
            mid = {'params': {n: params[n].tolist() for n in NAMES}, 'stateDict': plain(opt.state_dict())}
    case = {'id': cid, 'optimizer': name, 'options': opts, 'trajectory': trajectory, 'afterStep3': mid}
    if groups is not None:
        case['groups'] = groups
    if lr_changes:
        case['lrChanges'] = {str(k): v for k, v in lr_changes.items()}
    if steps != STEPS:
        case['steps'] = steps
    return case


# ---- 0-d parameters ----

# pred = s · (X v): `s` is a 0-d parameter, so plain() writes its state (exp_avg, momentum_buffer,
# step, …) as bare numbers, which Flint must load as one-element tensors (issue 15).
SCALAR_PROBLEM = {
    's': 0.7,
    'v': [0.4, -0.6],
    'X': [[1.0, 2.0], [-0.5, 0.3], [0.7, -1.2], [2.0, 0.1]],
    'Y': [0.3, -0.2, 1.1, 0.6],
}
SCALAR_NAMES = ['s', 'v']


def scalar_cases():
    return [
        ('sgd/momentum-nesterov', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True}),
        ('adam/amsgrad', 'Adam', {'lr': 0.05, 'amsgrad': True}),
        ('adamw/plain', 'AdamW', {'lr': 0.05, 'weightDecay': 0.1}),
        ('rmsprop/centered-momentum', 'RMSprop', {'lr': 0.01, 'centered': True, 'momentum': 0.5}),
        ('adagrad/lr-decay', 'Adagrad', {'lr': 0.1, 'lrDecay': 0.05}),
        ('nadam/weight-decay', 'NAdam', {'lr': 0.05, 'weightDecay': 0.1}),
        ('radam/plain', 'RAdam', {'lr': 0.05}),
    ]


def run_scalar(cid, name, opts):
    params = {n: torch.tensor(SCALAR_PROBLEM[n], dtype=torch.float64, requires_grad=True) for n in SCALAR_NAMES}
    X = torch.tensor(SCALAR_PROBLEM['X'], dtype=torch.float64)
    Y = torch.tensor(SCALAR_PROBLEM['Y'], dtype=torch.float64)
    opt = getattr(torch.optim, name)([params[n] for n in SCALAR_NAMES], **torch_kwargs(opts), foreach=foreach(name))
    trajectory, mid = [], None
    for step in range(1, STEPS + 1):
        opt.zero_grad(set_to_none=True)
        (params['s'] * (X @ params['v']) - Y).square().mean().backward()
        opt.step()
        trajectory.append({n: params[n].tolist() for n in SCALAR_NAMES})
        if step == 3:
            mid = {'params': {n: params[n].tolist() for n in SCALAR_NAMES}, 'stateDict': plain(opt.state_dict())}
    return {'id': cid, 'optimizer': name, 'options': opts, 'trajectory': trajectory, 'afterStep3': mid}


# ---- schedulers ----

LAMBDAS = {
    # Mirrored by name in packages/core/test/optim-schedulers.test.ts.
    'warmup5': lambda e: min(1.0, (e + 1) / 5),
    'inverse': lambda e: 1.0 / (1 + 0.1 * e),
}


def build_scheduler(spec, opt):
    kind = spec['name']
    if kind == 'ChainedScheduler':
        return sched.ChainedScheduler([build_scheduler(s, opt) for s in spec['schedulers']])
    if kind == 'SequentialLR':
        inner = [build_scheduler(s, opt) for s in spec['schedulers']]
        return sched.SequentialLR(opt, inner, milestones=spec['milestones'])
    kwargs = torch_kwargs(spec.get('options', {}))
    if kind == 'LambdaLR':
        kwargs['lr_lambda'] = LAMBDAS[spec['lambda']]
    return getattr(sched, kind)(opt, **kwargs)


def scheduler_cases():
    sgd2 = {'name': 'SGD', 'options': {'lr': 0.1, 'momentum': 0.9}, 'groupLrs': [0.1, 0.01]}
    sgd1 = {'name': 'SGD', 'options': {'lr': 0.1}, 'groupLrs': [0.1]}
    adam2 = {'name': 'Adam', 'options': {'lr': 0.01, 'betas': [0.9, 0.99]}, 'groupLrs': [0.01, 0.002]}
    rms = {'name': 'RMSprop', 'options': {'lr': 0.01}, 'groupLrs': [0.01]}
    s = lambda name, **options: {'name': name, 'options': options}  # noqa: E731
    plateau_metrics = [1.0, 0.9, 0.95, 0.91, 0.905, 0.8, 0.8, 0.8, 0.8, 0.79, 0.7, 0.71, 0.72, 0.73, 0.74,
                       0.75, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    rising = [0.1, 0.2, 0.2, 0.25, 0.2, 0.2, 0.2, 0.2, 0.3, 0.31, 0.3, 0.3, 0.3, 0.3, 0.3,
              0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
    return [
        ('step-lr', sgd2, s('StepLR', stepSize=7, gamma=0.5), None),
        ('multi-step-lr', sgd2, s('MultiStepLR', milestones=[5, 12, 12, 20], gamma=0.3), None),
        ('constant-lr', sgd1, s('ConstantLR', factor=0.5, totalIters=4), None),
        ('linear-lr/defaults', sgd2, s('LinearLR'), None),
        ('linear-lr/decay', sgd1, s('LinearLR', startFactor=1.0, endFactor=0.1, totalIters=20), None),
        ('exponential-lr', sgd2, s('ExponentialLR', gamma=0.9), None),
        ('cosine-annealing-lr', sgd2, s('CosineAnnealingLR', tMax=10, etaMin=0.001), None),
        ('lambda-lr', sgd2, {'name': 'LambdaLR', 'lambda': 'warmup5'}, None),
        ('one-cycle-lr/defaults-sgd', sgd2, s('OneCycleLR', maxLr=0.1, totalSteps=SCHED_STEPS), None),
        ('one-cycle-lr/three-phase-linear-adam', adam2,
         s('OneCycleLR', maxLr=[0.05, 0.01], epochs=3, stepsPerEpoch=10, pctStart=0.25, annealStrategy='linear',
           threePhase=True, divFactor=10.0, finalDivFactor=100.0), None),
        ('one-cycle-lr/rmsprop', rms, s('OneCycleLR', maxLr=0.02, totalSteps=SCHED_STEPS, pctStart=0.4), None),
        ('reduce-lr-on-plateau/min-rel', sgd2,
         s('ReduceLROnPlateau', factor=0.5, patience=2, threshold=0.01, cooldown=1, minLr=[0.01, 0.002]), plateau_metrics),
        ('reduce-lr-on-plateau/max-abs', sgd1,
         s('ReduceLROnPlateau', mode='max', thresholdMode='abs', threshold=0.05, patience=1, factor=0.2), rising),
        ('chained/constant-exponential', sgd2,
         {'name': 'ChainedScheduler', 'schedulers': [s('ConstantLR', factor=0.1, totalIters=2), s('ExponentialLR', gamma=0.9)]}, None),
        ('chained/step-linear', sgd1,
         {'name': 'ChainedScheduler', 'schedulers': [s('StepLR', stepSize=4, gamma=0.5), s('LinearLR', startFactor=0.2, totalIters=6)]}, None),
        ('sequential/warmup-cosine', sgd2,
         {'name': 'SequentialLR', 'milestones': [5],
          'schedulers': [s('LinearLR', startFactor=0.1, totalIters=5), s('CosineAnnealingLR', tMax=20)]}, None),
        ('sequential/three', sgd1,
         {'name': 'SequentialLR', 'milestones': [3, 10],
          'schedulers': [s('ConstantLR', factor=0.5, totalIters=3), s('ExponentialLR', gamma=0.8), s('StepLR', stepSize=4, gamma=0.5)]}, None),
        ('cosine-warm-restarts/t0', sgd2, s('CosineAnnealingWarmRestarts', t0=5), None),
        ('cosine-warm-restarts/tmult-eta-min', sgd2, s('CosineAnnealingWarmRestarts', t0=3, tMult=2, etaMin=0.001), None),
        # step(epoch) with fractional epochs (an epoch split into batches), a jump back and ahead.
        ('cosine-warm-restarts/fractional-epochs', sgd1, s('CosineAnnealingWarmRestarts', t0=4, tMult=2), None,
         [0.4 * k for k in range(1, 21)] + [1.5, 2.0, 30.25, 31.0, 45.5, 4.0, 3.999, 12.0, 11.75, 100.0]),
        ('cosine-warm-restarts/fractional-tmult-1', sgd1, s('CosineAnnealingWarmRestarts', t0=3, etaMin=0.01), None,
         [0.5 * k for k in range(1, 31)]),
        ('cyclic-lr/triangular-sgd', sgd2, s('CyclicLR', baseLr=[0.001, 0.0005], maxLr=[0.1, 0.05], stepSizeUp=4), None),
        ('cyclic-lr/triangular2-asymmetric', sgd2,
         s('CyclicLR', baseLr=0.001, maxLr=0.1, stepSizeUp=3, stepSizeDown=5, mode='triangular2',
           baseMomentum=0.85, maxMomentum=0.95), None),
        ('cyclic-lr/exp-range-adam', adam2,
         s('CyclicLR', baseLr=0.001, maxLr=0.01, stepSizeUp=5, mode='exp_range', gamma=0.95, cycleMomentum=False), None),
        ('sequential/warmup-warm-restarts', sgd2,
         {'name': 'SequentialLR', 'milestones': [5],
          'schedulers': [s('LinearLR', startFactor=0.1, totalIters=5), s('CosineAnnealingWarmRestarts', t0=4, tMult=2)]}, None),
        ('sequential/lambda-multistep', sgd2,
         {'name': 'SequentialLR', 'milestones': [8],
          'schedulers': [{'name': 'LambdaLR', 'lambda': 'inverse'}, s('MultiStepLR', milestones=[4, 10], gamma=0.5)]}, None),
    ]


def momentum_of(group):
    return group['betas'][0] if 'betas' in group else group.get('momentum')


def run_scheduler(cid, optim_spec, sched_spec, metrics, epochs=None):
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    q = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    lrs = optim_spec['groupLrs']
    groups = [{'params': [t], 'lr': lr} for t, lr in zip([p, q], lrs)]
    opt = getattr(torch.optim, optim_spec['name'])(groups, **torch_kwargs(optim_spec['options']))
    scheduler = build_scheduler(sched_spec, opt)
    last = (lambda: [g['lr'] for g in opt.param_groups]) if metrics else scheduler.get_last_lr
    lr_seq = [last()]
    mom_seq = [[momentum_of(g) for g in opt.param_groups]]
    # OneCycleLR cases use total_steps == SCHED_STEPS: torch allows exactly that many step() calls.
    for i in range(SCHED_STEPS):
        opt.step()  # no grads: a no-op that keeps torch's call-order check quiet
        if metrics:
            scheduler.step(metrics[i])
        elif epochs:
            scheduler.step(epochs[i])
        else:
            scheduler.step()
        lr_seq.append(last())
        mom_seq.append([momentum_of(g) for g in opt.param_groups])
    case = {'id': cid, 'optimizer': optim_spec, 'scheduler': sched_spec, 'lrs': lr_seq}
    if sched_spec['name'] in ('OneCycleLR', 'CyclicLR'):
        case['momentums'] = mom_seq
    if metrics:
        case['metrics'] = metrics
    if epochs:
        case['epochs'] = epochs
    return case


# ---- gradient clipping ----

def clip_cases():
    grads = {'W': [[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]], 'b': [0.05, -0.4, 1.5]}
    cases = []
    for norm_type in [2.0, 1.0, 3.0, math.inf]:
        for max_norm in [0.5, 100.0]:
            ts = [torch.tensor(grads[n], dtype=torch.float64, requires_grad=True) for n in ['W', 'b']]
            for t, n in zip(ts, ['W', 'b']):
                t.grad = torch.tensor(grads[n], dtype=torch.float64)
            total = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type)
            cases.append({'kind': 'norm', 'maxNorm': max_norm, 'normType': 'inf' if math.isinf(norm_type) else norm_type,
                          'total': total.item(), 'grads': {n: t.grad.tolist() for t, n in zip(ts, ['W', 'b'])}})
    for value in [0.45, 10.0]:
        ts = [torch.tensor(grads[n], dtype=torch.float64, requires_grad=True) for n in ['W', 'b']]
        for t, n in zip(ts, ['W', 'b']):
            t.grad = torch.tensor(grads[n], dtype=torch.float64)
        torch.nn.utils.clip_grad_value_(ts, value)
        cases.append({'kind': 'value', 'clipValue': value, 'grads': {n: t.grad.tolist() for t, n in zip(ts, ['W', 'b'])}})
    return {'grads': grads, 'cases': cases}


def write(name, doc):
    # The optimizer fixture is shared with the conformance suite (which ships it).
    path = os.path.join(SHARED if name == 'optimizers' else OUT, f'optim-{name}.json')
    with open(path, 'w') as f:
        json.dump(doc, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print(f'optim-{name}.json: {os.path.getsize(path) / 1024:.0f} KiB')


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SHARED, exist_ok=True)
    meta = {'torch': torch.__version__.split('+')[0]}
    write('optimizers', {**meta, 'problem': PROBLEM, 'steps': STEPS,
                         'cases': [run_optimizer(*c) for c in optimizer_cases()],
                         'scalar': {'problem': SCALAR_PROBLEM, 'cases': [run_scalar(*c) for c in scalar_cases()]}})
    write('schedulers', {**meta, 'cases': [run_scheduler(*c) for c in scheduler_cases()]})
    write('clip', {**meta, **clip_cases()})


if __name__ == '__main__':
    main()
