"""Each optimizer's update on 10⁶ parameters against a minimal in-place NumPy version.

mlopt's updates are pure (new state arrays each step, ``params - step`` applied by the
caller); the reference updates preallocated buffers in place with ``out=`` arguments, the
fastest way to write the same formula in NumPy. Both sides apply the step to the parameters in
place, so the ratio measures the cost of mlopt's immutable, readable form. Goal: ratio ≤ 1.3.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mlopt import optimizers

TITLE = "Optimizer update, 10⁶ float64 parameters: mlopt / minimal in-place NumPy"


def _sgd(p, g, lr, mu=0.0, nesterov=False):
    buf, tmp = np.copy(g), np.empty_like(g)

    def step():
        nonlocal p, buf, tmp
        if mu:
            buf *= mu
            buf += g
        if nesterov:
            np.multiply(buf, mu, out=tmp)
            tmp += g
            tmp *= lr
        else:
            np.multiply(buf if mu else g, lr, out=tmp)
        p -= tmp

    return step


def _adagrad(p, g, lr, eps=1e-10):
    total, tmp = np.zeros_like(g), np.empty_like(g)

    def step():
        nonlocal p, total, tmp
        np.multiply(g, g, out=tmp)
        total += tmp
        np.sqrt(total, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        p -= tmp

    return step


def _rmsprop(p, g, lr, alpha=0.99, eps=1e-8):
    v, tmp = np.zeros_like(g), np.empty_like(g)

    def step():
        nonlocal p, v, tmp
        v *= alpha
        np.multiply(g, g, out=tmp)
        tmp *= 1 - alpha
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        p -= tmp

    return step


def _adadelta(p, g, lr=1.0, rho=0.9, eps=1e-6):
    v, u = np.zeros_like(g), np.zeros_like(g)
    delta, tmp = np.empty_like(g), np.empty_like(g)

    def step():
        nonlocal p, v, u, delta, tmp
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1 - rho
        v += tmp
        np.add(u, eps, out=delta)
        np.sqrt(delta, out=delta)
        np.add(v, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        delta /= tmp
        delta *= g
        u *= rho
        np.multiply(delta, delta, out=tmp)
        tmp *= 1 - rho
        u += tmp
        delta *= lr
        p -= delta

    return step


def _adam(p, g, lr, beta1=0.9, beta2=0.999, eps=1e-8, amsgrad=False, decay=0.0):
    m, v, v_max, tmp = (np.zeros_like(g) for _ in range(4))
    t = 0

    def step():
        nonlocal p, m, v, v_max, tmp, t
        t += 1
        if decay:
            p *= 1 - lr * decay
        m *= beta1
        np.multiply(g, 1 - beta1, out=tmp)
        m += tmp
        v *= beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        if amsgrad:
            np.maximum(v_max, v, out=v_max)
        np.sqrt(v_max if amsgrad else v, out=tmp)
        tmp /= math.sqrt(1 - beta2**t)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / (1 - beta1**t)
        p -= tmp

    return step


CASES = [
    ("sgd", {"lr": 0.01}, lambda p, g: _sgd(p, g, 0.01)),
    ("sgd momentum", {"lr": 0.01, "momentum": 0.9}, lambda p, g: _sgd(p, g, 0.01, 0.9)),
    ("sgd nesterov", {"lr": 0.01, "momentum": 0.9, "nesterov": True},
     lambda p, g: _sgd(p, g, 0.01, 0.9, nesterov=True)),
    ("adagrad", {"lr": 0.01}, lambda p, g: _adagrad(p, g, 0.01)),
    ("rmsprop", {"lr": 0.01}, lambda p, g: _rmsprop(p, g, 0.01)),
    ("adadelta", {}, lambda p, g: _adadelta(p, g)),
    ("adam", {"lr": 0.001}, lambda p, g: _adam(p, g, 0.001)),
    ("adam amsgrad", {"lr": 0.001, "amsgrad": True},
     lambda p, g: _adam(p, g, 0.001, amsgrad=True)),
    ("adamw", {"lr": 0.001}, lambda p, g: _adam(p, g, 0.001, decay=1e-2)),
]


def _mlopt_step(opt, p, g):
    state = opt.init(p)

    def step():
        nonlocal state
        s, state = opt.update(g, state, p)
        np.subtract(p, s, out=p)

    return step


def interleaved_best(fns, *, rounds, number):
    """Best seconds per call of each function, timed in alternation.

    Alternating the two sides round by round exposes both to the same disturbances (other
    processes on a shared machine); the minimum over rounds is the least disturbed.
    """
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / number)
    return best


def run(quick=False):
    n = 10_000 if quick else 1_000_000
    rounds, number = (3, 2) if quick else (15, 3)
    rng = np.random.default_rng(0)
    g = rng.normal(size=n)
    rows = []
    for name, kwargs, reference in CASES:
        factory = getattr(optimizers, name.split()[0])
        ours = _mlopt_step(factory(**kwargs), rng.normal(size=n), g)
        ref = reference(rng.normal(size=n), g)
        for fn in (ours, ref):  # warm up: first-touch page faults, allocator growth
            fn()
            fn()
        t_ours, t_ref = interleaved_best([ours, ref], rounds=rounds, number=number)
        rows.append({"case": name, "n_params": n, "mlopt_ms": 1e3 * t_ours,
                     "numpy_inplace_ms": 1e3 * t_ref, "ratio": t_ours / t_ref})
    return rows
