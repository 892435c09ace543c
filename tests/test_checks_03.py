"""Chapter 03 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import gradient_descent as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "03_gradient_descent"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_gd_step, "gd_step"), (checks.check_gradient_descent, "gradient_descent"),
     (checks.check_max_stable_lr, "max_stable_lr"), (checks.check_standardize, "standardize")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_gradient_descent, "gradient_descent", dict(n_steps=0)),
     (checks.check_gradient_descent, "gradient_descent", dict(n_params=1, n_steps=1, lr=0.3)),
     (checks.check_max_stable_lr, "max_stable_lr", dict(n_samples=1, n_features=1)),
     (checks.check_max_stable_lr, "max_stable_lr", dict(n_samples=4, n_features=6)),
     (checks.check_standardize, "standardize", dict(n_train=2, n_test=1, n_features=1))],
)
def test_reference_answers_pass_edge_shapes(solution, check, name, kwargs):
    check(solution[name], **kwargs)


# --- other valid ways are accepted -------------------------------------------------------------

def step_loop(w, grad, lr):
    return np.array([w[i] - lr * grad[i] for i in range(len(w))])


def step_copy_in_place(w, grad, lr):
    w = w.copy()
    w -= lr * grad
    return w


def gd_preallocated(grad_fn, w0, lr, n_steps):
    path = np.empty((n_steps + 1, len(w0)))
    path[0] = w0
    for k in range(n_steps):
        path[k + 1] = path[k] - lr * grad_fn(path[k])
    return path


def gd_list_of_copies(grad_fn, w0, lr, n_steps):
    w = w0.copy()
    path = [w.copy()]
    for _ in range(n_steps):
        w -= lr * grad_fn(w)
        path.append(w.copy())
    return path  # a list of arrays: np.asarray gives the right shape


def lr_eigvalsh(X):
    return 2 / (2 / len(X) * np.linalg.eigvalsh(X.T @ X).max())


def lr_svd(X):
    return len(X) / np.linalg.svd(X, compute_uv=False)[0] ** 2


def lr_gram_of_rows(X):
    return X.shape[0] / np.linalg.eigvalsh(X @ X.T).max()


def standardize_sklearn(X_train, X_test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def standardize_loop(X_train, X_test):
    out_train, out_test = X_train.astype(float), X_test.astype(float)
    for j in range(X_train.shape[1]):
        mean = sum(X_train[:, j]) / len(X_train)
        std = (sum((X_train[:, j] - mean) ** 2) / len(X_train)) ** 0.5
        out_train[:, j] = (X_train[:, j] - mean) / std
        out_test[:, j] = (X_test[:, j] - mean) / std
    return out_train, out_test


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_gd_step, fn, id=fn.__name__)
     for fn in (step_loop, step_copy_in_place)]
    + [pytest.param(checks.check_gradient_descent, fn, id=fn.__name__)
       for fn in (gd_preallocated, gd_list_of_copies)]
    + [pytest.param(checks.check_max_stable_lr, fn, id=fn.__name__)
       for fn in (lr_eigvalsh, lr_svd, lr_gram_of_rows)]
    + [pytest.param(checks.check_standardize, fn, id=fn.__name__)
       for fn in (standardize_sklearn, standardize_loop)],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def step_in_place(w, grad, lr):
    w -= lr * grad
    return w


STEP_MISTAKES = {
    "plus": (lambda w, g, lr: w + lr * g, "you stepped uphill"),
    "step only": (lambda w, g, lr: lr * g, "you returned the step lr * grad"),
    "no lr": (lambda w, g, lr: w - g, "the learning rate is missing"),
    "divide lr": (lambda w, g, lr: w - g / lr, "do not divide"),
    "in place": (step_in_place, "modified its input array in place"),
    "no return": (lambda w, g, lr: None, "return"),
}


def loop(grad_fn, w0, lr, n_steps, *, first=True, steps=None, sign=1.0):
    w = np.array(w0, dtype=float)
    path = [w] if first else []
    for _ in range(n_steps if steps is None else steps):
        w = w - sign * lr * grad_fn(w)
        path.append(w)
    return np.array(path)


def gd_w0_missing(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps, first=False)


def gd_one_short(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps, steps=n_steps - 1)


def gd_one_extra(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps, steps=n_steps + 1)


def gd_range_plus_one_no_w0(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps, first=False, steps=n_steps + 1)


def gd_last_only(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps)[-1]


def gd_modifies_w0(grad_fn, w0, lr, n_steps):
    path = [w0.copy()]
    for _ in range(n_steps):
        w0 -= lr * grad_fn(w0)
        path.append(w0.copy())
    return np.array(path)


def gd_aliased_rows(grad_fn, w0, lr, n_steps):
    w = w0.copy()
    path = []
    for _ in range(n_steps + 1):
        path.append(w)
        if len(path) <= n_steps:
            w -= lr * grad_fn(w)
    return np.array(path)


def gd_aliased_after_copy(grad_fn, w0, lr, n_steps):
    path = [w0.copy()]
    w = w0.copy()
    for _ in range(n_steps):
        w -= lr * grad_fn(w)
        path.append(w)
    return np.array(path)


def gd_uphill(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps, sign=-1.0)


def gd_gradient_at_w0(grad_fn, w0, lr, n_steps):
    g = grad_fn(w0)
    return np.array([w0 - k * lr * g for k in range(n_steps + 1)])


def gd_transposed(grad_fn, w0, lr, n_steps):
    return loop(grad_fn, w0, lr, n_steps).T


GD_MISTAKES = {
    "w0 missing": (gd_w0_missing, "the first row must be w0 itself"),
    "one short": (gd_one_short, "one step too early"),
    "one extra": (gd_one_extra, "one step too many"),
    "range+1 no w0": (gd_range_plus_one_no_w0, "the first row must be w0 itself"),
    "last only": (gd_last_only, "only the last iterate"),
    "modifies w0": (gd_modifies_w0, "modified its input array in place"),
    "aliased rows": (gd_aliased_rows, "every row equals the last iterate"),
    "aliased after copy": (gd_aliased_after_copy, "every row after the first"),
    "uphill": (gd_uphill, "climb the loss"),
    "gradient at w0": (gd_gradient_at_w0, "gradient at w0 for every step"),
    "transposed": (gd_transposed, "It looks transposed"),
    "no return": (lambda grad_fn, w0, lr, n_steps: None, "return"),
}


def sigma_max(X):
    return np.linalg.norm(X, 2)


LR_MISTAKES = {
    "no 2 in L": (lambda X: 2 / (sigma_max(X) ** 2 / len(X)), "twice too large"),
    "no 1/n": (lambda X: 2 / (2 * sigma_max(X) ** 2), "n times too small"),
    "1/p": (lambda X: 2 / (2 / X.shape[1] * sigma_max(X) ** 2), "not the number of features"),
    "not squared": (lambda X: 2 / (2 / len(X) * sigma_max(X)), "square the largest singular"),
    "eig squared": (lambda X: 2 / (2 / len(X) * np.linalg.eigvalsh(X.T @ X).max() ** 2),
                    "do not square that again"),
    "lambda min": (lambda X: 2 / (2 / len(X) * np.linalg.svd(X, compute_uv=False).min() ** 2),
                   "smallest singular value"),
    "1/L": (lambda X: 1 / (2 / len(X) * sigma_max(X) ** 2), "this is 1/L"),
    "frobenius": (lambda X: 2 / (2 / len(X) * np.linalg.norm(X) ** 2), "Frobenius"),
    "array": (lambda X: 2 / (2 / len(X) * np.linalg.svd(X, compute_uv=False) ** 2),
              "only the largest singular value"),
}


def scale(X, mean, std):
    return (X - mean) / std


def std_test_stats(X_train, X_test):
    return (scale(X_train, X_train.mean(0), X_train.std(0)),
            scale(X_test, X_test.mean(0), X_test.std(0)))


def std_variance(X_train, X_test):
    m, v = X_train.mean(0), X_train.var(0)
    return scale(X_train, m, v), scale(X_test, m, v)


def std_not_centered(X_train, X_test):
    s = X_train.std(0)
    return X_train / s, X_test / s


def std_not_scaled(X_train, X_test):
    m = X_train.mean(0)
    return X_train - m, X_test - m


def std_ddof1(X_train, X_test):
    m, s = X_train.mean(0), X_train.std(0, ddof=1)
    return scale(X_train, m, s), scale(X_test, m, s)


def std_no_axis(X_train, X_test):
    m, s = X_train.mean(), X_train.std()
    return scale(X_train, m, s), scale(X_test, m, s)


def std_axis1(X_train, X_test):
    return (scale(X_train, X_train.mean(1, keepdims=True), X_train.std(1, keepdims=True)),
            scale(X_test, X_test.mean(1, keepdims=True), X_test.std(1, keepdims=True)))


def std_minmax(X_train, X_test):
    lo, span = X_train.min(0), np.ptp(X_train, 0)
    return scale(X_train, lo, span), scale(X_test, lo, span)


def std_all_data(X_train, X_test):
    both = np.vstack([X_train, X_test])
    m, s = both.mean(0), both.std(0)
    return scale(X_train, m, s), scale(X_test, m, s)


def std_test_unscaled(X_train, X_test):
    return scale(X_train, X_train.mean(0), X_train.std(0)), X_test


def std_swapped(X_train, X_test):
    return std_test_stats(X_train, X_test)[::-1]


def std_in_place(X_train, X_test):
    m, s = X_train.mean(0), X_train.std(0)
    X_train -= m
    X_train /= s
    return X_train, scale(X_test, m, s)


def std_one_array(X_train, X_test):
    return scale(X_train, X_train.mean(0), X_train.std(0))


STANDARDIZE_MISTAKES = {
    "test statistics": (std_test_stats, "scaled with its own mean and std"),
    "variance": (std_variance, "you divided by the variance"),
    "not centered": (std_not_centered, "you did not subtract the mean"),
    "not scaled": (std_not_scaled, "you did not divide by the standard deviation"),
    "ddof=1": (std_ddof1, "ddof=0"),
    "no axis": (std_no_axis, "of each feature (column): axis=0"),
    "axis=1": (std_axis1, "not axis=1"),
    "min-max": (std_minmax, "min-max scaling"),
    "all data": (std_all_data, "leaks information"),
    "test unscaled": (std_test_unscaled, "the test set was not scaled"),
    "swapped": (std_swapped, "in the wrong order"),
    "in place": (std_in_place, "modified its input array in place"),
    "one array": (std_one_array, "should return the pair"),
    "no return": (lambda X_train, X_test: None, "return X_train_s, X_test_s"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_gd_step, fn, msg, id=f"step-{k}")
     for k, (fn, msg) in STEP_MISTAKES.items()]
    + [pytest.param(checks.check_gradient_descent, fn, msg, id=f"gd-{k}")
       for k, (fn, msg) in GD_MISTAKES.items()]
    + [pytest.param(checks.check_max_stable_lr, fn, msg, id=f"lr-{k}")
       for k, (fn, msg) in LR_MISTAKES.items()]
    + [pytest.param(checks.check_standardize, fn, msg, id=f"standardize-{k}")
       for k, (fn, msg) in STANDARDIZE_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_gd_step, checks.check_gradient_descent,
                  checks.check_max_stable_lr, checks.check_standardize):
        with pytest.raises(NotImplementedError):
            check(stub)


# Found by testing the exercise as a learner: correct answers written unusually ...
def gd_preallocated(grad_fn, w0, lr, n_steps):
    path = np.zeros((n_steps + 1, len(w0)))
    path[0] = w0
    for k in range(n_steps):
        path[k + 1] = path[k] - lr * grad_fn(path[k])
    return path


def gd_recursive(grad_fn, w0, lr, n_steps):
    if n_steps == 0:
        return w0[None, :]
    before = gd_recursive(grad_fn, w0, lr, n_steps - 1)
    return np.vstack([before, before[-1] - lr * grad_fn(before[-1])])


def std_in_place_on_copies(X_train, X_test):
    A, B = X_train.astype(float), X_test.astype(float)  # astype copies
    mean, std = A.mean(axis=0), A.std(axis=0)
    A -= mean
    A /= std
    B -= mean
    B /= std
    return A, B


UNUSUAL_CORRECT = [
    (checks.check_gd_step, lambda w, g, lr: [wi - lr * gi for wi, gi in zip(w, g)]),
    (checks.check_gd_step, lambda w, g, lr: np.subtract(w, np.multiply(lr, g))),
    (checks.check_gradient_descent, gd_preallocated),
    (checks.check_gradient_descent, gd_recursive),
    (checks.check_max_stable_lr, lambda X: 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).max()),
    (checks.check_max_stable_lr, lambda X: len(X) / np.linalg.eigvalsh(X @ X.T).max()),
    (checks.check_standardize, std_in_place_on_copies),
    (checks.check_standardize, lambda A, B: [(A - A.mean(0)) / np.sqrt(A.var(0)),
                                             (B - A.mean(0)) / np.sqrt(A.var(0))]),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("check", "fn"), UNUSUAL_CORRECT)
def test_unusual_correct_answers_are_accepted(check, fn, seed):
    check(fn, seed=seed)


def test_unusual_correct_answers_pass_zero_steps():
    for fn in (gd_preallocated, gd_recursive):
        checks.check_gradient_descent(fn, n_steps=0)


def gd_append_before_update(grad_fn, w0, lr, n_steps):
    w, path = w0, [w0]
    for _ in range(n_steps):
        path.append(w)
        w = w - lr * grad_fn(w)
    return np.array(path)


# ... and mistakes the first lists missed.
MORE_MISTAKES = [
    (checks.check_gd_step, lambda w, g, lr: (w - lr * g,), "comma after the return value"),
    (checks.check_gradient_descent, gd_append_before_update, "w0 appears twice"),
    (checks.check_max_stable_lr, lambda X: 2 / np.linalg.norm(X, 2) ** 2, "factor 2/n"),
    (checks.check_max_stable_lr, lambda X: 2 / len(X) * np.linalg.norm(X, 2) ** 2,
     "this is L itself"),
    (checks.check_standardize, lambda A, B: (A - A.mean(0) / A.std(0), B - A.mean(0) / A.std(0)),
     "add the parentheses"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)
