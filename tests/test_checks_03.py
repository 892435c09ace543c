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


# --- issue 9: edge inputs, ignored arguments, contracts, messages, float32 --------------------

def gd_stops_when_converged(grad_fn, w0, lr, n_steps):
    w, path = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
    for _ in range(n_steps):
        g = grad_fn(w)
        if np.linalg.norm(g) < 1e-10:
            break
        w = w - lr * g
        path.append(w)
    return np.array(path)


def test_a_loop_that_stops_early_is_seen_on_a_problem_that_converges_early(solution):
    checks.check_gradient_descent(solution["gradient_descent"], n_steps=6, lr=1.0, converge_at=1)
    checks.check_gradient_descent(gd_stops_when_converged)          # no early stop here ...
    with pytest.raises(AssertionError, match="Do not stop early"):  # ... but here
        checks.check_gradient_descent(gd_stops_when_converged, n_steps=6, lr=1.0, converge_at=1)


def test_a_tuple_of_the_wrong_length_gets_a_message_not_a_crash():
    with pytest.raises(AssertionError, match="returned a tuple of 2"):
        checks.check_gradient_descent(lambda g, w0, lr, n: (loop(g, w0, lr, n), n))


@pytest.mark.parametrize("check", [checks.check_gd_step, checks.check_gradient_descent,
                                   checks.check_standardize])
def test_float32_answers_within_tolerance_pass(solution, check):
    name = {checks.check_gd_step: "gd_step", checks.check_gradient_descent: "gradient_descent",
            checks.check_standardize: "standardize"}[check]
    fn = solution[name]

    def in_float32(*args):
        args = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
        out = fn(*args)
        return tuple(o.astype(np.float32) for o in out) if isinstance(out, tuple) else \
            np.asarray(out, dtype=np.float32)

    check(in_float32)


def lc_reference(hvp, n_params, n_iter, rng):
    v = rng.normal(size=n_params)
    v /= np.linalg.norm(v)
    est = 0.0
    for _ in range(n_iter):
        w = hvp(v)
        est, v = v @ w, w / np.linalg.norm(w)
    return est


def lc_norm_estimate(hvp, n_params, n_iter, rng):      # ‖Hv‖ for a unit v: also → L
    v = rng.standard_normal(n_params)
    for _ in range(n_iter):
        v = v / np.linalg.norm(v)
        w = hvp(v)
        est = np.linalg.norm(w)
        v = w
    return est


def lc_uniform_start_extra_product(hvp, n_params, n_iter, rng):
    v = rng.random(n_params)
    for _ in range(n_iter):
        w = hvp(v)
        v = w / np.linalg.norm(w)
    return float(v @ hvp(v))                      # n_iter + 1 products: accepted


def lc_float32(hvp, n_params, n_iter, rng):
    v = rng.normal(size=n_params).astype(np.float32)
    est = np.float32(0)
    for _ in range(n_iter):
        w = np.asarray(hvp(v), dtype=np.float32)
        est, v = v @ w, w / np.linalg.norm(w)
    return est


@pytest.mark.parametrize("fn", [lc_reference, lc_norm_estimate, lc_uniform_start_extra_product,
                                lc_float32])
@pytest.mark.parametrize("kwargs", [{}, dict(n_params=2, seed=51, top=3.0, second=1.0),
                                    dict(n_params=7, seed=52, top=100.0, second=40.0)])
def test_largest_curvature_accepts_valid_ways(solution, fn, kwargs):
    checks.check_largest_curvature(solution["largest_curvature"], **kwargs)
    checks.check_largest_curvature(fn, **kwargs)


def lc_ones(hvp, n_params, n_iter, rng):
    return lc_reference(hvp, n_params, n_iter, _FixedStart(np.ones(n_params)))


class _FixedStart:
    def __init__(self, v):
        self.v = v

    def normal(self, size):
        return self.v.copy()


def lc_unnormalized(hvp, n_params, n_iter, rng):
    v = rng.normal(size=n_params)
    for _ in range(n_iter):
        w = hvp(v)
        est, v = v @ w, w
    return est


def lc_global(hvp, n_params, n_iter, rng):
    return lc_reference(hvp, n_params, n_iter, np.random)  # noqa: NPY002 (the mistake)


def lc_private(hvp, n_params, n_iter, rng):
    return lc_reference(hvp, n_params, n_iter, np.random.default_rng(0))


def lc_fixed_iterations(hvp, n_params, n_iter, rng):
    return lc_reference(hvp, n_params, 100, rng)


def lc_one_short(hvp, n_params, n_iter, rng):
    return lc_reference(hvp, n_params, n_iter - 1, rng)


def lc_vector(hvp, n_params, n_iter, rng):
    v = rng.normal(size=n_params)
    for _ in range(n_iter):
        w = hvp(v)
        v = w / np.linalg.norm(w)
    return v


LC_MISTAKES = {
    "ones start": (lc_ones, "has no component along the top eigenvector"),
    "unnormalized": (lc_unnormalized, "normalize"),
    "global np.random": (lc_global, "same seed gave different estimates"),
    "private default_rng(0)": (lc_private, "different seeds gave the same estimate"),
    "ignores n_iter": (lc_fixed_iterations, "called hvp 100 times"),
    "one product short": (lc_one_short, "called hvp 39 times"),
    "returns the vector": (lc_vector, "should return one number"),
    "no return": (lambda hvp, n, k, rng: None, "return"),
    "never calls hvp": (lambda hvp, n, k, rng: 10.0, "never called hvp"),
}


@pytest.mark.parametrize("name", LC_MISTAKES)
def test_largest_curvature_rejects_typical_mistakes(name):
    fn, message = LC_MISTAKES[name]
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_largest_curvature(fn)


def _fd_hvp(fun, w0, h=1e-3):
    g0 = fun(w0)[1]
    return lambda v: (fun(w0 + h * v)[1] - g0) / h


def lr_power(fun, w0, rng, margin=1.0):
    return margin / lc_reference(_fd_hvp(fun, w0), len(w0), 200, rng)


def lr_fd_hessian(fun, w0, rng):
    p = len(w0)
    hvp = _fd_hvp(fun, w0)
    H = np.column_stack([hvp(e) for e in np.eye(p)])
    return 1.0 / np.linalg.eigvalsh((H + H.T) / 2).max()


def lr_armijo_at_w0(fun, w0, rng):
    value, g = fun(w0)
    lr = 1e6
    while fun(w0 - lr * g)[0] > value - 1e-4 * lr * g @ g:
        lr /= 2
    return lr


def lr_global_rng(fun, w0, rng):
    # 30 products from a start drawn from NumPy's global state: the rate is safe but changes in
    # its last digits from call to call (after 200 products it would agree to the last bit)
    return 0.5 / lc_reference(_fd_hvp(fun, w0), len(w0), 30, np.random)  # noqa: NPY002


def lr_two_over_power(fun, w0, rng):
    return lr_power(fun, w0, rng, margin=2.0)


@pytest.mark.parametrize("fn", [lambda f, w, r: lr_power(f, w, r), lambda f, w, r: lr_power(
    f, w, r, margin=1.5), lr_fd_hessian, lambda f, w, r: np.float32(lr_power(f, w, r))])
def test_choose_lr_accepts_sensible_rules(solution, fn):
    checks.check_choose_lr(solution["choose_lr"])
    checks.check_choose_lr(fn)
    checks.check_choose_lr(fn, seed=61)


CHOOSE_MISTAKES = {
    "one Armijo step at w0": (lr_armijo_at_w0, "an Armijo step can be longer than 2/L"),
    "2 / L̂": (lr_two_over_power, "diverges along the steepest direction"),
    "fixed number": (lambda f, w, r: 0.01, "not be a fixed number"),
    "timid": (lambda f, w, r: lr_power(f, w, r, margin=0.01), "safe, but so small"),
    "global np.random": (lr_global_rng, "same seed gave different rates"),
    "negative": (lambda f, w, r: -lr_power(f, w, r), "positive number"),
    "array": (lambda f, w, r: np.full(3, 0.01), "should return one number"),
    "no return": (lambda f, w, r: None, "return"),
}


@pytest.mark.parametrize("name", CHOOSE_MISTAKES)
def test_choose_lr_rejects_typical_mistakes(name):
    fn, message = CHOOSE_MISTAKES[name]
    np.random.seed(3)  # noqa: NPY002 -- the global-state mistake draws from it; same run each time
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_choose_lr(fn)


def test_new_stubs_are_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_largest_curvature, checks.check_choose_lr):
        with pytest.raises(NotImplementedError):
            check(stub)
