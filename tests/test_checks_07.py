"""Chapter 07 checks accept the reference answers and other valid ways, reject typical mistakes."""

import math
import re

import numpy as np
import pytest

from mlopt.checks import schedules as checks
from mlopt.losses import squared_error
from mlopt.optimizers import sgd
from mlopt.schedules import cosine
from mlopt.training import minibatches, minimize_stochastic
from tests.exercise_utils import solution_namespace

CHAPTER = "07_learning_rate_schedules_and_early_stopping"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


def test_reference_answers_pass(solution):
    checks.check_cosine_lr(solution["cosine_lr"])
    checks.check_cosine_lr(solution["cosine_lr"], lr=1.0, total_steps=2, warmup_steps=1)
    checks.check_cosine_lr(solution["cosine_lr"], lr=0.1, total_steps=10, warmup_steps=0)
    checks.check_cosine_lr(solution["cosine_lr"], lr=2.0, total_steps=7, min_lr=2.0)
    checks.check_step_decay_lr(solution["step_decay_lr"])
    checks.check_step_decay_lr(solution["step_decay_lr"], lr=0.1, step_size=1, gamma=0.9)
    for patience, seed in [(1, 1), (2, 2), (3, 0), (5, 3)]:
        checks.check_early_stopping(solution["early_stopping"], patience=patience, seed=seed)
    checks.check_train_with_early_stopping(solution["train_with_early_stopping"])
    checks.check_train_with_early_stopping(
        solution["train_with_early_stopping"], n_train=37, n_features=20, batch_size=8,
        max_epochs=40, patience=10, warmup_steps=12, seed=8)


@pytest.mark.parametrize("seed", [0, 7, 8])
def test_mistake_loop_without_flags_is_minimize_stochastic(seed):
    """The checks' own loop (used to name mistakes) equals the library's when no flag is set."""
    X, y, X_val, y_val = checks.make_problem(seed=seed)
    lr = 0.5 / (2 / len(y) * np.linalg.norm(X, 2) ** 2)
    res = minimize_stochastic(squared_error, np.zeros(X.shape[1]), X, y,
                              sgd(lr=cosine(lr, 60 * 5, warmup_steps=5)), batch_size=8,
                              epochs=60, rng=seed, validation=(X_val, y_val), patience=5)
    w, best = checks._train(X, y, X_val, y_val, lr=lr, batch_size=8, max_epochs=60,
                            patience=5, warmup_steps=5, seed=seed)
    assert best == res.best_epoch and np.allclose(w, res.x, rtol=1e-12, atol=1e-14)
    if seed == 0:
        assert res.status == 1, "the visible test's problem must make early stopping fire"


def test_reference_early_stopping_matches_minimize_stochastic():
    X, y, X_val, y_val = checks.make_problem(seed=3)
    lr = 0.5 / (2 / len(y) * np.linalg.norm(X, 2) ** 2)
    res = minimize_stochastic(squared_error, np.zeros(X.shape[1]), X, y, sgd(lr=lr),
                              batch_size=8, epochs=200, rng=0, validation=(X_val, y_val),
                              patience=4)
    assert res.status == 1
    stop, best = checks.reference_early_stopping(list(res.epoch_history.val_loss), 4)
    assert (stop, best) == (res.nepoch, res.best_epoch)


# --- other valid ways are accepted -------------------------------------------------------------

def cosine_piecewise_numpy(t, lr, total_steps, warmup_steps=0, min_lr=0.0):
    if warmup_steps and t < warmup_steps:
        return np.linspace(lr / warmup_steps, lr, warmup_steps)[t]
    x = np.clip((t - warmup_steps) / (total_steps - warmup_steps), 0, 1)
    return np.float64(min_lr + (lr - min_lr) * (1 + np.cos(np.pi * x)) / 2)


def cosine_with_sin(t, lr, total_steps, warmup_steps=0, min_lr=0.0):
    if t < warmup_steps:
        return (t + 1) * lr / warmup_steps
    if t >= total_steps:
        return min_lr
    x = (t - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (lr - min_lr) * math.cos(math.pi * x / 2) ** 2   # (1 + cos 2a)/2 = cos² a


def step_loop(t, lr, step_size, gamma=0.1):
    for _ in range(t // step_size):
        lr *= gamma
    return lr


def step_floor(t, lr, step_size, gamma=0.1):
    return lr * gamma ** math.floor(t / step_size)


def early_argmin(train_losses, val_losses, patience):
    v = np.asarray(val_losses)
    for epoch in range(1, len(v)):
        best = int(np.argmin(v[:epoch + 1]))
        if epoch - best >= patience:
            return epoch, best
    return None, int(np.argmin(v))


def early_while(train_losses, val_losses, patience):
    best_epoch, epoch = 0, 1
    while epoch < len(val_losses):
        if val_losses[epoch] < val_losses[best_epoch]:
            best_epoch = epoch
        elif epoch - best_epoch == patience:
            return (epoch, best_epoch)
        epoch += 1
    return [None, best_epoch]


def train_best_copy(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps,
                    seed):
    """Keeps only the best parameters (a copy), updates w in place on a private copy."""
    total = max_epochs * math.ceil(len(y) / batch_size)
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    best_val, best_w, best_epoch, wait, t = squared_error(w, X_val, y_val)[0], w.copy(), 0, 0, 0
    for epoch in range(1, max_epochs + 1):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            w -= cosine(lr, total, warmup_steps=warmup_steps)(t) * squared_error(w, X_b, y_b)[1]
            t += 1
        val = squared_error(w, X_val, y_val)[0]
        if val < best_val:
            best_val, best_w, best_epoch, wait = val, w.copy(), epoch, 0
        else:
            wait += 1
            if wait >= patience:
                break
    return best_w, best_epoch


@pytest.mark.parametrize(
    ("check", "fn", "kwargs"),
    [(checks.check_cosine_lr, cosine_piecewise_numpy, {}),
     (checks.check_cosine_lr, cosine_with_sin, dict(warmup_steps=0, min_lr=0.0)),
     (checks.check_cosine_lr, cosine_with_sin, {}),
     (checks.check_step_decay_lr, step_loop, {}),
     (checks.check_step_decay_lr, step_floor, dict(step_size=1, gamma=0.9)),
     (checks.check_early_stopping, early_argmin, {}),
     (checks.check_early_stopping, early_argmin, dict(patience=1, seed=1)),
     (checks.check_early_stopping, early_while, dict(patience=2, seed=2)),
     (checks.check_train_with_early_stopping, train_best_copy, {}),
     (checks.check_train_with_early_stopping, train_best_copy, dict(warmup_steps=0, seed=7))],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_other_valid_answers_pass(check, fn, kwargs):
    check(fn, **kwargs)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def cosine_variant(*, warm=lambda t, W: (t + 1) / W, phase=math.pi, floor=True, clamp=True,
                   offset=True, no_warmup=False):
    def f(t, lr, T, W=0, min_lr=0.0):
        if not no_warmup and t < W:
            return lr * warm(t, W)
        W_ = 0 if no_warmup else W
        x, span = ((t - W_), T - W_) if offset else (t, T)
        if clamp:
            x = min(x, span)
        lo = min_lr if floor else 0.0
        return lo + 0.5 * (lr - lo) * (1 + math.cos(phase * x / span))
    return f


COSINE_MISTAKES = {
    "warmup t/W": (cosine_variant(warm=lambda t, W: t / W), "step 0 is wasted"),
    "warmup (t+1)/(W+1)": (cosine_variant(warm=lambda t, W: (t + 1) / (W + 1)),
                           "never reaches lr"),
    "no warmup ramp": (cosine_variant(warm=lambda t, W: 1.0), "the warmup is missing"),
    "no warmup at all": (cosine_variant(no_warmup=True), "the warmup is missing"),
    "cosine from 0": (cosine_variant(offset=False), "must start when the warmup ends"),
    "no pi": (cosine_variant(phase=1.0), "factor π"),
    "2 pi": (cosine_variant(phase=2 * math.pi), "half a period"),
    "pi/2": (cosine_variant(phase=math.pi / 2), "only falls to the midpoint"),
    "min_lr ignored": (cosine_variant(floor=False), "min_lr is ignored"),
    "no clamp": (cosine_variant(clamp=False), "rises again"),
    "array": (lambda t, lr, T, W=0, m=0.0: np.array([lr, lr]), "one number"),
    "no return": (lambda t, lr, T, W=0, m=0.0: None, "return"),
}

STEP_MISTAKES = {
    "every step": (lambda t, lr, k, g=0.1: lr * g ** t, "at every step"),
    "float division": (lambda t, lr, k, g=0.1: lr * g ** (t / k), "integer division"),
    "+1": (lambda t, lr, k, g=0.1: lr * g ** (t // k + 1), "gamma ** 0 = 1"),
    "(t+1)//k": (lambda t, lr, k, g=0.1: lr * g ** ((t + 1) // k), "not at t = step_size - 1"),
    "times": (lambda t, lr, k, g=0.1: lr * g * (t // k), "raise gamma to the power"),
    "no return": (lambda t, lr, k, g=0.1: None, "return"),
}


def es(**flags):
    def f(train_losses, val_losses, patience):
        return checks.reference_early_stopping(val_losses, patience, **flags)
    return f


def es_train(train_losses, val_losses, patience):
    return checks.reference_early_stopping(train_losses, patience)


def es_ignore_patience(train_losses, val_losses, patience):
    return checks.reference_early_stopping(val_losses, 1)


def es_last(train_losses, val_losses, patience):
    stop, _ = checks.reference_early_stopping(val_losses, patience)
    return stop, len(val_losses) - 1 if stop is None else stop


def es_future(train_losses, val_losses, patience):
    stop, _ = checks.reference_early_stopping(val_losses, patience)
    return stop, int(np.argmin(val_losses))


def es_swapped(train_losses, val_losses, patience):
    return checks.reference_early_stopping(val_losses, patience)[::-1]


def es_one_based(train_losses, val_losses, patience):
    stop, best = checks.reference_early_stopping(val_losses, patience)
    return (None if stop is None else stop + 1), best + 1


def es_last_instead_of_none(train_losses, val_losses, patience):
    stop, best = checks.reference_early_stopping(val_losses, patience)
    return (len(val_losses) - 1 if stop is None else stop), best


def es_sorts_in_place(train_losses, val_losses, patience):
    out = checks.reference_early_stopping(val_losses, patience)
    val_losses.sort()
    return out


EARLY_MISTAKES = {
    "training loss": (es_train, "you monitored the training loss"),
    "patience ignored": (es_ignore_patience, "at the first epoch without improvement"),
    "last as best": (es_last, "not the epoch at which you stopped"),
    "future": (es_future, "up to the stopping epoch"),
    "late": (es(stop_late=1), "one epoch late"),
    "early": (es(stop_late=-1), "one epoch early"),
    "ties": (es(ties_improve=True), "use `<`, not `<=`"),
    "no reset": (es(reset=False), "*consecutive*"),
    "swapped": (es_swapped, "wrong order"),
    "one based": (es_one_based, "Do not add 1"),
    "last instead of None": (es_last_instead_of_none, "must be None"),
    "modifies input": (es_sorts_in_place, "modified its input list"),
    "no return": (lambda a, b, p: None, "return stop_epoch, best_epoch"),
    "one value": (lambda a, b, p: 3, "should return the pair"),
}


def train_variant(**flags):
    def f(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
        return checks._train(X, y, X_val, y_val, lr=lr, batch_size=batch_size,
                             max_epochs=max_epochs, patience=patience,
                             warmup_steps=warmup_steps, seed=seed, **flags)
    return f


def train_wrong_best_epoch(*args):
    w, best = train_variant()(*args)
    return w, best + 1


TRAIN_MISTAKES = {
    "restart": (train_variant(restart=True), "restarts every epoch"),
    "epochs as steps": (train_variant(epochs_as_steps=True), "counts steps, not epochs"),
    "reseed": (train_variant(reseed=True), "create the random generator once"),
    "last": (train_variant(restore=False), "you returned the last parameters"),
    "best epoch off": (train_wrong_best_epoch, "return the epoch they come from"),
    "no return": (lambda *args: None, "return w_best, best_epoch"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_cosine_lr, fn, msg, id=f"cosine-{k}")
     for k, (fn, msg) in COSINE_MISTAKES.items()]
    + [pytest.param(checks.check_step_decay_lr, fn, msg, id=f"step-{k}")
       for k, (fn, msg) in STEP_MISTAKES.items()]
    + [pytest.param(checks.check_early_stopping, fn, msg, id=f"early-{k}")
       for k, (fn, msg) in EARLY_MISTAKES.items()]
    + [pytest.param(checks.check_train_with_early_stopping, fn, msg, id=f"train-{k}")
       for k, (fn, msg) in TRAIN_MISTAKES.items()],
)
def test_typical_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_cosine_lr, checks.check_step_decay_lr,
                  checks.check_early_stopping, checks.check_train_with_early_stopping):
        with pytest.raises(NotImplementedError):
            check(stub)


# --- found by trying learner answers: more valid ways and more mistakes ------------------------

def cosine_amplitude_form(t, lr, total_steps, warmup_steps=0, min_lr=0.0):
    if warmup_steps > 0 and t < warmup_steps:
        return float(lr * min(1.0, (t + 1) / warmup_steps))
    p = min(max((t - warmup_steps) / (total_steps - warmup_steps), 0.0), 1.0)
    return np.array(lr - (lr - min_lr) * (1 - np.cos(np.pi * p)) / 2)  # a 0-d array


def step_exp_log(t, lr, step_size, gamma=0.1):
    return lr * math.exp((t // step_size) * math.log(gamma))


def early_accumulate(train_losses, val_losses, patience):
    v = np.asarray(val_losses, dtype=float)
    improved = np.r_[True, v[1:] < np.minimum.accumulate(v)[:-1]]
    best = 0
    for epoch in range(len(v)):
        if improved[epoch]:
            best = epoch
        elif epoch - best >= patience:
            return np.int64(epoch), np.int64(best)
    return None, np.int64(best)


def train_manual(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
    """Own schedule, hand-written gradient, only the best copy kept, stop on the counter."""
    T = max_epochs * math.ceil(len(y) / batch_size)

    def rate(t):
        if t < warmup_steps:
            return lr * (t + 1) / warmup_steps
        x = min(t - warmup_steps, T - warmup_steps) / (T - warmup_steps)
        return 0.5 * lr * (1 + math.cos(math.pi * x))

    rng, w, t = np.random.default_rng(seed), np.zeros(X.shape[1]), 0
    vals, best_w, best_epoch = [squared_error(w, X_val, y_val)[0]], w.copy(), 0
    for epoch in range(1, max_epochs + 1):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            w = w - rate(t) * 2 / len(y_b) * X_b.T @ (X_b @ w - y_b)
            t += 1
        vals.append(squared_error(w, X_val, y_val)[0])
        if vals[-1] < min(vals[:-1]):
            best_w, best_epoch = w.copy(), epoch
        if epoch - best_epoch >= patience:
            break
    return best_w, int(best_epoch)


@pytest.mark.parametrize(
    ("check", "fn", "kwargs"),
    [(checks.check_cosine_lr, cosine_amplitude_form, {}),
     (checks.check_cosine_lr, cosine_amplitude_form, dict(lr=0.1, total_steps=10,
                                                          warmup_steps=0)),
     (checks.check_step_decay_lr, step_exp_log, {}),
     (checks.check_early_stopping, early_accumulate, {}),
     (checks.check_early_stopping, early_accumulate, dict(patience=1, seed=1)),
     (checks.check_early_stopping, early_accumulate, dict(patience=5, seed=3)),
     (checks.check_train_with_early_stopping, train_manual, {}),
     (checks.check_train_with_early_stopping, train_manual, dict(n_train=37, n_features=20,
                                                                 patience=10, seed=8))],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_more_valid_answers_pass(check, fn, kwargs):
    check(fn, **kwargs)


def cos_piece(*, warm=None, progress=None, after=None):
    """The right cosine schedule with one piece replaced."""
    def f(t, lr, T, W=0, min_lr=0.0):
        if t < W:
            return warm(t, lr, W, min_lr) if warm else lr * (t + 1) / W
        if t > T:
            return min_lr if after is None else after
        x = progress(t, T, W) if progress else (t - W) / (T - W)
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * x))
    return f


def cos_warmup_le(t, lr, T, W=0, min_lr=0.0):
    if W and t <= W:
        return lr * (t + 1) / W
    return cos_piece()(t, lr, T, W, min_lr)


def cos_amplitude_lr(t, lr, T, W=0, min_lr=0.0):
    if t < W:
        return lr * (t + 1) / W
    x = min((t - W) / (T - W), 1.0)
    return min_lr + 0.5 * lr * (1 + math.cos(math.pi * x))


def es_best_value(train_losses, val_losses, patience):
    stop, best = checks.reference_early_stopping(val_losses, patience)
    return stop, val_losses[best]


def es_from_infinity(train_losses, val_losses, patience):
    return checks.reference_early_stopping([math.inf] + list(val_losses[1:]), patience)


def es_previous_epoch(train_losses, val_losses, patience):
    return checks._previous_epoch_rule(val_losses, patience)


def es_last_tie(train_losses, val_losses, patience):
    best, best_epoch, wait = val_losses[0], 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] <= best:
            if val_losses[epoch] < best:
                wait = -1
            best, best_epoch = val_losses[epoch], epoch
        wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return None, best_epoch


def es_minus_one(train_losses, val_losses, patience):
    stop, best = checks.reference_early_stopping(val_losses, patience)
    return (-1 if stop is None else stop), best


def es_flag(train_losses, val_losses, patience):
    stop, best = checks.reference_early_stopping(val_losses, patience)
    return stop is not None, best


def train_best_plus_one_fix(*args):
    w, best = train_variant()(*args)
    return w, best - 1


def train_whole_run(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps,
                    seed):
    return train_variant(no_stop=True)(X, y, X_val, y_val, lr, batch_size, max_epochs,
                                       patience, warmup_steps, seed)


MORE_MISTAKES = [
    (checks.check_cosine_lr, cos_warmup_le, "the warmup lasts one step too long"),
    (checks.check_cosine_lr, cos_piece(warm=lambda t, lr, W, m: lr * ((t + 1) // W)),
     "integer division"),
    (checks.check_cosine_lr, cos_piece(warm=lambda t, lr, W, m: lr * t / (W - 1)),
     "step 0 is wasted"),
    (checks.check_cosine_lr, cos_piece(warm=lambda t, lr, W, m: m + (lr - m) * (t + 1) / W),
     "rises from 0, not from min_lr"),
    (checks.check_cosine_lr, cos_piece(progress=lambda t, T, W: (t - W) / T),
     "not (t - warmup_steps) / total_steps"),
    (checks.check_cosine_lr, cos_piece(progress=lambda t, T, W: (t - W) // (T - W)),
     "is an integer division"),
    (checks.check_cosine_lr, cos_piece(progress=lambda t, T, W: (t - W + 1) / (T - W)),
     "not t - warmup_steps + 1"),
    (checks.check_cosine_lr, cos_piece(after=0.0), "not 0"),
    (checks.check_cosine_lr, cos_amplitude_lr, "its amplitude is lr - min_lr"),
    (checks.check_cosine_lr, cos_piece(progress=lambda t, T, W: (t - W) / T - W),
     "the first at t = 3 (cosine part"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * (1 - g) ** (t // k),
     "not the fraction removed"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * g ** math.ceil(t / k),
     "round down"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * g ** ((t - 1) // k),
     "not (t - 1) // step_size"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * g ** (t % k),
     "the number of periods done"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * 0.1 ** (t // k),
     "the argument gamma is ignored"),
    (checks.check_step_decay_lr, lambda t, lr, k, g=0.1: lr * g ** (t // (k + 1)),
     "the first at t = 3"),
    (checks.check_early_stopping, es_best_value, "which looks like a loss"),
    (checks.check_early_stopping, es_from_infinity, "epoch 0, the loss before training"),
    (checks.check_early_stopping, es_previous_epoch, "not than the previous epoch's"),
    (checks.check_early_stopping, es_last_tie, "the first epoch with the lowest loss"),
    (checks.check_early_stopping, es_minus_one, "must be None, not -1"),
    (checks.check_early_stopping, es_flag, "not whether it stops"),
    (checks.check_train_with_early_stopping, train_variant(floor=True), "math.ceil"),
    (checks.check_train_with_early_stopping, train_variant(t0=1), "the first update uses t = 0"),
    (checks.check_train_with_early_stopping, train_variant(no_warmup=True),
     "pass warmup_steps to cosine_lr"),
    (checks.check_train_with_early_stopping, train_variant(t_per_epoch=True),
     "t counts updates, not epochs"),
    (checks.check_train_with_early_stopping, train_variant(full_batch=True),
     "not on the whole training set"),
    (checks.check_train_with_early_stopping, train_variant(monitor_train=True),
     "you gave it the training loss"),
    (checks.check_train_with_early_stopping, train_whole_run, "kept the best epoch of the whole"),
    (checks.check_train_with_early_stopping, train_best_plus_one_fix,
     "record its validation loss before the loop"),
    (checks.check_train_with_early_stopping, train_wrong_best_epoch, "do not add 1"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


# Issue 8: the range-test task. Issue 9: seeds, a run that never stops, float32, odd returns.
def _blow(lrs, smoothed):
    return checks.blow_up(lrs, smoothed)


@pytest.mark.parametrize("fn", [
    lambda lrs, s: _blow(lrs, s) / 10,
    lambda lrs, s: _blow(lrs, s) / 3,
    lambda lrs, s: _blow(lrs, s) / 30,
    lambda lrs, s: lrs[np.argmin(s)],                  # the bottom of the curve
    lambda lrs, s: lrs[np.argmin(s)] / 10,             # fastai's "minimum / 10"
    lambda lrs, s: np.float32(_blow(lrs, s) / 10),
    lambda lrs, s: np.array([_blow(lrs, s) / 5]),
    lambda lrs, s: lrs[np.flatnonzero(s > 3 * np.minimum.accumulate(s))[0]] / 5,
], ids=["blow/10", "blow/3", "blow/30", "argmin", "argmin/10", "float32", "array",
        "own blow-up rule"])
def test_choose_peak_lr_accepts_sensible_rules(fn):
    checks.check_choose_peak_lr(fn)
    checks.check_choose_peak_lr(fn, problems=((0.3, 1), (1.0, 3), (2.0, 4)))


@pytest.mark.parametrize(("fn", "message"), [
    (lambda lrs, s: _blow(lrs, s), "at or above the blow-up"),
    (lambda lrs, s: lrs[-1], "at or above the blow-up"),
    (lambda lrs, s: 0.05, "not return a fixed number"),
    (lambda lrs, s: lrs[0], "has not got anywhere"),
    (lambda lrs, s: _blow(lrs, s) / 1000, "has not got anywhere"),
    (lambda lrs, s: _blow(lrs, s) / 1.05, "diverged"),
    (lambda lrs, s: -_blow(lrs, s) / 10, "positive number"),
    (lambda lrs, s: None, "return"),
    (lambda lrs, s: (_blow(lrs, s) / 10, 1.0), "one number"),
    (lambda lrs, s: "0.1", "not return a fixed number"),
])
def test_choose_peak_lr_mistakes(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_choose_peak_lr(fn)


def test_choose_peak_lr_sorting_in_place_is_caught():
    def in_place(lrs, s):
        s.sort()
        return lrs[0] * 100

    with pytest.raises(AssertionError, match="modified its input"):
        checks.check_choose_peak_lr(in_place)


def test_range_problems_need_different_rates():
    """The problems' stable rates differ, so a fixed number cannot pass them all."""
    limits = []
    for scale, seed in checks.RANGE_PROBLEMS + ((0.3, 1), (1.0, 3), (2.0, 4)):
        X, y = checks.make_range_problem(scale, seed)
        limits.append(2 / (2 / len(y) * np.linalg.norm(X, 2) ** 2))
        lrs, smoothed = checks.range_test(X, y)
        assert 0.8 * limits[-1] < checks.blow_up(lrs, smoothed) < 3 * limits[-1]
    assert max(limits) / min(limits) > 50


def _loop(**flags):
    def fn(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
        return checks._train(X, y, X_val, y_val, lr=lr, batch_size=batch_size,
                             max_epochs=max_epochs, patience=patience,
                             warmup_steps=warmup_steps, seed=seed, **flags)
    return fn


def _fixed_seed(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
    return _loop()(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, 0)


_global_counter = {"calls": 0}


def _unseeded(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
    _global_counter["calls"] += 1          # a fresh seed every call, like the global np.random
    return _loop()(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps,
                   1000 + _global_counter["calls"])


NEVER_STOPS = dict(n_train=40, n_features=4, batch_size=8, max_epochs=8, patience=100,
                   warmup_steps=0, seed=4)


def test_the_never_stopping_problem_has_its_best_epoch_last():
    X, y, X_val, y_val = checks.make_problem(40, 60, 4, 4)
    lr = 0.5 / (2 / 40 * np.linalg.norm(X, 2) ** 2)
    _, best = checks._train(X, y, X_val, y_val, lr=lr, batch_size=8, max_epochs=8,
                            patience=100, warmup_steps=0, seed=4)
    assert best == 8


@pytest.mark.parametrize(("fn", "kwargs", "message"), [
    (_fixed_seed, {"seed": 3}, "wrong"),
    (_fixed_seed, {}, "ignores its seed"),
    (_unseeded, {}, "not reproducible"),
    (_loop(short=True), NEVER_STOPS, "max_epochs - 1"),
])
def test_seed_and_epoch_count_mistakes(fn, kwargs, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_train_with_early_stopping(fn, **kwargs)


def test_float32_training_loop_passes(solution):
    def f32(*args):
        w, best = solution["train_with_early_stopping"](*args)
        return w.astype(np.float32), best

    checks.check_train_with_early_stopping(f32)
    checks.check_train_with_early_stopping(solution["train_with_early_stopping"], **NEVER_STOPS)


@pytest.mark.parametrize("fn", [lambda *a: 0.1, lambda *a: (0.1, 0.2), lambda *a: "0.1",
                                lambda *a: [0.1], lambda *a: {"lr": 0.1}, lambda *a: "fast",
                                lambda *a: [np.zeros(2), 1.0]])
def test_schedule_checks_explain_odd_returns(fn):
    for check in (checks.check_cosine_lr, checks.check_step_decay_lr):
        with pytest.raises(AssertionError):
            check(fn)


@pytest.mark.parametrize(("fn", "message"), [
    (lambda *a: ({"w": 1}, 3), "w_best should be a NumPy array"),
    (lambda *a: (np.zeros(30), "3"), "best_epoch should be an int"),
    (lambda *a: (np.zeros(30), 2.5), "best_epoch should be an int"),
    (lambda *a: ([np.zeros(2), 1.0], 3), "w_best should be a NumPy array"),
])
def test_training_loop_check_explains_odd_returns(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_train_with_early_stopping(fn)


def test_float32_schedules_pass(solution):
    checks.check_cosine_lr(lambda *a: np.float32(solution["cosine_lr"](*a)))
    checks.check_cosine_lr(lambda *a: np.float32(solution["cosine_lr"](*a)),
                           lr=0.03, total_steps=500, warmup_steps=50, min_lr=0.001)
    checks.check_step_decay_lr(lambda *a: np.float32(solution["step_decay_lr"](*a)))


ODD_RETURNS = [None, "x", {"a": 1}, (1, 2, 3), [np.zeros(2), 1.0], np.zeros((2, 2)), object(),
               True]


@pytest.mark.parametrize("value", ODD_RETURNS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("check", [checks.check_cosine_lr, checks.check_step_decay_lr,
                                   checks.check_early_stopping,
                                   checks.check_train_with_early_stopping,
                                   checks.check_choose_peak_lr])
def test_no_check_crashes_on_an_odd_return_value(check, value):
    with pytest.raises(AssertionError):
        check(lambda *args, **kwargs: value)


def train_float32(X, y, X_val, y_val, lr, batch_size, max_epochs, patience, warmup_steps, seed):
    """The reference loop with the parameters kept in single precision."""
    total = max_epochs * math.ceil(len(y) / batch_size)
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1], dtype=np.float32)
    best_val, best_w, best_epoch, wait, t = squared_error(w, X_val, y_val)[0], w.copy(), 0, 0, 0
    for epoch in range(1, max_epochs + 1):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            step = cosine(lr, total, warmup_steps=warmup_steps)(t) * squared_error(w, X_b, y_b)[1]
            w = (w - step).astype(np.float32)
            t += 1
        val = squared_error(w, X_val, y_val)[0]
        if val < best_val:
            best_val, best_w, best_epoch, wait = val, w.copy(), epoch, 0
        else:
            wait += 1
            if wait >= patience:
                break
    return best_w, best_epoch


def test_train_with_parameters_in_float32_passes():
    """Single precision is legitimate: the answer is judged at float32 accuracy, not to 1e-6
    relative on an entry of size 1e-2 (a float32 loop is off there by one unit in the 8th digit)."""
    checks.check_train_with_early_stopping(train_float32)
    checks.check_train_with_early_stopping(train_float32, n_train=37, n_features=20,
                                           batch_size=8, max_epochs=40, patience=10,
                                           warmup_steps=12, seed=8)


def test_train_with_a_constant_rate_is_named():
    with pytest.raises(AssertionError, match="constant rate lr"):
        checks.check_train_with_early_stopping(train_variant(constant=True))
