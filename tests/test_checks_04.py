"""Chapter 04 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import stochastic_gradient_descent as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "04_stochastic_gradient_descent"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_minibatch_gradient, "minibatch_gradient"),
     (checks.check_minibatch_indices, "minibatch_indices"),
     (checks.check_run_sgd, "run_sgd")],
)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_minibatch_gradient, "minibatch_gradient", dict(batch_size=1)),
     (checks.check_minibatch_gradient, "minibatch_gradient", dict(n_samples=5, batch_size=5)),
     (checks.check_minibatch_gradient, "minibatch_gradient", dict(n_features=1)),
     (checks.check_minibatch_indices, "minibatch_indices", dict(n_samples=10, batch_size=1)),
     (checks.check_minibatch_indices, "minibatch_indices", dict(n_samples=12, batch_size=12)),
     (checks.check_minibatch_indices, "minibatch_indices", dict(n_samples=5, batch_size=9)),
     (checks.check_minibatch_indices, "minibatch_indices", dict(n_samples=31, batch_size=30)),
     (checks.check_minibatch_indices, "minibatch_indices", dict(n_samples=40, batch_size=8)),
     (checks.check_run_sgd, "run_sgd", dict(n_samples=7, batch_size=7, epochs=3)),
     (checks.check_run_sgd, "run_sgd", dict(n_samples=13, n_features=1, batch_size=1, epochs=2)),
     (checks.check_run_sgd, "run_sgd", dict(epochs=1)),
     (checks.check_run_sgd, "run_sgd", dict(n_samples=20, batch_size=5, epochs=4))],
)
def test_reference_answers_pass_edge_shapes(solution, check, name, kwargs):
    check(solution[name], **kwargs)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
def test_capstone_passes_with_the_reference_answers(solution, seed):
    summary = checks.check_sgd_converges(solution["run_sgd"], solution["minibatch_gradient"],
                                         seed=seed)
    assert "loss - f*" in summary


# --- other valid ways are accepted -------------------------------------------------------------

def grad_mean_loop(w, X, y, idx):
    return np.mean([2 * (X[i] @ w - y[i]) * X[i] for i in idx], axis=0)


def grad_einsum(w, X, y, idx):
    r = X[idx] @ w - y[idx]
    return np.einsum("i,ij->j", r, X[idx]) * 2 / len(idx)


def grad_mlopt(w, X, y, idx):
    from mlopt.losses import squared_error

    return squared_error(w, X[idx], y[idx])[1]


def idx_shuffle(n_samples, batch_size, rng):
    order = np.arange(n_samples)
    rng.shuffle(order)
    return [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]


def idx_choice(n_samples, batch_size, rng):
    order = rng.choice(n_samples, size=n_samples, replace=False)
    return [list(order[i:i + batch_size]) for i in range(0, n_samples, batch_size)]


def idx_generator(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    return (order[i:i + batch_size] for i in range(0, n_samples, batch_size))


def idx_split(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    return np.split(order, range(batch_size, n_samples, batch_size))


def sgd_with(minibatch_indices):
    def sgd(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
        w = np.array(w0, dtype=float)
        t = 0
        for _ in range(epochs):
            for idx in minibatch_indices(n_samples, batch_size, rng):
                w = w - schedule(t) * grad_fn(w, idx)
                t += 1
        return w
    return sgd


def sgd_in_place_copy(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w = w0.copy()
    steps_per_epoch = -(-n_samples // batch_size)
    for epoch in range(epochs):
        for j, idx in enumerate(idx_shuffle(n_samples, batch_size, rng)):
            w -= schedule(epoch * steps_per_epoch + j) * grad_fn(w, idx)
    return w


def sgd_grad_twice(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w, t = w0.copy(), 0
    for _ in range(epochs):
        for idx in idx_choice(n_samples, batch_size, rng):
            norm = np.linalg.norm(grad_fn(w, idx))     # e.g. for logging
            assert norm >= 0
            w = w - schedule(t) * grad_fn(w, idx)
            t += 1
    return w


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_minibatch_gradient, fn, id=fn.__name__)
     for fn in (grad_mean_loop, grad_einsum, grad_mlopt)]
    + [pytest.param(checks.check_minibatch_indices, fn, id=fn.__name__)
       for fn in (idx_shuffle, idx_choice, idx_generator, idx_split)]
    + [pytest.param(checks.check_run_sgd, sgd_with(fn), id=f"sgd-{fn.__name__}")
       for fn in (idx_shuffle, idx_choice, idx_generator, idx_split)]
    + [pytest.param(checks.check_run_sgd, fn, id=fn.__name__)
       for fn in (sgd_in_place_copy, sgd_grad_twice)],
)
@pytest.mark.parametrize("seed", [0, 5])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def batch(X, y, idx):
    return X[idx], y[idx]


def grad_sum(w, X, y, idx):
    Xb, yb = batch(X, y, idx)
    return 2 * Xb.T @ (Xb @ w - yb)


def grad_over_n(w, X, y, idx):
    Xb, yb = batch(X, y, idx)
    return 2 / len(y) * Xb.T @ (Xb @ w - yb)


def grad_sign(w, X, y, idx):
    Xb, yb = batch(X, y, idx)
    return 2 / len(idx) * Xb.T @ (yb - Xb @ w)


def grad_no_two(w, X, y, idx):
    Xb, yb = batch(X, y, idx)
    return Xb.T @ (Xb @ w - yb) / len(idx)


def grad_full(w, X, y, idx):
    return 2 / len(y) * X.T @ (X @ w - y)


def grad_first_rows(w, X, y, idx):
    Xb, yb = X[:len(idx)], y[:len(idx)]
    return 2 / len(idx) * Xb.T @ (Xb @ w - yb)


GRAD_MISTAKES = {
    "sum": (grad_sum, "divide the sum by the batch size"),
    "over n": (grad_over_n, "you divided by the number of samples"),
    "sign": (grad_sign, "the sign is flipped"),
    "no 2": (grad_no_two, "the factor 2"),
    "full": (grad_full, "this is the full gradient"),
    "first rows": (grad_first_rows, "you used the first len(idx) rows"),
    "no return": (lambda w, X, y, idx: None, "return"),
}


def cut(order, b):
    return [order[i:i + b] for i in range(0, len(order), b)]


def idx_drop_last(n, b, rng):
    return cut(rng.permutation(n), b)[: n // b]


def idx_no_shuffle(n, b, rng):
    return cut(np.arange(n), b)


def idx_replacement(n, b, rng):
    return cut(rng.integers(0, n, size=n), b)


def idx_choice_default(n, b, rng):
    return cut(rng.choice(n, size=n), b)          # replace=True is the default


def idx_independent_batches(n, b, rng):
    return [rng.choice(n, size=min(b, n - i), replace=False) for i in range(0, n, b)]


def idx_fixed_seed(n, b, rng):
    return cut(np.random.default_rng(0).permutation(n), b)


def idx_global_state(n, b, rng):
    return cut(np.random.permutation(n), b)  # noqa: NPY002 (the mistake under test)


def idx_shuffled_batch_order(n, b, rng):
    batches = cut(np.arange(n), b)
    return [batches[j] for j in rng.permutation(len(batches))]


def idx_array_split(n, b, rng):
    return np.array_split(rng.permutation(n), -(-n // b))


def idx_partial_first(n, b, rng):
    order = rng.permutation(n)
    r = n % b
    return [order[:r]] + cut(order[r:], b)


def idx_flat(n, b, rng):
    return rng.permutation(n)


def idx_float(n, b, rng):
    return [batch + 0.5 for batch in cut(rng.permutation(n), b)]


INDEX_MISTAKES = {
    "drop last": (idx_drop_last, "the last, partial batch is missing"),
    "no shuffle": (idx_no_shuffle, "original order"),
    "with replacement": (idx_replacement, "with replacement"),
    "choice default": (idx_choice_default, "replace=False"),
    "independent batches": (idx_independent_batches, "drew each batch independently"),
    "fixed seed": (idx_fixed_seed, "same generator returned the same batches"),
    "global state": (idx_global_state, "not from np.random"),
    "batch order only": (idx_shuffled_batch_order, "same neighbouring samples"),
    "array_split": (idx_array_split, "np.array_split"),
    "partial first": (idx_partial_first, "The smaller batch must be the last one"),
    "flat": (idx_flat, "one flat array"),
    "float": (idx_float, "integer indices"),
    "no return": (lambda n, b, rng: None, "return"),
}


def loop(*, lr=lambda t, e, j, schedule: schedule(t), batches=None, epochs_delta=0,
         sign=1.0, once=False, generator=False):
    """An SGD loop with one mistake switched on."""
    def sgd(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
        w, t = np.array(w0, dtype=float), 0
        make = batches or (lambda: cut(rng.permutation(n_samples), batch_size))
        fixed = make() if once else None
        if generator:
            fixed = iter(make())
        for e in range(epochs + epochs_delta):
            for j, idx in enumerate(fixed if fixed is not None else make()):
                w = w - sign * lr(t, e, j, schedule) * grad_fn(w, idx)
                t += 1
        return w
    return sgd


def sgd_modifies_w0(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    t = 0
    for _ in range(epochs):
        for idx in cut(rng.permutation(n_samples), batch_size):
            w0 -= schedule(t) * grad_fn(w0, idx)
            t += 1
    return w0


def sgd_schedule_not_called(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w = w0.copy()
    for _ in range(epochs):
        for idx in cut(rng.permutation(n_samples), batch_size):
            w = w - schedule * grad_fn(w, idx)
    return w


def sgd_returns_path(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w, t, path = w0.copy(), 0, [w0.copy()]
    for _ in range(epochs):
        for idx in cut(rng.permutation(n_samples), batch_size):
            w = w - schedule(t) * grad_fn(w, idx)
            t += 1
            path.append(w)
    return np.array(path)


def sgd_full_batch(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w = w0.copy()
    for t in range(epochs):
        w = w - schedule(t) * grad_fn(w, np.arange(n_samples))
    return w


def sgd_starts_at_zero(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    return loop()(grad_fn, np.zeros_like(w0), n_samples, batch_size, epochs, schedule, rng)


SGD_MISTAKES = {
    "restart": (loop(lr=lambda t, e, j, s: s(j)), "restarts in every epoch"),
    "epoch number": (loop(lr=lambda t, e, j, s: s(e)), "you passed the epoch number"),
    "epoch number + 1": (loop(lr=lambda t, e, j, s: s(e + 1)), "you passed the epoch number"),
    "off by one": (loop(lr=lambda t, e, j, s: s(t + 1)), "off by one"),
    "constant": (loop(lr=lambda t, e, j, s: s(0)), "never changes"),
    "no lr": (loop(lr=lambda t, e, j, s: 1.0), "the learning rate is missing"),
    "uphill": (loop(sign=-1.0), "climb the loss"),
    "same batches": (loop(once=True), "every epoch used the same batches"),
    "exhausted generator": (loop(generator=True), "only the first epoch took steps"),
    "one epoch extra": (loop(epochs_delta=1), "one epoch too many"),
    "one epoch short": (loop(epochs_delta=-1), "one epoch too few"),
    "drop last": (lambda g, w0, n, b, e, s, rng: loop(batches=lambda: idx_drop_last(n, b, rng))(
        g, w0, n, b, e, s, rng), "the last, partial batch of every epoch is missing"),
    "modifies w0": (sgd_modifies_w0, "modified its input array in place"),
    "schedule not called": (sgd_schedule_not_called, "use the number schedule(t)"),
    "returns path": (sgd_returns_path, "should return the final parameters"),
    "full batch": (sgd_full_batch, "one step per epoch"),
    "starts at zero": (sgd_starts_at_zero, "the first gradient must be evaluated at w0"),
    "no return": (lambda *args: None, "return w"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_minibatch_gradient, fn, msg, id=f"grad-{k}")
     for k, (fn, msg) in GRAD_MISTAKES.items()]
    + [pytest.param(checks.check_minibatch_indices, fn, msg, id=f"indices-{k}")
       for k, (fn, msg) in INDEX_MISTAKES.items()]
    + [pytest.param(checks.check_run_sgd, fn, msg, id=f"sgd-{k}")
       for k, (fn, msg) in SGD_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


@pytest.mark.parametrize("name", ["restart", "epoch number", "constant"])
def test_capstone_rejects_loops_that_stall_at_the_noise_floor(solution, name):
    with pytest.raises(AssertionError, match="above the least-squares loss"):
        checks.check_sgd_converges(SGD_MISTAKES[name][0], solution["minibatch_gradient"])


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_minibatch_gradient, checks.check_minibatch_indices,
                  checks.check_run_sgd):
        with pytest.raises(NotImplementedError):
            check(stub)
    with pytest.raises(NotImplementedError):
        checks.check_sgd_converges(stub, stub)


# Found by testing the exercise as a learner: correct answers written unusually ...
def grad_loop(w, X, y, idx):
    g = np.zeros_like(w)
    for i in idx:
        g += 2 * (X[i] @ w - y[i]) * X[i]
    return g / len(idx)


def idx_argsort(n, b, rng):
    return cut(np.argsort(rng.random(n)), b)


def idx_generator(n, b, rng):
    order = rng.permutation(n)
    for i in range(0, n, b):
        yield order[i:i + b]


def idx_python_lists(n, b, rng):
    return cut(rng.permutation(n).tolist(), b)


def sgd_all_batches_first(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    batches = [idx for _ in range(epochs) for idx in cut(rng.permutation(n_samples), batch_size)]
    w = w0
    for t, idx in enumerate(batches):
        w = w - schedule(t) * grad_fn(w, idx)
    return w


UNUSUAL_CORRECT = [
    (checks.check_minibatch_gradient, grad_loop),
    (checks.check_minibatch_gradient, lambda w, X, y, idx: 2 * X[idx].T @ (X @ w - y)[idx]
     / len(idx)),
    (checks.check_minibatch_indices, idx_argsort),
    (checks.check_minibatch_indices, idx_generator),
    (checks.check_minibatch_indices, idx_python_lists),
    (checks.check_run_sgd, sgd_all_batches_first),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("check", "fn"), UNUSUAL_CORRECT)
def test_unusual_correct_answers_are_accepted(check, fn, seed):
    check(fn, seed=seed)


def idx_whole_floats(n, b, rng):
    return cut(rng.permutation(n).astype(float), b)


# ... and mistakes the first lists missed.
MORE_MISTAKES = [
    # used to escape as a raw NumPy broadcasting error
    (checks.check_minibatch_gradient, lambda w, X, y, idx: 2 / len(idx) * X[idx].T @ (
        X[idx] @ w - y), "yb = y[idx]"),
    # used to pass here, then make X[idx] fail with a raw IndexError in task 4
    (checks.check_minibatch_indices, idx_whole_floats, ".astype(int)"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_capstone_explains_a_gradient_returned_as_a_list(solution):
    def grad_as_list(w, X, y, idx):
        return list(solution["minibatch_gradient"](w, X, y, idx))

    with pytest.raises(AssertionError, match="not a NumPy array"):
        checks.check_sgd_converges(loop(), grad_as_list)


def test_capstone_accepts_a_list_gradient_that_sgd_converts(solution):
    def grad_as_list(w, X, y, idx):
        return list(solution["minibatch_gradient"](w, X, y, idx))

    def sgd_converting(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
        return loop()(lambda w, idx: np.asarray(grad_fn(w, idx)), w0, n_samples, batch_size,
                      epochs, schedule, rng)

    checks.check_sgd_converges(sgd_converting, grad_as_list)


# --- issue 9: shuffles, generators, early stops, odd returns, the variance tasks --------------

def idx_rotation(n, b, rng):
    return cut(np.roll(np.arange(n), rng.integers(n)), b)


def idx_block_shuffle(n, b, rng):
    blocks = [np.arange(i, min(i + 3, n)) for i in range(0, n, 3)]
    return cut(np.concatenate([blocks[j] for j in rng.permutation(len(blocks))]), b)


def idx_sorted_batches(n, b, rng):
    return [np.sort(batch) for batch in cut(rng.permutation(n), b)]


_MODULE_GENERATOR = np.random.default_rng(0)


def idx_module_generator(n, b, rng):
    return cut(_MODULE_GENERATOR.permutation(n), b)


def idx_seed_from_rng_ignored(n, b, rng):
    local = np.random.default_rng(12345)
    rng.permutation(n)                                  # touches rng, but does not use it
    return cut(local.permutation(n) if rng is None else local.permutation(n), b)


SHUFFLE_MISTAKES = {
    "rotation": (idx_rotation, "keeps neighbours together"),
    "block shuffle": (idx_block_shuffle, "keeps neighbours together"),
    "module-level generator": (idx_module_generator, "same seed gave different batches"),
    "private generator": (idx_seed_from_rng_ignored, "same generator returned the same batches"),
}


@pytest.mark.parametrize("name", SHUFFLE_MISTAKES)
@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=40, batch_size=8, seed=21)])
def test_shuffles_that_are_not_random_are_rejected(name, kwargs):
    fn, message = SHUFFLE_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_minibatch_indices(fn, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=40, batch_size=8, seed=21),
                                    dict(n_samples=10, batch_size=1, seed=22),
                                    dict(n_samples=31, batch_size=30, seed=23),
                                    dict(n_samples=12, batch_size=12, seed=24)])
@pytest.mark.parametrize("seed_shift", range(4))
def test_a_shuffle_with_sorted_batches_passes_a_batch_is_a_set(kwargs, seed_shift):
    kwargs = {**kwargs, "seed": kwargs.get("seed", 0) + seed_shift}
    checks.check_minibatch_indices(idx_sorted_batches, **kwargs)
    checks.check_run_sgd(sgd_with(idx_sorted_batches), seed=kwargs["seed"])
    checks.check_run_sgd(sgd_with(idx_sorted_batches), n_samples=7, batch_size=7, epochs=3)


def sgd_global_shuffle(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    return sgd_with(lambda n, b, _: cut(np.random.permutation(n), b))(  # noqa: NPY002
        grad_fn, w0, n_samples, batch_size, epochs, schedule, rng)


def sgd_private_generator(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    own = np.random.default_rng(0)
    return sgd_with(lambda n, b, _: cut(own.permutation(n), b))(
        grad_fn, w0, n_samples, batch_size, epochs, schedule, rng)


def sgd_stops_when_flat(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w, t = np.array(w0, dtype=float), 0
    for _ in range(epochs):
        for idx in cut(rng.permutation(n_samples), batch_size):
            g = grad_fn(w, idx)
            if np.linalg.norm(g) < 1e-12:
                return w
            w = w - schedule(t) * g
            t += 1
    return w


def sgd_returns_tuple(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    return loop()(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng), [1, 2, 3]


RUN_SGD_MISTAKES = {
    "global np.random": (sgd_global_shuffle, {}, "same seed gave different results"),
    "private generator": (sgd_private_generator, {}, "two different seeds gave the same"),
    "stops when flat": (sgd_stops_when_flat, dict(converged_start=True), "stopped early"),
    "one epoch short, converged": (loop(epochs_delta=-1), dict(converged_start=True),
                                   "stopped early"),
    "tuple": (sgd_returns_tuple, {}, "should return the final parameters"),
}


@pytest.mark.parametrize("name", RUN_SGD_MISTAKES)
def test_run_sgd_generator_and_early_stop_mistakes(name):
    fn, kwargs, message = RUN_SGD_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_run_sgd(fn, **kwargs)


def test_run_sgd_passes_a_problem_that_starts_converged(solution):
    checks.check_run_sgd(solution["run_sgd"], converged_start=True)
    checks.check_run_sgd(sgd_stops_when_flat)           # not flat here: passes


def sigma2_of(w, X, y):
    g = 2 * (X @ w - y)[:, None] * X
    return np.sum(np.var(g, axis=0))


PREDICTED_VALID = [
    lambda w, X, y, b: sigma2_of(w, X, y) / b * (len(y) - b) / (len(y) - 1),
    lambda w, X, y, b: np.float32(sigma2_of(w, X, y) / b * (1 - (b - 1) / (len(y) - 1))),
]


@pytest.mark.parametrize("fn", PREDICTED_VALID)
@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=12, n_features=2, batch_size=12, seed=51),
                                    dict(n_samples=50, n_features=4, batch_size=1, seed=52)])
def test_predicted_variance_accepts_valid_forms(solution, fn, kwargs):
    checks.check_predicted_variance(solution["predicted_variance"], **kwargs)
    checks.check_predicted_variance(fn, **kwargs)


PREDICTED_MISTAKES = {
    "with replacement": (lambda w, X, y, b: sigma2_of(w, X, y) / b, "WITH replacement"),
    "(n-b)/n": (lambda w, X, y, b: sigma2_of(w, X, y) / b * (len(y) - b) / len(y),
                "not (n - b)/n"),
    "not centred": (lambda w, X, y, b: np.mean(np.sum((2 * (X @ w - y)[:, None] * X) ** 2, 1))
                    / b * (len(y) - b) / (len(y) - 1), "around their mean"),
    "b squared": (lambda w, X, y, b: sigma2_of(w, X, y) / b**2 * (len(y) - b) / (len(y) - 1),
                  "divide σ² by b once"),
    "std": (lambda w, X, y, b: np.sqrt(sigma2_of(w, X, y) / b * (len(y) - b) / (len(y) - 1)),
            "not its square root"),
    "array": (lambda w, X, y, b: np.var(2 * (X @ w - y)[:, None] * X, axis=0) / b,
              "single number"),
    "no return": (lambda w, X, y, b: None, "return"),
    "no factor 2": (lambda w, X, y, b: sigma2_of(w, X, y) / 4 / b * (len(y) - b) / (len(y) - 1),
                    "4 times too small"),
    "mean over coordinates": (lambda w, X, y, b: np.mean(np.var(2 * (X @ w - y)[:, None] * X,
                                                                axis=0))
                              / b * (len(y) - b) / (len(y) - 1), "SQUARED NORM"),
}


@pytest.mark.parametrize("name", PREDICTED_MISTAKES)
def test_predicted_variance_rejects_typical_mistakes(name):
    fn, message = PREDICTED_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_predicted_variance(fn)


def test_predicted_variance_names_both_slips_when_they_give_the_same_number():
    # with 4 features, a mean over the coordinates is also 4 times too small
    fn = PREDICTED_MISTAKES["mean over coordinates"][0]
    with pytest.raises(AssertionError, match="either .* or .*SQUARED NORM"):
        checks.check_predicted_variance(fn, n_samples=50, n_features=4, batch_size=3, seed=52)


def test_predicted_variance_is_zero_for_the_whole_data_set():
    with pytest.raises(AssertionError, match="WITH replacement"):
        checks.check_predicted_variance(PREDICTED_MISTAKES["with replacement"][0], n_samples=12,
                                        batch_size=12)


def bgv(draw, *, subtract=True, root=False, dtype=float, draws=None):
    def batch_gradient_variance(w, X, y, batch_size, n_draws, rng):
        n = len(y)
        full = 2 / n * X.T @ (X @ w - y) if subtract else 0.0
        total = 0.0
        for _ in range(n_draws if draws is None else draws):
            idx = draw(rng, n, batch_size)
            Xb, yb = X[idx].astype(dtype), y[idx].astype(dtype)
            d = 2 / len(idx) * Xb.T @ (Xb @ w.astype(dtype) - yb) - full
            total += d @ d
        mean = total / (n_draws if draws is None else draws)
        return np.sqrt(mean) if root else mean
    return batch_gradient_variance


def without(rng, n, b):
    return rng.choice(n, size=b, replace=False)


def vectorized(w, X, y, batch_size, n_draws, rng):
    n = len(y)
    grads = 2 * (X @ w - y)[:, None] * X
    batches = rng.permuted(np.tile(np.arange(n), (n_draws, 1)), axis=1)[:, :batch_size]
    d = grads[batches].mean(axis=1) - grads.mean(axis=0)
    return np.mean(np.sum(d**2, axis=1))


BGV_VALID = [bgv(without), bgv(lambda rng, n, b: rng.permutation(n)[:b]),
             bgv(without, dtype=np.float32), vectorized]


@pytest.mark.parametrize("fn", BGV_VALID)
@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=30, n_features=3, batch_size=5, seed=61),
                                    dict(n_samples=12, n_features=1, batch_size=11, seed=62)])
def test_batch_gradient_variance_accepts_valid_ways(solution, fn, kwargs):
    checks.check_batch_gradient_variance(solution["batch_gradient_variance"], **kwargs)
    checks.check_batch_gradient_variance(fn, **kwargs)


BGV_MISTAKES = {
    "with replacement": (bgv(lambda rng, n, b: rng.integers(0, n, size=b)), "WITH replacement"),
    "choice default": (bgv(lambda rng, n, b: rng.choice(n, size=b)), "WITH replacement"),
    "not subtracted": (bgv(without, subtract=False), "subtract the full gradient"),
    "square root": (bgv(without, root=True), "square root"),
    "global np.random": (bgv(lambda rng, n, b: np.random.choice(n, b, replace=False)),  # noqa: NPY002
                         "same seed gave different results"),
    "private generator": (lambda w, X, y, b, k, rng: bgv(without)(
        w, X, y, b, k, np.random.default_rng(0)), "two different seeds gave the same result"),
    "ignores n_draws": (bgv(without, draws=3000), "n_draws=2"),
    "array": (lambda w, X, y, b, k, rng: np.zeros(2), "one number"),
    "no return": (lambda w, X, y, b, k, rng: None, "return"),
}


@pytest.mark.parametrize("name", BGV_MISTAKES)
def test_batch_gradient_variance_rejects_typical_mistakes(name):
    fn, message = BGV_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_batch_gradient_variance(fn)


def test_batch_of_everything_must_give_zero():
    # with replacement happens to be close at b = 1; b = n still exposes it
    with pytest.raises(AssertionError, match="exactly 0"):
        checks.check_batch_gradient_variance(BGV_MISTAKES["with replacement"][0], batch_size=1,
                                             n_samples=20)


def test_new_stubs_are_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_predicted_variance, checks.check_batch_gradient_variance):
        with pytest.raises(NotImplementedError):
            check(stub)


def grad_float32(w, X, y, idx):
    Xb, yb = X[idx].astype(np.float32), y[idx].astype(np.float32)
    return 2 / len(idx) * Xb.T @ (Xb @ w.astype(np.float32) - yb)


def run_sgd_float32(grad_fn, w0, n_samples, batch_size, epochs, schedule, rng):
    w, t = np.asarray(w0, dtype=np.float32), 0
    for _ in range(epochs):
        for idx in cut(rng.permutation(n_samples), batch_size):
            step = np.float32(schedule(t)) * np.asarray(grad_fn(w, idx), dtype=np.float32)
            w = (w - step).astype(np.float32)
            t += 1
    return w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_float32_answers_pass(seed):
    checks.check_minibatch_gradient(grad_float32, seed=seed)
    checks.check_run_sgd(run_sgd_float32, seed=seed)


def test_capstone_explains_an_odd_return_instead_of_crashing(solution):
    with pytest.raises(AssertionError, match="returned tuple"):
        checks.check_sgd_converges(sgd_returns_tuple, solution["minibatch_gradient"])


def test_check_rng_use_tells_the_two_misuses_apart():
    from mlopt.checks._core import check_rng_use

    def good(seed):
        return np.random.default_rng(seed).permutation(5)

    check_rng_use(good, "f(rng)", seed=3)
    with pytest.raises(AssertionError, match="same seed gave different results"):
        check_rng_use(lambda seed: np.random.permutation(5), "f(rng)", seed=3)  # noqa: NPY002
    with pytest.raises(AssertionError, match="two different seeds gave the same result"):
        check_rng_use(lambda seed: np.random.default_rng(0).permutation(5), "f(rng)", seed=3)
    # where another seed cannot change anything, only reproducibility is asked for
    check_rng_use(lambda seed: np.arange(5), "f(rng)", seed=3, other_seed=False)


# --- the noise floor: prediction -----------------------------------------------------------------

def lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def star_noise(X, y):
    """The mean squared norm of the per-sample gradients at w* (their mean is 0 there)."""
    g = 2 * (X @ lstsq(X, y) - y)[:, None] * X
    return np.mean(np.sum(g**2, axis=1))


def fpc(X, b):
    return (len(X) - b) / (len(X) - 1)


FLOOR_KWARGS = [{}, dict(n_samples=30, n_features=2, batch_size=1, lr=0.1, seed=71),
                dict(n_samples=25, n_features=4, batch_size=25, lr=0.02, seed=72),
                dict(n_samples=60, n_features=3, batch_size=10, lr=0.03, seed=73)]

PREDICTED_FLOOR_VALID = [
    lambda X, y, lr, b: lr / 4 * star_noise(X, y) / b * fpc(X, b),
    # task 4's variance at w*, centred (the mean is 0 up to rounding)
    lambda X, y, lr, b: lr / 4 * sigma2_of(lstsq(X, y), X, y) / b * (1 - (b - 1) / (len(y) - 1)),
    lambda X, y, lr, b: np.float32(lr * star_noise(X, y) * fpc(X, b) / (4 * b)),
]


@pytest.mark.parametrize("fn", PREDICTED_FLOOR_VALID)
@pytest.mark.parametrize("kwargs", FLOOR_KWARGS)
def test_predicted_floor_accepts_valid_forms(solution, fn, kwargs):
    checks.check_predicted_floor(solution["predicted_floor"], **kwargs)
    checks.check_predicted_floor(fn, **kwargs)


PREDICTED_FLOOR_MISTAKES = {
    "eta/2": (lambda X, y, lr, b: lr / 2 * star_noise(X, y) / b * fpc(X, b), "twice too large"),
    "batch ignored": (lambda X, y, lr, b: lr / 4 * star_noise(X, y) * fpc(X, b),
                      "left out the batch size"),
    "b squared": (lambda X, y, lr, b: lr / 4 * star_noise(X, y) / b**2 * fpc(X, b),
                  "not by b²"),
    "with replacement": (lambda X, y, lr, b: lr / 4 * star_noise(X, y) / b, "WITH replacement"),
    "at w = 0": (lambda X, y, lr, b: lr / 4 * sigma2_of(np.zeros(X.shape[1]), X, y) / b
                 * fpc(X, b), "at w = 0"),
    "no lr": (lambda X, y, lr, b: star_noise(X, y) / 4 / b * fpc(X, b), "learning rate is missing"),
    "eta": (lambda X, y, lr, b: lr * star_noise(X, y) / b * fpc(X, b), "not η times it"),
    "no return": (lambda X, y, lr, b: None, "return"),
    "array": (lambda X, y, lr, b: np.ones(3), "single number"),
}


@pytest.mark.parametrize("name", PREDICTED_FLOOR_MISTAKES)
def test_predicted_floor_rejects_typical_mistakes(name):
    fn, message = PREDICTED_FLOOR_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_predicted_floor(fn)


def test_predicted_floor_ignores_no_argument():
    """Each argument changes the answer: lr, batch_size, and the data (hidden tests vary them)."""
    with pytest.raises(AssertionError, match="is wrong"):
        checks.check_predicted_floor(lambda X, y, lr, b: 0.05 / 4 * star_noise(X, y) / b
                                     * fpc(X, b), lr=0.1, seed=71)
    with pytest.raises(AssertionError, match="is wrong"):
        checks.check_predicted_floor(lambda X, y, lr, b: lr / 4 * star_noise(X, y) / 4
                                     * fpc(X, 4), batch_size=10, n_samples=60, seed=73)


def test_exact_floor_agrees_with_a_long_simulation_and_the_first_order_limit():
    """The reference the measurement is judged against: the exact stationary floor agrees with
    a long simulation (and with replacement too), and the first-order prediction is its
    small-lr limit."""
    X, y, _ = checks.make_regression(40, 3, seed=5)
    for b, replace in [(1, False), (4, False), (4, True)]:
        exact = checks.exact_noise_floor(X, y, 0.05, b, replace=replace)
        if replace:
            measured = floor_chains(X, y, 0.05, b, 200, 1500, np.random.default_rng(1),
                                    draw=lambda rng, n, c, k: rng.integers(0, n, size=(c, k)))
        else:
            measured = floor_chains(X, y, 0.05, b, 200, 1500, np.random.default_rng(1))
        assert abs(measured / exact - 1) < 0.02, (b, replace, measured, exact)
    small = [checks.exact_noise_floor(X, y, lr, 4) / checks.first_order_floor(X, y, lr, 4)
             for lr in (0.1, 0.01, 0.001)]
    assert small[0] > small[1] > small[2] and abs(small[2] - 1) < 0.01, small
    assert checks.exact_noise_floor(X, y, 0.05, 40) == pytest.approx(0, abs=1e-15)


# --- the noise floor: measurement ----------------------------------------------------------------

def without_chains(rng, n, chains, b):
    return rng.permuted(np.tile(np.arange(n), (chains, 1)), axis=1)[:, :b]


def floor_chains(X, y, lr, batch_size, n_chains, n_steps, rng, *, burn="mu", start=None,
                 draw=without_chains, excess="loss", use_b=True, last_only=False, one_chain=False,
                 dtype=float):
    """A family of measurements of the floor: correct by default, each keyword one slip."""
    n, p = X.shape
    b = batch_size if use_b else 1
    w_star = lstsq(X, y)
    f_star = np.mean((X @ w_star - y) ** 2)
    H = 2 / n * X.T @ X
    mu = np.linalg.eigvalsh(H).min()
    burn = {"mu": min(int(np.ceil(5 / (lr * mu))), n_steps - 1), "half": n_steps // 2,
            "three quarters": 3 * n_steps // 4, "none": 0, "ten": 10}[burn]
    if last_only:
        burn = n_steps - 1
    chains = 1 if one_chain else n_chains
    W = np.zeros((chains, p)) if start is None else np.tile(start(X, y), (chains, 1))
    W, Xd, yd = W.astype(dtype), X.astype(dtype), y.astype(dtype)
    total = 0.0
    for t in range(n_steps):
        idx = draw(rng, n, chains, b)
        R = np.einsum("cbp,cp->cb", Xd[idx], W) - yd[idx]
        W = W - dtype(lr) * 2 / b * np.einsum("cb,cbp->cp", R, Xd[idx])
        if t >= burn:
            E = W - w_star
            value = {"loss": np.mean((W @ X.T - y) ** 2, axis=1) - f_star,
                     "quadratic": 0.5 * np.einsum("cp,pq,cq->c", E, H, E),
                     "double": np.einsum("cp,pq,cq->c", E, H, E),
                     "raw loss": np.mean((W @ X.T - y) ** 2, axis=1)}[excess]
            total += np.mean(value)
    return total / (n_steps - burn)


def floor_variant(**options):
    def noise_floor(X, y, lr, batch_size, n_chains, n_steps, rng):
        return floor_chains(X, y, lr, batch_size, n_chains, n_steps, rng, **options)
    return noise_floor


def floor_loop_over_chains(X, y, lr, batch_size, n_chains, n_steps, rng):
    """Chains one at a time, batches from rng.choice: slower, just as right."""
    n, p = X.shape
    w_star = lstsq(X, y)
    H = 2 / n * X.T @ X
    burn = n_steps // 3
    total = 0.0
    for _ in range(n_chains):
        w = np.zeros(p)
        for t in range(n_steps):
            idx = rng.choice(n, size=batch_size, replace=False)
            w = w - lr * 2 / batch_size * X[idx].T @ (X[idx] @ w - y[idx])
            if t >= burn:
                total += 0.5 * (w - w_star) @ H @ (w - w_star)
    return total / (n_chains * (n_steps - burn))


NOISE_FLOOR_VALID = [
    floor_variant(),
    floor_variant(burn="half", excess="quadratic"),
    floor_variant(start=lstsq, burn="half"),           # the floor does not depend on the start
    floor_variant(burn="three quarters"),              # a cautious burn-in: noisier, still right
    floor_variant(dtype=np.float32),
    floor_loop_over_chains,
]


@pytest.mark.parametrize("fn", NOISE_FLOOR_VALID)
def test_noise_floor_accepts_valid_ways(solution, fn):
    checks.check_noise_floor(fn)


@pytest.mark.parametrize("kwargs", [FLOOR_KWARGS[1], FLOOR_KWARGS[3], dict(seed=1), dict(seed=2)])
def test_noise_floor_reference_passes_other_problems(solution, kwargs):
    checks.check_noise_floor(solution["noise_floor"], **kwargs)


NOISE_FLOOR_MISTAKES = {
    "transient included": (floor_variant(burn="none"), "the transient"),
    "transient barely cut": (floor_variant(burn="ten"), "above the stationary floor"),
    "batch size ignored": (floor_variant(use_b=False), "batches of ONE sample"),
    "with replacement": (floor_variant(draw=lambda rng, n, c, k: rng.integers(0, n, size=(c, k))),
                         "WITH replacement"),
    "eᵀHe without ½": (floor_variant(excess="double"), "twice the floor"),
    "loss, not excess": (floor_variant(excess="raw loss"), "subtract f*"),
    "one chain": (floor_variant(one_chain=True), "not one chain or the last step"),
    "last step only": (floor_variant(last_only=True), "not one chain or the last step"),
    "global np.random": (lambda X, y, lr, b, c, s, rng: floor_chains(
        X, y, lr, b, c, s, np.random.default_rng(np.random.randint(1 << 30))),  # noqa: NPY002
        "same seed gave different floors"),
    "private generator": (lambda X, y, lr, b, c, s, rng: floor_chains(
        X, y, lr, b, c, s, np.random.default_rng(0)), "two different seeds gave the same floor"),
    "array": (lambda X, y, lr, b, c, s, rng: np.full(c, 0.01), "one number"),
    "no return": (lambda X, y, lr, b, c, s, rng: None, "return"),
}


@pytest.mark.parametrize("name", NOISE_FLOOR_MISTAKES)
def test_noise_floor_rejects_typical_mistakes(name):
    fn, message = NOISE_FLOOR_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_noise_floor(fn)


@pytest.mark.parametrize("name", ["one chain", "last step only", "batch size ignored",
                                  "transient included"])
@pytest.mark.parametrize("kwargs", [FLOOR_KWARGS[1], FLOOR_KWARGS[3]],
                         ids=["b=1", "b=10"])
def test_noise_floor_mistakes_are_rejected_on_the_hidden_problems(name, kwargs):
    fn, message = NOISE_FLOOR_MISTAKES[name]
    if name == "batch size ignored" and kwargs["batch_size"] == 1:
        pytest.skip("with batches of one the mistake is the right answer")
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_noise_floor(fn, **kwargs)


def test_noise_floor_stubs_are_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_predicted_floor, checks.check_noise_floor):
        with pytest.raises(NotImplementedError):
            check(stub)


ODD_RETURNS = [None, "x", {"a": 1}, (1, 2, 3), [np.zeros(2), 1.0], np.zeros((2, 2)), object(),
               (0.01,) * 2]


@pytest.mark.parametrize("value", ODD_RETURNS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("check", [checks.check_predicted_floor, checks.check_noise_floor,
                                   checks.check_predicted_variance,
                                   checks.check_batch_gradient_variance])
def test_no_floor_or_variance_check_crashes_on_an_odd_return_value(check, value):
    with pytest.raises(AssertionError):
        check(lambda *args, **kwargs: value)
