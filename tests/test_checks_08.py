"""Chapter 08 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import regularization as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "08_regularization"
CHECKS = [(checks.check_ridge_fit, "ridge_fit"), (checks.check_soft_threshold, "soft_threshold"),
          (checks.check_ista_step, "ista_step"), (checks.check_cd_update, "cd_update"),
          (checks.check_one_se_alpha, "one_se_alpha")]


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(("check", "name"), CHECKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_ridge_fit, "ridge_fit", dict(n_samples=5, n_features=1)),
     (checks.check_ridge_fit, "ridge_fit", dict(n_samples=4, n_features=9, alpha=0.5)),
     (checks.check_soft_threshold, "soft_threshold", dict(size=1)),
     (checks.check_soft_threshold, "soft_threshold", dict(t=0.0)),
     (checks.check_ista_step, "ista_step", dict(n_samples=3, n_features=1)),
     (checks.check_ista_step, "ista_step", dict(n_samples=5, n_features=15, alpha=1.0)),
     (checks.check_cd_update, "cd_update", dict(n_samples=4, n_features=1, alpha=0.01)),
     (checks.check_cd_update, "cd_update", dict(n_samples=6, n_features=10, alpha=0.5))],
)
def test_reference_answers_pass_edge_shapes(solution, check, name, kwargs):
    check(solution[name], **kwargs)


# --- other valid ways are accepted -------------------------------------------------------------

def ridge_sklearn(X, y, alpha):
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=alpha).fit(X, y)
    return model.coef_, model.intercept_


def ridge_svd(X, y, alpha):
    x_mean, y_mean = X.mean(0), y.mean()
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    w = Vt.T @ (s / (s**2 + alpha) * (U.T @ (y - y_mean)))
    return w, y_mean - x_mean @ w


def ridge_augmented_lstsq(X, y, alpha):
    """Least squares on [Xc; sqrt(alpha) I], [yc; 0]."""
    Xc, yc = X - X.mean(0), y - y.mean()
    p = X.shape[1]
    A = np.vstack([Xc, np.sqrt(alpha) * np.eye(p)])
    w = np.linalg.lstsq(A, np.concatenate([yc, np.zeros(p)]), rcond=None)[0]
    return w, float(np.mean(y - X @ w))


def ridge_ones_column_unpenalized(X, y, alpha):
    """A column of ones with a zero on its diagonal entry of the penalty: also right."""
    A = np.column_stack([np.ones(len(X)), X])
    P = alpha * np.eye(A.shape[1])
    P[0, 0] = 0.0
    theta = np.linalg.solve(A.T @ A + P, A.T @ y)
    return list(theta[1:]), theta[0]


def ridge_kernel_form(X, y, alpha):
    Xc, yc = X - X.mean(0), y - y.mean()
    w = Xc.T @ np.linalg.solve(Xc @ Xc.T + alpha * np.eye(len(X)), yc)
    return w, y.mean() - X.mean(0) @ w


def st_clip(z, t):
    return z - np.clip(z, -t, t)


def st_where(z, t):
    return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))


def st_loop(z, t):
    # a loop that still accepts a single number (task 4 calls soft_threshold on one)
    z = np.atleast_1d(z)
    out = np.array([zi - t if zi > t else zi + t if zi < -t else 0.0 for zi in z])
    return out if out.size > 1 else out[0]


def st_boolean_indexing(z, t):
    z = np.asarray(z, dtype=float)
    out = np.zeros_like(z)
    out[z > t] = z[z > t] - t
    out[z < -t] = z[z < -t] + t
    return out


def st_mlopt(z, t):
    from mlopt.losses import soft_threshold

    return soft_threshold(z, t)


def ista_residual_form(w, X, y, alpha, lr):
    r = X @ w - y
    z = w - lr * (X.T @ r) / len(y)
    return np.sign(z) * np.maximum(np.abs(z) - lr * alpha, 0)


def ista_mlopt(w, X, y, alpha, lr):
    from mlopt.losses import soft_threshold, squared_error

    return soft_threshold(w - lr * squared_error(w, X, y)[1] / 2, lr * alpha)


def cd_full_residual(w, j, X, y, alpha):
    """z_j = x_jᵀ r / n + d_j w_j (the form scikit-learn's _cd_fast uses)."""
    n = len(y)
    d = X[:, j] @ X[:, j] / n
    z = X[:, j] @ (y - X @ w) / n + d * w[j]
    out = np.array(w, dtype=float)
    out[j] = np.sign(z) * max(abs(z) - alpha, 0.0) / d
    return out


def cd_unnormalized(w, j, X, y, alpha):
    """Without 1/n on both, threshold n alpha: the same number."""
    n = len(y)
    others = np.delete(np.arange(X.shape[1]), j)
    r = y - X[:, others] @ w[others]
    rho = X[:, j] @ r
    new = np.sign(rho) * max(abs(rho) - n * alpha, 0.0) / (X[:, j] @ X[:, j])
    return np.concatenate([w[:j], [new], w[j + 1:]])


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_ridge_fit, fn, id=fn.__name__)
     for fn in (ridge_sklearn, ridge_svd, ridge_augmented_lstsq, ridge_ones_column_unpenalized,
                ridge_kernel_form)]
    + [pytest.param(checks.check_soft_threshold, fn, id=fn.__name__)
       for fn in (st_clip, st_where, st_loop, st_boolean_indexing, st_mlopt)]
    + [pytest.param(checks.check_ista_step, fn, id=fn.__name__)
       for fn in (ista_residual_form, ista_mlopt)]
    + [pytest.param(checks.check_cd_update, fn, id=fn.__name__)
       for fn in (cd_full_residual, cd_unnormalized)],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def _center(X, y):
    return X - X.mean(0), y - y.mean()


def _solve(A, rhs):
    return np.linalg.solve(A, rhs)


def ridge_penalized_intercept(X, y, alpha):
    A = np.column_stack([X, np.ones(len(X))])
    theta = _solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return theta[:-1], theta[-1]


def ridge_penalized_intercept_first(X, y, alpha):
    A = np.column_stack([np.ones(len(X)), X])
    theta = _solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return theta[1:], theta[0]


def ridge_one_array(X, y, alpha):
    A = np.column_stack([np.ones(len(X)), X])
    return _solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)


def _ridge_from(make_w):
    def fit(X, y, alpha):
        Xc, yc = _center(X, y)
        w = make_w(Xc, yc, alpha, X, y)
        return w, y.mean() - X.mean(0) @ w
    return fit


P = np.eye
ridge_per_sample = _ridge_from(
    lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc / len(y) + a * P(X.shape[1]), Xc.T @ yc / len(y)))
ridge_alpha_over_n = _ridge_from(
    lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc + a / len(y) * P(X.shape[1]), Xc.T @ yc))
ridge_alpha_everywhere = _ridge_from(lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc + a, Xc.T @ yc))
ridge_alpha_in_x = _ridge_from(
    lambda Xc, yc, a, X, y: _solve((Xc + a).T @ (Xc + a), (Xc + a).T @ yc))
ridge_two_alpha = _ridge_from(
    lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc + 2 * a * P(X.shape[1]), Xc.T @ yc))
ridge_half_alpha = _ridge_from(
    lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc + a / 2 * P(X.shape[1]), Xc.T @ yc))
ridge_y_not_x = _ridge_from(
    lambda Xc, yc, a, X, y: _solve(X.T @ X + a * P(X.shape[1]), X.T @ yc))
ridge_ols = _ridge_from(lambda Xc, yc, a, X, y: _solve(Xc.T @ Xc, Xc.T @ yc))


def ridge_no_intercept(X, y, alpha):
    return _solve(X.T @ X + alpha * P(X.shape[1]), X.T @ y), 0.0


def _ridge_right_w(make_b):
    def fit(X, y, alpha):
        Xc, yc = _center(X, y)
        w = _solve(Xc.T @ Xc + alpha * P(X.shape[1]), Xc.T @ yc)
        return w, make_b(w, X, y)
    return fit


def ridge_in_place(X, y, alpha):
    x_mean, y_mean = X.mean(0), y.mean()
    X -= x_mean
    w = _solve(X.T @ X + alpha * P(X.shape[1]), X.T @ (y - y_mean))
    return w, y_mean - x_mean @ w


RIDGE_MISTAKES = {
    "penalized intercept (ones last)": (ridge_penalized_intercept, "intercept was penalized"),
    "penalized intercept (ones first)": (ridge_penalized_intercept_first,
                                         "intercept was penalized"),
    "one array": (ridge_one_array, "return the pair `w, b`"),
    "w only": (lambda X, y, a: ridge_penalized_intercept(X, y, a)[0], "returned only w"),
    "swapped": (lambda X, y, a: ridge_svd(X, y, a)[::-1], "wrong order"),
    "1/n scaling": (ridge_per_sample, "per-sample form"),
    "alpha/n": (ridge_alpha_over_n, "divided by n"),
    "alpha everywhere": (ridge_alpha_everywhere, "to every entry"),
    "alpha in X": (ridge_alpha_in_x, "added to X itself"),
    "2 alpha": (ridge_two_alpha, "twice too strong"),
    "alpha / 2": (ridge_half_alpha, "half as strong"),
    "no intercept": (ridge_no_intercept, "without an intercept"),
    "X not centered": (ridge_y_not_x, "centered y but not X"),
    "no penalty": (ridge_ols, "ordinary least squares"),
    "b = 0": (_ridge_right_w(lambda w, X, y: 0.0), "it is 0: the intercept"),
    "b = mean y": (_ridge_right_w(lambda w, X, y: y.mean()), "forgets the features' means"),
    "b sign": (_ridge_right_w(lambda w, X, y: y.mean() + X.mean(0) @ w), "flipped"),
    "b without mean y": (_ridge_right_w(lambda w, X, y: -X.mean(0) @ w), "misses y.mean()"),
    "in place": (ridge_in_place, "modified its input array in place"),
    "no return": (lambda X, y, a: None, "return w, b"),
}


ST_MISTAKES = {
    "no clipping": (lambda z, t: z - t * np.sign(z), "changed sign"),
    "no sign": (lambda z, t: np.maximum(np.abs(z) - t, 0), "the sign is lost"),
    "t/2": (lambda z, t: np.sign(z) * np.maximum(np.abs(z) - t / 2, 0), "at t/2"),
    "2t": (lambda z, t: np.sign(z) * np.maximum(np.abs(z) - 2 * t, 0), "at 2t"),
    "hard": (lambda z, t: z * (np.abs(z) > t), "hard thresholding"),
    "relu": (lambda z, t: np.maximum(z - t, 0), "negative entries all became 0"),
    "z - t": (lambda z, t: z - t, "subtracted t from every entry"),
    "clip": (lambda z, t: np.clip(z, -t, t), "z - np.clip(z, -t, t)"),
    "in place": (lambda z, t: np.subtract(z, np.clip(z, -t, t), out=z), "in place"),
    "no return": (lambda z, t: None, "return"),
}


def st(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0)


def grad(w, X, y):
    return -X.T @ (y - X @ w) / len(y)


def ista_prox_first(w, X, y, alpha, lr):
    v = st(w, lr * alpha)
    return v - lr * grad(v, X, y)


def ista_in_place(w, X, y, alpha, lr):
    w -= lr * grad(w, X, y)
    return st(w, lr * alpha)


ISTA_MISTAKES = {
    "2/n gradient": (lambda w, X, y, a, lr: st(w - lr * 2 * grad(w, X, y), lr * a),
                     "twice too large"),
    "no 1/n": (lambda w, X, y, a, lr: st(w - lr * X.T @ (X @ w - y), lr * a),
               "missing its 1/n"),
    "2 and no 1/n": (lambda w, X, y, a, lr: st(w - lr * 2 * X.T @ (X @ w - y), lr * a),
                     "without the 1/n"),
    "threshold lr": (lambda w, X, y, a, lr: st(w - lr * grad(w, X, y), lr), "thresholded at lr;"),
    "threshold alpha": (lambda w, X, y, a, lr: st(w - lr * grad(w, X, y), a),
                        "thresholded at alpha;"),
    "threshold lr alpha / 2": (lambda w, X, y, a, lr: st(w - lr * grad(w, X, y), lr * a / 2),
                               "lr * alpha / 2"),
    "uphill": (lambda w, X, y, a, lr: st(w + lr * grad(w, X, y), lr * a), "goes uphill"),
    "prox first": (ista_prox_first, "prox before the gradient step"),
    "prox first, old gradient": (lambda w, X, y, a, lr: st(w, lr * a) - lr * grad(w, X, y),
                                 "soft-thresholded w before"),
    "no prox": (lambda w, X, y, a, lr: w - lr * grad(w, X, y), "plain gradient step"),
    "subgradient": (lambda w, X, y, a, lr: w - lr * (grad(w, X, y) + a * np.sign(w)),
                    "subgradient step"),
    "in place": (ista_in_place, "in place"),
    "no return": (lambda w, X, y, a, lr: None, "return"),
}


def _cd(w, j, X, y, alpha, *, own=False, divide=True, thresh=1.0, scale=True, first=True,
        sign=1.0):
    n = len(y) if scale else 1.0
    xj = X[:, j]
    r = y - X @ w + (0.0 if own else xj * w[j])
    z, d = sign * xj @ r / n, xj @ xj / n
    new = st(z, thresh * alpha) / (d if divide else 1.0) if first else st(z / d, thresh * alpha)
    out = w.copy()
    out[j] = new
    return out


def cd_in_place(w, j, X, y, alpha):
    w[j] = _cd(w, j, X, y, alpha)[j]
    return w


def cd_all_coordinates(w, j, X, y, alpha):
    return np.full_like(w, _cd(w, j, X, y, alpha)[j])


def cd_jacobi(w, j, X, y, alpha):
    """Updates every coordinate at once (one Jacobi sweep), not only j."""
    return np.array([_cd(w, k, X, y, alpha)[k] for k in range(len(w))])


CD_MISTAKES = {
    "own contribution": (lambda w, j, X, y, a: _cd(w, j, X, y, a, own=True),
                         "own contribution"),
    "no division": (lambda w, j, X, y, a: _cd(w, j, X, y, a, divide=False),
                    "division by the column's squared norm is missing"),
    "no 1/n": (lambda w, j, X, y, a: _cd(w, j, X, y, a, scale=False), "n times too small"),
    "divide first": (lambda w, j, X, y, a: _cd(w, j, X, y, a, first=False),
                     "before thresholding"),
    "alpha/2": (lambda w, j, X, y, a: _cd(w, j, X, y, a, thresh=0.5), "alpha / 2"),
    "2 alpha": (lambda w, j, X, y, a: _cd(w, j, X, y, a, thresh=2.0), "2 * alpha"),
    "sign": (lambda w, j, X, y, a: _cd(w, j, X, y, a, sign=-1.0), "sign is flipped"),
    "no threshold": (lambda w, j, X, y, a: _cd(w, j, X, y, a, thresh=0.0),
                     "soft-thresholding is missing"),
    "scalar": (lambda w, j, X, y, a: _cd(w, j, X, y, a)[j], "only the new w[j]"),
    "all entries": (cd_all_coordinates, "every entry was set"),
    "jacobi": (cd_jacobi, "changed coordinates other than j"),
    "in place": (cd_in_place, "in place"),
    "no return": (lambda w, j, X, y, a: None, "return"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_ridge_fit, fn, msg, id=f"ridge-{k}")
     for k, (fn, msg) in RIDGE_MISTAKES.items()]
    + [pytest.param(checks.check_soft_threshold, fn, msg, id=f"st-{k}")
       for k, (fn, msg) in ST_MISTAKES.items()]
    + [pytest.param(checks.check_ista_step, fn, msg, id=f"ista-{k}")
       for k, (fn, msg) in ISTA_MISTAKES.items()]
    + [pytest.param(checks.check_cd_update, fn, msg, id=f"cd-{k}")
       for k, (fn, msg) in CD_MISTAKES.items()],
)
@pytest.mark.parametrize("seed", [0, 5])
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message, seed):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn, seed=seed)


def st_list_only(z, t):
    return np.array([zi - t if zi > t else zi + t if zi < -t else 0.0 for zi in z])


def test_soft_threshold_must_accept_a_single_number():
    # right on arrays, but task 4 calls it on one number: say so in task 2, not as a crash there
    with pytest.raises(AssertionError, match="fails on a single number"):
        checks.check_soft_threshold(st_list_only)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check, _ in CHECKS:
        with pytest.raises(NotImplementedError):
            check(stub)


# --- found by trying learner answers: more valid ways and more mistakes ------------------------

def ridge_raw_rhs_mean_residual(X, y, alpha):
    """Xcᵀy equals Xcᵀyc (the columns of Xc sum to 0); b as the mean residual; b of shape (1,)."""
    Xc = X - X.mean(axis=0, keepdims=True)
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.identity(X.shape[1]), Xc.T @ y)
    return [w, np.array([np.mean(y - X @ w)])]


def st_max_plus_min(z, t):
    return np.maximum(z - t, 0) + np.minimum(z + t, 0)


def st_copysign(z, t):
    return np.copysign(np.fmax(np.abs(z) - t, 0), z)


def ista_gram(w, X, y, alpha, lr):
    n = X.shape[0]
    u = w - lr * (X.T @ X @ w - X.T @ y) / n
    return np.maximum(u - lr * alpha, 0) + np.minimum(u + lr * alpha, 0)


def cd_delete_column(w, j, X, y, alpha):
    r = y - np.delete(X, j, axis=1) @ np.delete(w, j)
    x = X[:, j]
    return np.where(np.arange(len(w)) == j, st(x @ r, len(y) * alpha) / (x @ x), w)


@pytest.mark.parametrize(
    ("check", "fn"),
    [(checks.check_ridge_fit, ridge_raw_rhs_mean_residual),
     (checks.check_soft_threshold, st_max_plus_min), (checks.check_soft_threshold, st_copysign),
     (checks.check_ista_step, ista_gram), (checks.check_cd_update, cd_delete_column)],
    ids=lambda v: getattr(v, "__name__", None),
)
@pytest.mark.parametrize("seed", [0, 3])
def test_more_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


def ridge_with(center=lambda X: X - X.mean(axis=0), penalty=lambda a: a,
               intercept=lambda X, y, w: y.mean() - X.mean(axis=0) @ w):
    def fn(X, y, alpha):
        Xc = center(X)
        w = np.linalg.solve(Xc.T @ Xc + penalty(alpha) * np.eye(X.shape[1]),
                            Xc.T @ (y - y.mean()))
        return w, intercept(X, y, w)
    return fn


def st_python_max(z, t):
    return np.sign(z) * max(np.abs(z) - t, 0)


MORE_MISTAKES = [
    (checks.check_ridge_fit, ridge_with(center=lambda X: X - X.mean(axis=1, keepdims=True)),
     "the mean of each row (axis=1)"),
    (checks.check_ridge_fit, ridge_with(center=lambda X: (X - X.mean(0)) / X.std(0)),
     "the features were standardized"),
    (checks.check_ridge_fit, ridge_with(intercept=lambda X, y, w: y.mean() - X.mean() * w.sum()),
     "X.mean() without an axis"),
    (checks.check_soft_threshold, lambda z, t: np.sign(z) * np.max(np.abs(z) - t, 0),
     "np.maximum(np.abs(z) - t, 0)"),
    (checks.check_soft_threshold, st_python_max, "Python's `max`"),
    (checks.check_soft_threshold, lambda z, t: np.where(np.abs(z) > t, z - t * np.sign(z), z),
     "were left unchanged"),
    (checks.check_soft_threshold, lambda z, t: np.sign(z) * np.abs(z - t),
     "np.abs(z - t) is not np.abs(z) - t"),
    (checks.check_ista_step, lambda w, X, y, a, lr: st(w - lr * X.T @ (X @ w - y) / X.shape[1],
                                                      lr * a), "X.shape[1]"),
    (checks.check_ista_step, lambda w, X, y, a, lr: st(w - lr * grad(w, X, y), a / lr),
     "thresholded at alpha / lr"),
    (checks.check_cd_update, lambda w, j, X, y, a: checks._cd_variant(w, j, X, y, a, norm=True),
     "not its square"),
    (checks.check_cd_update,
     lambda w, j, X, y, a: checks._cd_variant(w, j, X, y, a, sign_back=-1.0),
     "subtracted it a second time"),
    (checks.check_cd_update,
     lambda w, j, X, y, a: checks._cd_variant(w, j, X, y, a, n_as=X.shape[1]),
     "not X.shape[1]"),
    (checks.check_cd_update, lambda w, j, X, y, a: checks._cd_variant(w, j, X, y, a,
                                                                       d_scale=1.0),
     "d is missing its 1/n"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
@pytest.mark.parametrize("seed", [0, 5])
def test_more_mistakes_are_named(check, fn, message, seed):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn, seed=seed)


def test_squared_alpha_is_named_even_where_it_equals_twice_alpha():
    fn = ridge_with(penalty=lambda a: a**2)
    with pytest.raises(AssertionError, match=re.escape("or you squared alpha")):
        checks.check_ridge_fit(fn)
    with pytest.raises(AssertionError, match=re.escape("the penalty uses alpha**2")):
        checks.check_ridge_fit(fn, alpha=3.0)


# --- issue 9: edge inputs, ignored arguments, contracts, odd returns, float32 -------------------

def ista_fixed_lr(w, X, y, alpha, lr):
    """Ignores lr and uses 1/L computed from X."""
    lr = X.shape[0] / np.linalg.norm(X, 2) ** 2
    return st(w - lr * grad(w, X, y), lr * alpha)


def ista_fixed_alpha(w, X, y, alpha, lr):
    return st(w - lr * grad(w, X, y), lr * 0.1)


def st_fixed_t(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - 1.0, 0)


def st_almost_zero(z, t):
    """Right to 1e-12 everywhere, but never exactly 0: no exact zeros for the Lasso."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * (np.maximum(np.abs(z) - t, 0) + 1e-13)


def st_strict_inside(z, t):
    """Thresholds with |z| < t: z = +-t keeps its value (hard edge)."""
    z = np.asarray(z, dtype=float)
    return np.where(np.abs(z) < t, 0.0, z - t * np.sign(z) * (np.abs(z) > t))


def cd_fixed_alpha(w, j, X, y, alpha):
    return checks._cd_variant(w, j, X, y, 0.1)


def one_se_best(alphas, fold_mse):
    return float(alphas[np.argmin(fold_mse.mean(axis=1))])


def one_se_smallest(alphas, fold_mse):
    m = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])
    b = np.argmin(m)
    return float(alphas[m <= m[b] + se[b]].min())


def one_se_sd(alphas, fold_mse):
    m, sd = fold_mse.mean(axis=1), fold_mse.std(axis=1)
    b = np.argmin(m)
    return float(alphas[m <= m[b] + sd[b]].max())


def one_se_own(alphas, fold_mse):
    m = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])
    return float(alphas[m - se <= m.min()].max())


def one_se_best_fold(alphas, fold_mse):
    return float(alphas[np.argmin(fold_mse.min(axis=1))])


def one_se_assumes_sorted(alphas, fold_mse):
    """Takes the last alpha in list order that meets the rule (right only for increasing)."""
    m = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])
    b = np.argmin(m)
    return float(alphas[np.flatnonzero(m <= m[b] + se[b])[-1]])


def one_se_index(alphas, fold_mse):
    return int(np.argmin(fold_mse.mean(axis=1)))


ISSUE9_MISTAKES = [
    (checks.check_ista_step, ista_fixed_lr, "was not used"),
    (checks.check_ista_step, ista_fixed_alpha, "is wrong"),
    (checks.check_soft_threshold, st_fixed_t, "soft_threshold(z, t=0.8)"),
    (checks.check_soft_threshold, st_almost_zero, "exactly 0"),
    (checks.check_soft_threshold, st_strict_inside, "is wrong"),
    (checks.check_cd_update, cd_fixed_alpha, "is wrong"),
    (checks.check_one_se_alpha, one_se_best, "lowest mean error"),
    (checks.check_one_se_alpha, one_se_smallest, "SMALLEST alpha"),
    (checks.check_one_se_alpha, one_se_sd, "standard deviation"),
    (checks.check_one_se_alpha, one_se_own, "ITS OWN standard error"),
    (checks.check_one_se_alpha, one_se_best_fold, "best single fold"),
    (checks.check_one_se_alpha, one_se_assumes_sorted, "SMALLEST alpha"),
    (checks.check_one_se_alpha, one_se_index, "index"),
    (checks.check_one_se_alpha, lambda a, f: None, "returned None"),
    (checks.check_one_se_alpha, lambda a, f: (1.0, 2.0), "one alpha"),
    (checks.check_one_se_alpha, lambda a, f: "0.1", "one alpha"),
    (checks.check_one_se_alpha, lambda a, f: {"alpha": 1.0}, "one alpha"),
    (checks.check_cd_update, lambda w, j, X, y, a: ["a"] * len(w), "should return numbers"),
    (checks.check_ista_step, lambda w, X, y, a, lr: {"w": w}, "should return numbers"),
]


@pytest.mark.parametrize(("check", "fn", "message"), ISSUE9_MISTAKES,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
@pytest.mark.parametrize("seed", [0, 5])
def test_issue9_mistakes_are_rejected(check, fn, message, seed):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn, seed=seed)


def test_named_mistakes_only_when_they_match():
    # an answer that is wrong in no known way gets the generic message, not a guess
    def ista_off(w, X, y, alpha, lr):
        return st(w - lr * grad(w, X, y), lr * alpha) + 0.01

    with pytest.raises(AssertionError) as err:
        checks.check_ista_step(ista_off)
    assert "thresholded" not in str(err.value) and "got" in str(err.value)


def one_se_ddof1(alphas, fold_mse):
    m = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1, ddof=1) / np.sqrt(fold_mse.shape[1])
    b = np.argmin(m)
    return alphas[m <= m[b] + se[b]].max()             # a numpy scalar


def one_se_sorted(alphas, fold_mse):
    order = np.argsort(alphas)
    a, f = np.asarray(alphas)[order], np.asarray(fold_mse)[order]
    m = f.mean(axis=1)
    se = f.std(axis=1) / np.sqrt(f.shape[1])
    ok = np.flatnonzero(m <= m.min() + se[np.argmin(m)])
    return [a[ok[-1]]]                                   # a one-element list


def ridge_float32(X, y, alpha):
    Xc, yc = (X - X.mean(0)).astype(np.float32), (y - y.mean()).astype(np.float32)
    w = np.linalg.solve(Xc.T @ Xc + np.float32(alpha) * np.eye(X.shape[1], dtype=np.float32),
                        Xc.T @ yc)
    return w, np.float32(y.mean() - X.mean(0) @ w)


def st_float32(z, t):
    z = np.asarray(z, dtype=np.float32)
    return np.sign(z) * np.maximum(np.abs(z) - np.float32(t), np.float32(0))


def ista_float32(w, X, y, alpha, lr):
    w, X, y = (np.asarray(a, dtype=np.float32) for a in (w, X, y))
    z = w - np.float32(lr) * (-X.T @ (y - X @ w) / X.shape[0])
    return np.sign(z) * np.maximum(np.abs(z) - np.float32(lr * alpha), np.float32(0))


@pytest.mark.parametrize(
    ("check", "fn"),
    [(checks.check_one_se_alpha, one_se_ddof1), (checks.check_one_se_alpha, one_se_sorted),
     (checks.check_ridge_fit, ridge_float32), (checks.check_soft_threshold, st_float32),
     (checks.check_ista_step, ista_float32)],
    ids=lambda v: getattr(v, "__name__", None),
)
@pytest.mark.parametrize("seed", [0, 3, 61])
def test_issue9_valid_alternatives_pass(check, fn, seed):
    check(fn, seed=seed)


def test_one_se_reference_passes_every_order_and_fold_count(solution):
    for n_folds in (5, 10):
        checks.check_one_se_alpha(solution["one_se_alpha"], n_folds=n_folds, seed=7)


def test_cv_table_separates_the_misreadings():
    # each mistake above must pick an alpha of its own on the default table, else it goes unseen
    for order in ("decreasing", "increasing", "shuffled"):
        alphas, f = checks.make_cv_table(seed=0, order=order)
        picks = [fn(alphas, f) for fn in (one_se_best, one_se_smallest, one_se_sd, one_se_own,
                                          one_se_best_fold)]
        picks.append(checks.one_se_reference(alphas, f))
        assert len(set(picks)) == len(picks), (order, picks)


# --- review (revd) ---------------------------------------------------------------------------

def one_se_sqrt_n_alphas(alphas, fold_mse):
    """The standard error divided by sqrt(number of alphas) instead of sqrt(number of folds)."""
    alphas = np.asarray(alphas)
    mean = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1) / np.sqrt(len(alphas))
    best = np.argmin(mean)
    return float(alphas[mean <= mean[best] + se[best]].max())


@pytest.mark.parametrize("n_folds", [5, 10])
@pytest.mark.parametrize("seed", [0, 61, 62])
def test_one_se_divided_by_the_number_of_alphas_is_named(seed, n_folds):
    # 11 alphas against 5 or 10 folds: the table puts a mean between the two bands
    with pytest.raises(AssertionError, match="square root of the number of alphas"):
        checks.check_one_se_alpha(one_se_sqrt_n_alphas, seed=seed, n_folds=n_folds)


def one_se_sd_of_whole_table(alphas, fold_mse):
    """np.std without an axis: the spread of the whole table, not of the best alpha's folds."""
    alphas = np.asarray(alphas)
    mean = fold_mse.mean(axis=1)
    best = np.argmin(mean)
    return float(alphas[mean <= mean[best] + fold_mse.std() / np.sqrt(fold_mse.shape[1])].max())


def test_one_se_band_too_wide_message_names_both_causes():
    for fn in (one_se_sd, one_se_sd_of_whole_table):
        with pytest.raises(AssertionError, match="the band is too wide"):
            checks.check_one_se_alpha(fn)


# --- the one-SE rule left to the learner (issue 8): the edge of the band ----------------------

def one_se_strict(alphas, fold_mse):
    """Reads "no more than one standard error" as strictly less."""
    m = fold_mse.mean(axis=1)
    se = fold_mse.std(axis=1) / np.sqrt(fold_mse.shape[1])
    b = np.argmin(m)
    return float(alphas[m < m[b] + se[b]].max())


def one_se_var_form(alphas, fold_mse):
    """The standard error as sqrt(var / K), the mean as sum / K: the same numbers."""
    m = fold_mse.sum(axis=1) / fold_mse.shape[1]
    se = np.sqrt(fold_mse.var(axis=1) / fold_mse.shape[1])
    b = np.argmin(m)
    return float(np.max(np.asarray(alphas)[m <= m[b] + se[b]]))


def one_se_scipy_sem(alphas, fold_mse):
    from scipy.stats import sem

    m = fold_mse.mean(axis=1)
    se = sem(fold_mse, axis=1)                  # ddof=1
    b = np.argmin(m)
    return float(alphas[m <= m[b] + se[b]].max())


def test_tie_table_puts_an_alpha_exactly_on_the_edge_of_the_band():
    for seed in range(6):
        alphas, f = checks.make_tie_table(seed)
        m = f.mean(axis=1)
        b = np.argmin(m)
        edge = m[b] + f[b].std() / np.sqrt(f.shape[1])
        assert np.sum(m == edge) == 1, seed                 # exactly equal, in floating point
        assert checks.one_se_reference(alphas, f) == alphas[m == edge][0]
        assert checks.one_se_reference(alphas, f, ddof=1) == alphas[m == edge][0]
        assert one_se_strict(alphas, f) != alphas[m == edge][0]


@pytest.mark.parametrize("seed", [0, 5, 61, 62])
def test_one_se_strict_inequality_is_named(seed):
    with pytest.raises(AssertionError, match=re.escape("compare with <=, not <")):
        checks.check_one_se_alpha(one_se_strict, seed=seed)


@pytest.mark.parametrize("fn", [one_se_var_form, one_se_scipy_sem])
@pytest.mark.parametrize("seed", [0, 5, 61])
def test_one_se_other_ways_to_the_standard_error_pass(fn, seed):
    checks.check_one_se_alpha(fn, seed=seed)
