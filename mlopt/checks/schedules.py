"""Checks for the graded exercise of chapter 07, learning-rate schedules and early stopping."""

from __future__ import annotations

import functools
import math

import numpy as np

from mlopt.checks._core import Mistake, call_on_copies, check_array
from mlopt.losses import squared_error
from mlopt.optimizers import sgd
from mlopt.schedules import cosine, step
from mlopt.training import minibatches, minimize_stochastic

__all__ = [
    "check_cosine_lr",
    "check_step_decay_lr",
    "check_early_stopping",
    "check_train_with_early_stopping",
    "reference_early_stopping",
    "make_problem",
]


def _values(fn, name, ts, *args):
    """``[fn(t, *args) for t in ts]`` as floats; explains a non-number."""
    out = []
    for t in ts:
        value = fn(int(t), *args)
        if value is None:
            raise AssertionError(f"{name}(t={t}, ...) returned None. Did you forget `return`?")
        try:
            size = np.size(value)
        except ValueError:           # e.g. a list of an array and a number
            size = -1
        if size != 1:
            raise AssertionError(
                f"{name}(t={t}, ...) should return one number (the rate at step t), got "
                f"{type(value).__name__} {str(value)[:40]!r}."
            )
        try:
            out.append(float(np.asarray(value, dtype=float).reshape(())))
        except (TypeError, ValueError):
            raise AssertionError(f"{name}(t={t}, ...) should return one number (the rate at "
                                 f"step t), got {type(value).__name__} "
                                 f"{str(value)[:40]!r}.") from None
    return np.array(out)


def _check_schedule(got, expected, what, *, mistakes, context, phase=None):
    """:func:`check_array` on a schedule's values; an unrecognised answer is reported at the
    first step whose rate is wrong, with its phase (warmup, cosine part, ...)."""
    def label(t):
        return f"t = {t} ({phase(t)})" if phase else f"t = {t}"

    check_array(got, expected, what, mistakes=mistakes, context=context, label=label)


def _cosine_family(ts, lr, T, W, min_lr, *, phase=math.pi, warm=lambda t, W: (t + 1) / W,
                   floor=True, clamp=True, offset=True, integer=False):
    """Cosine-with-warmup values over ``ts`` with one ingredient changed (to name a mistake)."""
    out = []
    n = T - W
    for t in ts:
        if t < W:
            out.append(lr * warm(t, W))
            continue
        x = (t - W) if offset else t
        length = n if offset else T
        if clamp:
            x = min(x, length)
        lo = min_lr if floor else 0.0
        progress = x // length if integer else x / length
        out.append(lo + 0.5 * (lr - lo) * (1 + math.cos(phase * progress)))
    return np.array(out)


def check_cosine_lr(cosine_lr, *, lr=0.5, total_steps=12, warmup_steps=3, min_lr=0.05):
    """Check ``cosine_lr(t, lr, total_steps, warmup_steps, min_lr)`` at every step 0..T+3."""
    T, W = total_steps, warmup_steps
    ts = np.arange(T + 4)
    ref = cosine(lr, T, warmup_steps=W, min_lr=min_lr)
    expected = np.array([ref(int(t)) for t in ts])
    fam = dict(lr=lr, T=T, W=W, min_lr=min_lr)

    def piecewise(progress):
        """The right warmup and floor, with the cosine part's progress replaced."""
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_part = min_lr + 0.5 * (lr - min_lr) * (1 + np.cos(np.pi * progress))
            return np.where(ts < W, lr * (ts + 1) / max(W, 1), np.where(ts > T, min_lr,
                                                                           cos_part))

    mistakes = []
    if W > 0:
        mistakes += [
            Mistake(_cosine_family(ts, **fam, warm=lambda t, W: t / W), "the warmup is off by "
                    "one: it starts at 0, so step 0 is wasted. Use lr * (t + 1) / warmup_steps, "
                    "which reaches lr at t = warmup_steps - 1"),
            Mistake(_cosine_family(ts, **fam, warm=lambda t, W: (t + 1) / (W + 1)), "the warmup "
                    "is off by one: lr * (t + 1) / (warmup_steps + 1) never reaches lr; use "
                    "lr * (t + 1) / warmup_steps"),
            Mistake(_cosine_family(ts, **fam, warm=lambda t, W: 1.0), "the warmup is missing: "
                    "for t < warmup_steps the rate is lr * (t + 1) / warmup_steps"),
            Mistake(_cosine_family(ts, **fam, offset=False), "the cosine must start when the "
                    "warmup ends: use (t - warmup_steps) / (total_steps - warmup_steps), not "
                    "t / total_steps"),
            Mistake(_cosine_family(ts, lr, T, 0, min_lr), "the warmup is missing, and the "
                    "cosine must start at t = warmup_steps: for t < warmup_steps the rate is "
                    "lr * (t + 1) / warmup_steps"),
            Mistake(_cosine_family(ts, **fam, warm=lambda t, W: t / max(W - 1, 1)), "the "
                    "warmup is off by one: it starts at 0, so step 0 is wasted. Use "
                    "lr * (t + 1) / warmup_steps, which reaches lr at t = warmup_steps - 1"),
            Mistake(_cosine_family(ts, **fam, warm=lambda t, W: (t + 1) // W), "(t + 1) // "
                    "warmup_steps is integer division (0 until the last warmup step); use "
                    "/ : lr * (t + 1) / warmup_steps"),
            Mistake(np.where(ts == W, lr * (W + 1) / W, expected), "the warmup lasts one step "
                    "too long: it is t < warmup_steps (t = 0, ..., warmup_steps - 1); at "
                    "t = warmup_steps the cosine part starts, at lr"),
            Mistake(np.where(ts < W, min_lr + (lr - min_lr) * (ts + 1) / W, expected), "the "
                    "warmup rises from 0, not from min_lr: lr * (t + 1) / warmup_steps"),
            Mistake(piecewise((ts - W) / T), "the cosine part lasts total_steps - "
                    "warmup_steps steps: its progress is (t - warmup_steps) / (total_steps - "
                    "warmup_steps), not (t - warmup_steps) / total_steps"),
        ]
    mistakes += [
        Mistake(_cosine_family(ts, **fam, phase=1.0), "the cosine's argument needs the factor "
                "π: cos(π · progress), with progress going from 0 to 1, takes the rate from lr "
                "down to min_lr"),
        Mistake(_cosine_family(ts, **fam, phase=2 * math.pi), "the period is wrong: with "
                "cos(2π · progress) the rate comes back up to lr at the end. Use "
                "cos(π · progress), half a period"),
        Mistake(_cosine_family(ts, **fam, phase=math.pi / 2), "with cos(π/2 · progress) the "
                "rate only falls to the midpoint. Use cos(π · progress)"),
        Mistake(_cosine_family(ts, **fam, floor=False), "min_lr is ignored: the rate must end "
                "at min_lr, min_lr + 0.5 * (lr - min_lr) * (1 + cos(...))"),
        Mistake(_cosine_family(ts, **fam, clamp=False), "after total_steps the rate must stay "
                "at min_lr; yours rises again (clamp the progress at 1, e.g. "
                "min(t - warmup_steps, total_steps - warmup_steps))"),
        Mistake(_cosine_family(ts, **fam, integer=True), "the progress (t - warmup_steps) // "
                "(total_steps - warmup_steps) is an integer division, 0 until the end: use / "
                "so that it goes smoothly from 0 to 1"),
        *[Mistake(value, "the cosine part is off by one: at t = warmup_steps its progress is 0 "
                  "and the rate is lr; use t - warmup_steps, not t - warmup_steps + 1")
          for value in (piecewise((ts - W + 1) / (T - W)),
                        piecewise(np.minimum((ts - W + 1) / (T - W), 1.0)))],
        Mistake(np.where(ts > T, 0.0, expected), "after total_steps the rate stays at min_lr, "
                "not 0"),
        Mistake(np.where(ts >= W, expected + 0.5 * min_lr * (1 + np.cos(np.pi * np.clip(
            (ts - W) / (T - W), 0, 1))), expected), "the cosine part must go from lr down to "
                "min_lr: its amplitude is lr - min_lr, min_lr + 0.5 * (lr - min_lr) * "
                "(1 + cos(...))"),
    ]
    got = _values(cosine_lr, "cosine_lr", ts, lr, T, W, min_lr)

    def phase(t):
        if t < W:
            return f"warmup, t < warmup_steps = {W}"
        if t <= T:
            return f"cosine part, warmup_steps <= t <= total_steps = {T}"
        return f"after total_steps = {T}"

    _check_schedule(got, expected, "cosine_lr(t, ...) for t = 0, 1, ..., total_steps + 3",
                    mistakes=mistakes, phase=phase,
                    context=f"lr={lr}, total_steps={T}, warmup_steps={W}, min_lr={min_lr}")


def check_step_decay_lr(step_decay_lr, *, lr=0.8, step_size=3, gamma=0.5):
    """Check ``step_decay_lr(t, lr, step_size, gamma)`` = lr · gamma ** (t // step_size).

    A second pass uses another gamma: with gamma = 0.5, ``1 - gamma`` would equal it."""
    for g in (gamma, 0.2 if gamma != 0.2 else 0.3):
        _check_step_decay(step_decay_lr, lr, step_size, g)


def _check_step_decay(step_decay_lr, lr, step_size, gamma):
    ts = np.arange(4 * step_size + 2)
    ref = step(lr, step_size, gamma)
    expected = np.array([ref(int(t)) for t in ts])
    mistakes = [
        Mistake(lr * gamma ** ts, "gamma is applied at every step; it should be applied once "
                "every step_size steps: lr * gamma ** (t // step_size)"),
        Mistake(lr * gamma ** (ts / step_size), "t / step_size is a float, so the rate decays "
                "smoothly (exponential decay). Use integer division, t // step_size, for steps"),
        Mistake(lr * gamma ** (ts // step_size + 1), "off by one: the first step_size steps "
                "(t = 0, ..., step_size - 1) must use lr itself, gamma ** 0 = 1"),
        Mistake(lr * gamma ** ((ts + 1) // step_size), "off by one: the first decay happens at "
                "t = step_size, not at t = step_size - 1; use t // step_size"),
        Mistake(lr * gamma * (ts // step_size), "raise gamma to the power of the number of "
                "decays: lr * gamma ** (t // step_size), not lr * gamma * (t // step_size)"),
        Mistake(lr * (1 - gamma) ** (ts // step_size), "gamma is the factor the rate is "
                "multiplied by at each decay, not the fraction removed: lr * gamma ** "
                "(t // step_size), not (1 - gamma)"),
        Mistake(lr * gamma ** np.ceil(ts / step_size), "the first decay happens at "
                "t = step_size, so round down: t // step_size (ceil decays from t = 1)"),
        Mistake(lr * gamma ** ((ts - 1) // step_size), "off by one: t starts at 0, so use "
                "t // step_size, not (t - 1) // step_size (which gives lr / gamma at t = 0)"),
        Mistake(lr * gamma ** (ts % step_size), "t % step_size is the position inside the "
                "current period; the exponent is the number of periods done, t // step_size"),
    ]
    if gamma != 0.1:
        mistakes.append(Mistake(lr * 0.1 ** (ts // step_size), "the argument gamma is "
                                "ignored: the rate was multiplied by 0.1, its default"))
    got = _values(step_decay_lr, "step_decay_lr", ts, lr, step_size, gamma)
    _check_schedule(got, expected, "step_decay_lr(t, ...) for t = 0, 1, ...", mistakes=mistakes,
                    context=f"lr={lr}, step_size={step_size}, gamma={gamma}")


def reference_early_stopping(val_losses, patience, *, ties_improve=False, reset=True,
                             stop_late=0):
    """The early-stopping rule of :func:`mlopt.training.minimize_stochastic`, on a list.

    Returns ``(stop_epoch, best_epoch)``: ``stop_epoch`` is the first epoch at which the loss
    has not improved on its best for ``patience`` consecutive epochs (None if that never
    happens), ``best_epoch`` the epoch of the lowest loss up to there (the first one on ties).
    The keyword arguments reproduce typical mistakes.
    """
    best, best_epoch, wait = val_losses[0], 0, 0
    for epoch in range(1, len(val_losses)):
        value = val_losses[epoch]
        if value < best or (ties_improve and value == best):
            best, best_epoch = value, epoch
            if reset:
                wait = 0
        else:
            wait += 1
            if wait >= patience + stop_late:
                return epoch, best_epoch
    return None, best_epoch


def _sequences(seed):
    """Validation and training losses: designed cases, then a noisy U-shaped curve."""
    rng = np.random.default_rng(seed)
    designed = [
        # a bump early, the real minimum later, then a rise
        [1.0, 0.8, 0.85, 0.7, 0.6, 0.62, 0.55, 0.58, 0.6, 0.61, 0.63, 0.66, 0.7],
        # a tie with the best, which is not an improvement
        [1.0, 0.5, 0.7, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8],
        # the lowest value comes after the stop: it must not be seen
        [1.0, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.5],
        # no stop: improves to the end
        [1.0, 0.9, 0.8, 0.85, 0.7, 0.6, 0.5],
        # alternating: never `patience` consecutive misses unless the counter is not reset
        [1.0, 0.9, 0.95, 0.85, 0.9, 0.8, 0.86, 0.75, 0.8, 0.7, 0.72, 0.74, 0.76, 0.78],
    ]
    epochs = np.arange(40)
    noisy = 0.5 + 0.5 * np.exp(-epochs / 6) + 0.004 * epochs + 0.03 * rng.normal(size=40)
    # training only makes it worse: the best epoch is 0, the loss before training (last, so
    # that the cases above keep naming the mistakes they were designed for)
    worse = [1.0, 1.1, 1.05, 1.2, 1.15, 1.3, 1.25, 1.4, 1.35, 1.5, 1.45, 1.6, 1.55, 1.7]
    out = []
    for val in designed + [noisy.round(4).tolist(), worse]:
        val = [float(v) for v in val]
        train = list(np.linspace(1.0, 0.2, len(val)) * val[0])
        out.append((train, val))
    return out


def check_early_stopping(early_stopping, *, patience=3, seed=0):
    """Check ``early_stopping(train_losses, val_losses, patience) -> (stop_epoch, best_epoch)``."""
    what = "early_stopping(train_losses, val_losses, patience)"
    for train, val in _sequences(seed):
        expected = reference_early_stopping(val, patience)
        train_copy, val_copy = list(train), list(val)
        got = early_stopping(train_copy, val_copy, patience)
        if train_copy != train or val_copy != val:
            raise AssertionError("early_stopping modified its input list in place (sorted it, "
                                 "appended or removed values). Leave the lists as they are: "
                                 "the training loop keeps appending to them.")
        context = f"val_losses={val}, patience={patience}"
        if got is None:
            raise AssertionError(f"{what} returned None. Did you forget "
                                 "`return stop_epoch, best_epoch`?")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"{what} should return the pair `stop_epoch, best_epoch`, got "
                                 f"{got!r}.")
        _check_epoch_types(got, what)
        got = tuple(None if g is None else int(g) for g in got)
        if got == expected:
            continue
        stop, best = expected
        last = len(val) - 1
        mistakes = [
            (reference_early_stopping(train, patience), "you monitored the training loss; "
             "early stopping watches the validation loss (the training loss keeps falling "
             "while the model overfits)"),
            ((best, stop), "the pair is in the wrong order: return `stop_epoch, best_epoch`"),
            (reference_early_stopping(val, 1), "you stopped at the first epoch without "
             "improvement: wait for `patience` consecutive epochs without improvement"),
            ((stop, stop), "best_epoch must be the epoch of the lowest validation loss, not the "
             "epoch at which you stopped"),
            ((stop, last if stop is None else stop), "best_epoch must be the epoch of the "
             "lowest validation loss, not the last one"),
            ((stop, int(np.argmin(val))), "best_epoch may only use the losses up to the "
             "stopping epoch: the later ones are never computed"),
            (reference_early_stopping(val, patience, stop_late=1), "off by one: you stopped one "
             "epoch late. Stop as soon as `patience` consecutive epochs have not improved "
             "(counter >= patience)"),
            (reference_early_stopping(val, patience, stop_late=-1), "off by one: you stopped one "
             "epoch early. Stop when `patience` consecutive epochs have not improved, "
             "counting the epochs after the best one"),
            (reference_early_stopping(val, patience, ties_improve=True), "a loss equal to the "
             "best so far is not an improvement: use `<`, not `<=`"),
            (reference_early_stopping(val, patience, reset=False), "reset the counter of "
             "epochs without improvement to 0 at every new best: patience counts "
             "*consecutive* epochs"),
            ((None, expected[1]) if stop is not None else (last, best), "stop_epoch must be "
             "None when the patience never ran out, and the epoch at which it ran out "
             "otherwise"),
            ((None if stop is None else stop + 1, None if best is None else best + 1),
             "epochs are the indices of the list: entry 0 is the loss before training "
             "(epoch 0). Do not add 1"),
            (reference_early_stopping([math.inf] + list(val[1:]), patience), "epoch 0, the "
             "loss before training, is a candidate too: start from best = val_losses[0] "
             "(best_epoch 0), not from infinity at epoch 1. When training only makes things "
             "worse, the best epoch is 0"),
            (_previous_epoch_rule(val, patience), "an epoch improves when its loss is lower "
             "than the best so far, not than the previous epoch's"),
            ((stop, _last_minimum(val, stop)), "on ties, best_epoch is the first epoch with the "
             "lowest loss (update it only when the loss is strictly lower)"),
            ((-1, best) if stop is None else expected, "stop_epoch must be None, not -1, when "
             "the patience never ran out"),
        ]
        for value, message in mistakes:
            if got == value and value != expected:
                raise AssertionError(f"{what} is wrong: {message}. (Inputs: {context}; "
                                     f"expected {expected}, got {got}.)")
        raise AssertionError(f"{what} is wrong for {context}: expected (stop_epoch, "
                             f"best_epoch) = {expected}, got {got}.")


def _check_epoch_types(got, what):
    """Epochs are whole numbers (or None for stop_epoch); name a loss or a flag given instead."""
    for name, value in zip(("stop_epoch", "best_epoch"), got):
        if isinstance(value, (bool, np.bool_)):
            raise AssertionError(f"{what}: {name} should be an epoch number, got {value!r}. "
                                 "Return the epoch at which the run stops (or None), not "
                                 "whether it stops.")
        if value is None:
            if name == "best_epoch":
                raise AssertionError(f"{what}: best_epoch is None; it is always an epoch (0 "
                                     "if no later epoch beats the loss before training).")
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise AssertionError(f"{what}: {name} should be an int (an epoch), got "
                                 f"{value!r}.") from None
        if number != int(number):
            raise AssertionError(f"{what}: {name} should be an epoch number, got {value!r}, "
                                 "which looks like a loss. Return the index of the epoch "
                                 "in val_losses, not its loss.")


def _previous_epoch_rule(val_losses, patience):
    """Improvement judged against the previous epoch instead of the best so far (a mistake)."""
    best_epoch, wait = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[epoch - 1]:
            wait = 0
            if val_losses[epoch] < val_losses[best_epoch]:
                best_epoch = epoch
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return None, best_epoch


def _last_minimum(val_losses, stop):
    seen = list(val_losses[: len(val_losses) if stop is None else stop + 1])
    return len(seen) - 1 - seen[::-1].index(min(seen))


def make_problem(n_train=40, n_val=60, n_features=30, seed=0):
    """A small noisy regression with many features, on which training overfits.

    Returns ``X, y, X_val, y_val``; 3 of the ``n_features`` coefficients are large, the
    others 0, the noise has standard deviation 1.
    """
    rng = np.random.default_rng(seed)
    w_true = np.zeros(n_features)
    w_true[:3] = [2.0, -1.5, 1.0]
    X = rng.normal(size=(n_train + n_val, n_features))
    y = X @ w_true + rng.normal(size=n_train + n_val)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _train(X, y, X_val, y_val, *, lr, batch_size, max_epochs, patience, warmup_steps, seed,
           restart=False, epochs_as_steps=False, reseed=False, restore=True, floor=False,
           t0=0, no_warmup=False, t_per_epoch=False, full_batch=False, monitor_train=False,
           no_stop=False, short=False, constant=False):
    """The capstone's loop written out, with switches that reproduce typical mistakes."""
    steps_per_epoch = len(y) // batch_size if floor else math.ceil(len(y) / batch_size)
    total = max_epochs if epochs_as_steps else max_epochs * steps_per_epoch
    schedule = cosine(lr, total, warmup_steps=0 if no_warmup else warmup_steps, min_lr=0.0)
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    params, val_losses = [w], [squared_error(w, X_val, y_val)[0]]
    train_losses = [squared_error(w, X, y)[0]]
    t = t0
    for _ in range(max_epochs - 1 if short else max_epochs):
        batches = minibatches(X, y, batch_size, np.random.default_rng(seed) if reseed else rng)
        for i, (X_b, y_b) in enumerate(batches):
            grad = squared_error(w, X, y)[1] if full_batch else squared_error(w, X_b, y_b)[1]
            w = w - (lr if constant else schedule(i if restart else t)) * grad
            t += 0 if t_per_epoch else 1
        t += 1 if t_per_epoch else 0
        params.append(w)
        val_losses.append(squared_error(w, X_val, y_val)[0])
        train_losses.append(squared_error(w, X, y)[0])
        stop, best = reference_early_stopping(train_losses if monitor_train else val_losses,
                                              patience)
        if no_stop:
            stop, best = None, int(np.argmin(val_losses))
        if stop is not None:
            break
    return (params[best] if restore else w), best


def _is_single(w):
    """Whether ``w`` is a float array of less than double precision (float32 is legitimate)."""
    dtype = getattr(w, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).bits < 64


def _check_seed_is_used(train_with_early_stopping, X, y, X_val, y_val, kw, w_first, w_ref,
                        what):
    """Another seed must change the result (as it changes the reference's), the same seed must
    reproduce it: a private default_rng(0), the global np.random or an unseeded generator fail."""
    other = kw["seed"] + 1
    args = (X, y, X_val, y_val, kw["lr"], kw["batch_size"], kw["max_epochs"], kw["patience"],
            kw["warmup_steps"])
    ref = _train(X, y, X_val, y_val, **{**kw, "seed": other})[0]
    got = [train_with_early_stopping(*[a.copy() if isinstance(a, np.ndarray) else a
                                       for a in args], other) for _ in range(2)]
    w_a, w_b = (np.asarray(g[0], dtype=float) if isinstance(g, (tuple, list)) and len(g) == 2
                else None for g in got)
    if w_a is None or w_b is None:
        raise AssertionError(f"{what} should return the pair `w_best, best_epoch` "
                             f"(seed={other}).")
    if w_a.shape == w_b.shape and not np.allclose(w_a, w_b, rtol=1e-12, atol=1e-14):
        raise AssertionError(
            f"{what} is not reproducible: two calls with seed={other} returned different "
            "parameters. Draw every random number from rng = np.random.default_rng(seed), "
            "created once, not from np.random's global functions or an unseeded generator.")
    if (w_a.shape == np.shape(w_first) and np.allclose(w_a, w_first, rtol=1e-12, atol=1e-14)
            and not np.allclose(ref, w_ref, rtol=1e-9)):
        raise AssertionError(
            f"{what} ignores its seed: seed={kw['seed']} and seed={other} give the same "
            "parameters, while the batches should be shuffled differently. Create the "
            "generator from the argument, rng = np.random.default_rng(seed), not from a fixed "
            "number.")
    check_array(got[0][0] if _is_single(got[0][0]) else w_a, ref,
                f"w_best from {what} with seed={other}",
                context=f"the same problem, seed={other}")


def check_train_with_early_stopping(train_with_early_stopping, *, n_train=40, n_features=30,
                                    batch_size=8, max_epochs=60, patience=5, warmup_steps=5,
                                    seed=0, _again=True):
    """Check the capstone against :func:`mlopt.training.minimize_stochastic`.

    ``train_with_early_stopping(X, y, X_val, y_val, lr, batch_size, max_epochs, patience,
    warmup_steps, seed) -> (w_best, best_epoch)``: SGD on the mean squared error from zeros,
    the rate ``cosine_lr`` over all ``max_epochs * steps_per_epoch`` steps, early stopping on
    the validation loss, the best epoch's parameters returned. Unless ``_again`` is False,
    a second problem follows (a smaller last batch, patience 2).
    """
    X, y, X_val, y_val = make_problem(n_train, 60, n_features, seed)
    lr = 0.5 / (2 / n_train * np.linalg.norm(X, 2) ** 2)
    steps_per_epoch = math.ceil(n_train / batch_size)
    schedule = cosine(lr, max_epochs * steps_per_epoch, warmup_steps=warmup_steps)
    res = minimize_stochastic(squared_error, np.zeros(n_features), X, y, sgd(lr=schedule),
                              batch_size=batch_size, epochs=max_epochs, rng=seed,
                              validation=(X_val, y_val), patience=patience, restore_best=True)
    kw = dict(lr=lr, batch_size=batch_size, max_epochs=max_epochs, patience=patience,
              warmup_steps=warmup_steps, seed=seed)
    what = "train_with_early_stopping(...)"
    context = (f"X.shape={X.shape}, lr={lr:.4f}, batch_size={batch_size}, "
               f"max_epochs={max_epochs}, patience={patience}, warmup_steps={warmup_steps}, "
               f"seed={seed}")
    got = call_on_copies(train_with_early_stopping, "train_with_early_stopping", X, y, X_val,
                         y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed,
                         fix="Work on new arrays: `w = w - lr_t * grad`.")
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return w_best, "
                             "best_epoch`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"{what} should return the pair `w_best, best_epoch`.")
    w_got, best_got = got
    w_answer = w_got          # its own dtype: a float32 answer is judged at float32 accuracy
    try:
        w_got = np.asarray(w_got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: w_best should be a NumPy array of shape "
                             f"({n_features},), got {type(w_got).__name__}.") from None
    if best_got is not None and not isinstance(best_got, (int, np.integer)):
        try:
            if isinstance(best_got, (str, bytes)) or float(best_got) != int(float(best_got)):
                raise ValueError
        except (TypeError, ValueError):
            raise AssertionError(f"{what}: best_epoch should be an int (an epoch), got "
                                 f"{best_got!r}.") from None
    if _again:
        again = train_with_early_stopping(X.copy(), y.copy(), X_val.copy(), y_val.copy(), lr,
                                          batch_size, max_epochs, patience, warmup_steps, seed)
        try:
            same = np.allclose(np.asarray(again[0], dtype=float),
                               np.asarray(w_got, dtype=float), rtol=1e-12, atol=1e-14)
        except (TypeError, ValueError, IndexError):
            same = True          # an odd return value is explained below
        if not same:
            raise AssertionError(
                f"{what} is not reproducible: two calls with seed={seed} returned different "
                "parameters. Draw every random number from rng = np.random.default_rng(seed), "
                "created once, not from np.random's global functions or an unseeded "
                "generator.")
    variants = [
        (dict(restart=True), "the schedule restarts every epoch: it must be called with the "
         "global step count t (0, 1, 2, ... across epochs), not with the index of the batch "
         "within the epoch"),
        (dict(epochs_as_steps=True), "the schedule's total_steps counts steps, not epochs: "
         "total_steps = max_epochs * steps_per_epoch, with steps_per_epoch = "
         "ceil(n_samples / batch_size)"),
        (dict(reseed=True), "create the random generator once, before the loop "
         "(rng = np.random.default_rng(seed)), and pass the same one to minibatches every "
         "epoch; a new generator each epoch repeats the same order"),
        (dict(restore=False), "you returned the last parameters, not the best epoch's: keep a "
         "copy of the parameters of every epoch (or of the best one) and return it. If you "
         "did keep them, check that you did not update them in place afterwards"),
        (dict(floor=True), "steps_per_epoch rounds down: the last, smaller batch is an update "
         "too, so steps_per_epoch = math.ceil(len(y) / batch_size), not len(y) // batch_size"),
        (dict(t0=1), "the first update uses t = 0: call the schedule with t, then add 1"),
        (dict(no_warmup=True), "the warmup is missing: pass warmup_steps to cosine_lr"),
        (dict(t_per_epoch=True), "t counts updates, not epochs: add 1 after every batch"),
        (dict(full_batch=True), "each update uses the gradient on its batch, "
         "squared_error(w, X_b, y_b)[1], not on the whole training set"),
        (dict(no_stop=True), "you trained for all max_epochs and kept the best epoch of the "
         "whole run: stop as soon as early_stopping returns a stopping epoch (in a real run "
         "the later epochs are never computed, and a later, lower validation loss must not "
         "be used)"),
        (dict(short=True), "the loop ran max_epochs - 1 epochs: run at most max_epochs "
         "(for epoch in range(1, max_epochs + 1), or range(max_epochs)); here the patience "
         "never runs out and the best epoch is the last"),
        (dict(constant=True), "every update used the constant rate lr: the rate of update t "
         "is cosine_lr(t, lr, max_epochs * steps_per_epoch, warmup_steps), which warms up, "
         "then decays"),
        (dict(monitor_train=True), "early stopping watches the validation loss; you gave it "
         "the training loss (early_stopping(train_losses, val_losses, patience): validation "
         "second)"),
    ]
    for flags, message in variants:
        w_bad, _ = _train(X, y, X_val, y_val, **kw, **flags)
        if (np.shape(w_got) == w_bad.shape and np.allclose(w_got, w_bad, rtol=1e-6, atol=1e-9)
                and not np.allclose(w_bad, res.x, rtol=1e-6, atol=1e-9)):
            raise AssertionError(f"{what} is wrong: {message}.")
    check_array(w_answer if _is_single(w_answer) else w_got, res.x, "w_best from " + what,
                context=context)
    if best_got is None or int(best_got) != res.best_epoch:
        hint = {-1: " Epoch 0 is the starting point: record its validation loss before the "
                    "loop, so that epoch e is entry e of the list.",
                1: " Epochs are indices of the list of validation losses, whose entry 0 is "
                   "the loss before training: do not add 1."}
        off = None if best_got is None else int(best_got) - res.best_epoch
        raise AssertionError(f"best_epoch from {what} is {best_got}, expected {res.best_epoch} "
                             f"(the parameters are right: return the epoch they come from)."
                             + hint.get(off, ""))
    if _again:
        _check_seed_is_used(train_with_early_stopping, X, y, X_val, y_val, kw, w_got, res.x,
                            what)
        # A second problem: a last, smaller batch (math.ceil must count it) and a shorter
        # patience, after which the validation loss falls lower again (so the stop matters).
        check_train_with_early_stopping(
            train_with_early_stopping, _again=False,
            n_train=n_train - 3 if n_train % batch_size == 0 else n_train,
            n_features=n_features, batch_size=batch_size, max_epochs=max_epochs,
            patience=2 if patience != 2 else 3, warmup_steps=warmup_steps, seed=seed)


# --- Task 5: choose a peak rate from a range test ----------------------------------------------

def make_range_problem(scale=1.0, seed=0, n_samples=200, n_features=5):
    """A well-conditioned noisy regression whose features are multiplied by ``scale``.

    Scaling the features by ``s`` scales the curvature by ``s²`` and the stable rates by
    ``1/s²``: a rate that is right for one scale is 100 times too large or too small for
    another, so only a rule that reads the range test passes on all of them.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * scale * np.linspace(1.0, 0.4, n_features)
    w = rng.normal(size=n_features) / scale
    y = X @ w + 0.5 * rng.normal(size=n_samples)
    return X, y


def range_test(X, y, *, batch_size=10, lr_min=1e-5, lr_max=1e3, epochs=10, seed=0, beta=0.9):
    """A learning-rate range test as in lesson 07: the rates tried and the smoothed batch losses.

    Mini-batch SGD on the mean squared error from zeros, the rate multiplied by a constant
    factor after every step from ``lr_min`` towards ``lr_max``; the run ends when the loss has
    grown 10⁸-fold. The batch losses are smoothed by a bias-corrected moving average with
    factor ``beta``.

    Returns
    -------
    lrs, smoothed : ndarray, shape (n_steps,)
        The rate of each step and the smoothed loss of its batch.
    """
    import warnings

    from mlopt.schedules import exponential
    from mlopt.training import DivergenceWarning

    n_steps = epochs * math.ceil(len(y) / batch_size)
    gamma = (lr_max / lr_min) ** (1 / n_steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        res = minimize_stochastic(squared_error, np.zeros(X.shape[1]), X, y,
                                  sgd(lr=exponential(lr_min, gamma)), batch_size=batch_size,
                                  epochs=epochs, rng=seed, divergence_factor=1e8)
    lrs, losses = res.history.lr, res.history.loss
    keep = np.isfinite(lrs[: len(losses)]) & np.isfinite(losses[: len(lrs)])
    lrs, losses = lrs[: len(keep)][keep], losses[: len(keep)][keep]
    s, smoothed = 0.0, []
    for k, loss in enumerate(losses):
        s = beta * s + (1 - beta) * loss
        smoothed.append(s / (1 - beta ** (k + 1)))
    return lrs, np.array(smoothed)


def blow_up(lrs, smoothed, factor=4.0):
    """The first rate at which the smoothed loss exceeds ``factor`` times its minimum so far."""
    above = np.flatnonzero(smoothed > factor * np.minimum.accumulate(smoothed))
    return float(lrs[above[0]]) if above.size else float(lrs[-1])


def cosine_excess(X, y, peak, *, epochs=20, batch_size=10, seed=1):
    """Excess loss f(w) − f* after ``epochs`` of SGD with cosine decay from ``peak`` (inf if
    the run diverged)."""
    import warnings

    from mlopt.training import DivergenceWarning

    f_star = squared_error(np.linalg.lstsq(X, y, rcond=None)[0], X, y)[0]
    total = epochs * math.ceil(len(y) / batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = minimize_stochastic(squared_error, np.zeros(X.shape[1]), X, y,
                                  sgd(lr=cosine(peak, total)), batch_size=batch_size,
                                  epochs=epochs, rng=seed)
    return float(res.fun - f_star) if res.success and np.isfinite(res.fun) else math.inf


@functools.lru_cache(maxsize=16)
def _range_facts(scale, seed):
    """Problem, range test, blow-up and the reference excess losses, computed once."""
    X, y = make_range_problem(scale, seed)
    lrs, smoothed = range_test(X, y)
    blown = blow_up(lrs, smoothed)
    yardstick = float(np.median([cosine_excess(X, y, blown / k) for k in (2, 3, 5, 10)]))
    for a in (X, y, lrs, smoothed):
        a.setflags(write=False)
    return X, y, lrs, smoothed, blown, yardstick


RANGE_PROBLEMS = ((1.0, 0), (3.0, 2))
"""(scale, seed) of the visible test's problems; the hidden tests use others."""


def check_choose_peak_lr(choose_peak_lr, problems=RANGE_PROBLEMS, *, tolerance=20.0):
    """Check ``choose_peak_lr(lrs, smoothed) -> peak`` by training with the rate it picks.

    On each problem the range test is run, the learner's rule picks a peak rate, and 20 epochs
    of SGD with cosine decay from it are compared with the same training from the peaks
    blow-up/2, /3, /5 and /10: the pick passes if it is a positive number below the blow-up,
    the run does not diverge, and its excess loss is at most ``tolerance`` times the median of
    theirs. Every sensible rule passes (blow-up/10, blow-up/3, the bottom of the curve, ...).
    """
    what = "choose_peak_lr(lrs, smoothed)"
    picks = []
    for scale, seed in problems:
        X, y, lrs, smoothed, blown, yardstick = _range_facts(scale, seed)
        lrs_copy, smoothed_copy = lrs.copy(), smoothed.copy()
        got = choose_peak_lr(lrs_copy, smoothed_copy)
        if not (np.array_equal(lrs_copy, lrs) and np.array_equal(smoothed_copy, smoothed)):
            raise AssertionError(f"{what} modified its input arrays; work on copies.")
        if got is None:
            raise AssertionError(f"{what} returned None. Did you forget `return`?")
        try:
            peak = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            raise AssertionError(f"{what} should return one number, the peak rate, got "
                                 f"{type(got).__name__} {str(got)[:60]}.") from None
        context = (f"a range test over {len(lrs)} steps, rates {lrs[0]:.3g} to {lrs[-1]:.3g}; "
                   f"the smoothed loss blows up at {blown:.4g} (4 times its minimum so far) "
                   f"and is lowest at {lrs[np.argmin(smoothed)]:.4g}")
        if not (np.isfinite(peak) and peak > 0):
            raise AssertionError(f"{what} returned {peak!r}; a learning rate is a positive "
                                 f"number ({context}).")
        picks.append(peak)
        if len(picks) > 1 and np.isclose(picks[-1], picks[0], rtol=1e-9):
            raise AssertionError(
                f"{what} returned {peak:.6g} for two problems whose stable rates differ by a "
                f"factor of about {(scale / problems[0][0]) ** 2:.3g}: the rule must read the "
                "range test it is given, not return a fixed number.")
        if peak >= blown:
            raise AssertionError(
                f"{what} picked {peak:.4g}, at or above the blow-up ({context}). At the blow-up "
                "the loss is already exploding within a few steps: a rate for a whole run must "
                "be well below it.")
        excess = cosine_excess(X, y, peak)
        if not np.isfinite(excess):
            raise AssertionError(
                f"{what} picked {peak:.4g} ({context}); 20 epochs of SGD with cosine decay from "
                "it diverged. Leave a margin below the blow-up: the range test used each rate "
                "for one step only, a real run uses the peak for many.")
        if excess > tolerance * yardstick:
            raise AssertionError(
                f"{what} picked {peak:.4g} ({context}); after 20 epochs with cosine decay from "
                f"it the excess loss is {excess:.3g}, more than {tolerance:g} times the "
                f"{yardstick:.3g} reached from peaks between blow-up/10 and blow-up/2: the rate "
                "is so small that the run has not got anywhere yet.")
