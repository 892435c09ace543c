"""Chapter 02 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest

from mlopt.checks import linear_regression as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "02_linear_regression_closed_form"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_normal_equation, "normal_equation"),
     (checks.check_fit_with_intercept, "fit_with_intercept"),
     (checks.check_lstsq_svd, "lstsq_svd"),
     (checks.check_lstsq_svd_rank_deficient, "lstsq_svd"),
     (checks.check_r2_score, "r2_score")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    "kwargs",
    [dict(n_samples=3, n_features=6, rank=2), dict(n_samples=10, n_features=5, rank=4),
     dict(scale=1e8), dict(scale=1e-6)],
)
def test_reference_lstsq_passes_other_shapes(solution, kwargs):
    checks.check_lstsq_svd_rank_deficient(solution["lstsq_svd"], **kwargs)


# --- other valid ways are accepted -------------------------------------------------------------

def normal_inverse(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y


def normal_lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def normal_loop(X, y):
    p = X.shape[1]
    A = np.array([[sum(X[k, i] * X[k, j] for k in range(len(y))) for j in range(p)]
                  for i in range(p)])
    rhs = np.array([sum(X[k, i] * y[k] for k in range(len(y))) for i in range(p)])
    return np.linalg.solve(A, rhs)


def intercept_ones_column(X, y):
    coef = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    return coef[1:], coef[0]


def intercept_list_of_array(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)
    return [w, np.array(y.mean() - X.mean(axis=0) @ w)]


def lstsq_numpy(X, y, rcond=1e-10):
    return np.linalg.lstsq(X, y, rcond=rcond)[0]


def lstsq_diag(X, y, rcond=1e-10):
    U, s, Vt = np.linalg.svd(X)  # full matrices
    s_inv = np.where(s > rcond * s.max(), 1 / np.where(s > 0, s, 1), 0.0)
    k = len(s)
    return Vt.T[:, :k] @ np.diag(s_inv) @ U[:, :k].T @ y


def lstsq_loop(X, y, rcond=1e-10):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    w = np.zeros(X.shape[1])
    for i in range(len(s)):
        if s[i] > rcond * s[0]:
            w += (U[:, i] @ y) / s[i] * Vt[i]
    return w


def r2_means(y, y_pred):
    return 1 - np.mean((y - y_pred) ** 2) / np.var(y)


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_normal_equation, fn, id=f"normal-{fn.__name__}")
     for fn in (normal_inverse, normal_lstsq, normal_loop)]
    + [pytest.param(checks.check_fit_with_intercept, fn, id=f"intercept-{fn.__name__}")
       for fn in (intercept_ones_column, intercept_list_of_array)]
    + [pytest.param(check, fn, id=f"{check.__name__}-{fn.__name__}")
       for check in (checks.check_lstsq_svd, checks.check_lstsq_svd_rank_deficient)
       for fn in (lstsq_numpy, lstsq_diag, lstsq_loop)]
    + [pytest.param(checks.check_r2_score, r2_means, id="r2-means")],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

NORMAL_MISTAKES = {
    "X X^T": (lambda X, y: np.linalg.solve(X @ X.T, X.T @ y), "You wrote X @ X.T"),
    "rhs y": (lambda X, y: np.linalg.solve(X.T @ X, y), "not y (shape (n_samples,))"),
    "both": (lambda X, y: np.linalg.solve(X @ X.T, y), "(not X @ X.T) on the left"),
    "solve X": (lambda X, y: np.linalg.solve(X, y), "fails because X is not square"),
    "inv X y": (lambda X, y: np.linalg.inv(X.T @ X) @ X @ y, "np.linalg.solve(A, b) needs"),
    "divided": (lambda X, y: (X.T @ y) / (X.T @ X), "entry by entry"),
    "per feature": (lambda X, y: (X.T @ y) / np.sum(X**2, axis=0), "each feature on its own"),
    "no inverse": (lambda X, y: X.T @ X @ X.T @ y, "you need its inverse"),
    "no return": (lambda X, y: None, "return"),
}


def centered(X, y):
    return X - X.mean(axis=0), y - y.mean()


def w_centered(X, y):
    Xc, yc = centered(X, y)
    return np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)


def no_intercept(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y), 0.0


def b_mean_y(X, y):
    return w_centered(X, y), y.mean()


def b_sign(X, y):
    w = w_centered(X, y)
    return w, y.mean() + X.mean(axis=0) @ w


def center_x_only(X, y):
    Xc = X - X.mean(axis=0)
    w = np.linalg.solve(Xc.T @ Xc, Xc.T @ y)
    return w, -X.mean(axis=0) @ w


def center_y_only(X, y):
    yc = y - y.mean()
    w = np.linalg.solve(X.T @ X, X.T @ yc)
    return w, y.mean() - X.mean(axis=0) @ w


def uncentered_w(X, y):
    w = np.linalg.solve(X.T @ X, X.T @ y)
    return w, y.mean() - X.mean(axis=0) @ w


def standardized(X, y):
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    w = np.linalg.solve(Xs.T @ Xs, Xs.T @ (y - y.mean()))
    return w, y.mean()


def one_array(X, y):
    return np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]


def in_place(X, y):
    X -= X.mean(axis=0)
    w = np.linalg.solve(X.T @ X, X.T @ (y - y.mean()))
    return w, y.mean()


INTERCEPT_MISTAKES = {
    "b = 0": (no_intercept, "forced through the origin"),
    "b = mean y": (b_mean_y, "forgets the features' means"),
    "b sign": (b_sign, "sign of x̄ᵀw is flipped"),
    "center X only": (center_x_only, "it misses y.mean()"),
    "center y only": (center_y_only, "you centered y but not X"),
    "uncentered w": (uncentered_w, "forced through the origin"),
    "standardized": (standardized, "standardized units"),
    "one array": (one_array, "return the pair `w, b`"),
    "in place": (in_place, "modified its input array in place"),
    "no return": (lambda X, y: None, "return w, b"),
}


def svd_parts(X):
    return np.linalg.svd(X, full_matrices=False)


def no_threshold(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    return Vt.T @ ((U.T @ y) / s)


def absolute_threshold(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    keep = s > rcond
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])


def v_not_transposed(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    return Vt @ ((U.T @ y) / s)


def u_v_swapped(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    return U @ np.diag(1 / s) @ Vt @ y  # ValueError: Vt is (k, n_features), y (n_samples,)


def predictions(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    return U @ (U.T @ y)  # X @ w, one entry per sample


def times_s(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    return Vt.T @ ((U.T @ y) * s)


def full_matrices(X, y, rcond=1e-10):
    U, s, Vt = np.linalg.svd(X)
    return Vt.T @ ((U.T @ y) / s)


def via_normal_equation(X, y, rcond=1e-10):
    return np.linalg.solve(X.T @ X, X.T @ y)


def drop_all(X, y, rcond=1e-10):
    return np.zeros(X.shape[1])


LSTSQ_MISTAKES = {
    "V not transposed": (v_not_transposed, "returns Vt = Vᵀ, not V"),
    "U V swapped": (u_v_swapped, "raised ValueError"),
    "predictions": (predictions, "did you swap U and V, or return the predictions"),
    "times s": (times_s, "not by s"),
    "full matrices": (full_matrices, "full_matrices=False"),
}

RANK_DEFICIENT_MISTAKES = {
    "no threshold": (no_threshold, "Keep only s_i > rcond * s.max()"),
    "normal equation": (via_normal_equation, "X.T @ X"),
    "all dropped": (drop_all, "you dropped every singular value"),
}


def r2_sum_y2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum(y**2)


R2_MISTAKES = {
    "sum y^2": (r2_sum_y2, "not np.sum(y**2)"),
    "no 1 -": (lambda y, p: np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2), "1 minus it"),
    "mean over sum": (lambda y, p: 1 - np.mean((y - p) ** 2) / np.sum((y - y.mean()) ** 2),
                      "a mean and the denominator a sum"),
    "swapped": (lambda y, p: 1 - np.sum((y - p) ** 2) / np.sum((p - p.mean()) ** 2),
                "spread of the predictions"),
    "var residual": (lambda y, p: 1 - np.var(y - p) / np.var(y), "subtracts the mean residual"),
    "corr^2": (lambda y, p: np.corrcoef(y, p)[0, 1] ** 2, "squared correlation"),
    "per sample": (lambda y, p: 1 - (y - p) ** 2 / np.sum((y - y.mean()) ** 2), "single number"),
    "sqrt": (lambda y, p: 1 - np.sqrt(np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)),
             "square root"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_normal_equation, fn, msg, id=f"normal-{k}")
     for k, (fn, msg) in NORMAL_MISTAKES.items()]
    + [pytest.param(checks.check_fit_with_intercept, fn, msg, id=f"intercept-{k}")
       for k, (fn, msg) in INTERCEPT_MISTAKES.items()]
    + [pytest.param(checks.check_lstsq_svd, fn, msg, id=f"lstsq-{k}")
       for k, (fn, msg) in LSTSQ_MISTAKES.items()]
    + [pytest.param(checks.check_lstsq_svd_rank_deficient, fn, msg, id=f"rank-deficient-{k}")
       for k, (fn, msg) in RANK_DEFICIENT_MISTAKES.items()]
    + [pytest.param(checks.check_r2_score, fn, msg, id=f"r2-{k}")
       for k, (fn, msg) in R2_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_absolute_threshold_is_caught_on_scaled_data():
    with pytest.raises(AssertionError, match=re.escape("relative to the largest")):
        checks.check_lstsq_svd_rank_deficient(absolute_threshold, scale=1e8, seed=43)


def test_absolute_threshold_is_caught_by_the_visible_test():
    """At scale 1 the answer is right, so the check also runs it on 1e8 * X."""
    with pytest.raises(AssertionError, match=re.escape("an absolute threshold (s > rcond)")):
        checks.check_lstsq_svd_rank_deficient(absolute_threshold)


def test_no_threshold_passes_full_rank_only():
    """Partial credit: the full-rank test accepts an SVD solve without a threshold."""
    checks.check_lstsq_svd(no_threshold)
    with pytest.raises(AssertionError):
        checks.check_lstsq_svd_rank_deficient(no_threshold)


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_normal_equation, checks.check_fit_with_intercept,
                  checks.check_lstsq_svd, checks.check_lstsq_svd_rank_deficient,
                  checks.check_r2_score):
        with pytest.raises(NotImplementedError):
            check(stub)


# Found by testing the exercise as a learner: correct answers written unusually ...
def lstsq_where(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    with np.errstate(divide="ignore"):
        s_inv = np.where(s > rcond * s.max(), 1 / s, 0.0)
    return Vt.T @ (s_inv * (U.T @ y))


def lstsq_full_sliced(X, y, rcond=1e-10):
    U, s, Vt = np.linalg.svd(X)
    k = len(s)
    keep = s > rcond * s[0]
    return Vt[:k][keep].T @ ((U[:, :k][:, keep].T @ y) / s[keep])


def lstsq_rank_count(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    r = np.sum(s > rcond * s[0])
    return Vt[:r].T @ (y @ U[:, :r] / s[:r])


def intercept_ones_last(X, y):
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    c = np.linalg.solve(A.T @ A, A.T @ y)
    return c[:-1], c[-1]


def intercept_b_as_array(X, y):
    A = np.column_stack([np.ones(len(y)), X])
    c = np.linalg.lstsq(A, y, rcond=None)[0]
    return c[1:], c[:1]


UNUSUAL_CORRECT = [
    (checks.check_normal_equation, lambda X, y: np.linalg.pinv(X) @ y),
    (checks.check_normal_equation, lambda X, y: list(np.linalg.solve(
        np.einsum("ij,ik->jk", X, X), np.einsum("ij,i->j", X, y)))),
    (checks.check_fit_with_intercept, intercept_ones_last),
    (checks.check_fit_with_intercept, intercept_b_as_array),
    (checks.check_lstsq_svd_rank_deficient, lstsq_where),
    (checks.check_lstsq_svd_rank_deficient, lstsq_full_sliced),
    (checks.check_lstsq_svd_rank_deficient, lstsq_rank_count),
    (checks.check_lstsq_svd_rank_deficient, lambda X, y, rcond=1e-10: np.linalg.pinv(
        X, rcond=rcond) @ y),
    (checks.check_lstsq_svd_rank_deficient, lambda X, y, rcond=1e-10: np.linalg.lstsq(
        X, y, rcond=rcond)[0]),
    (checks.check_r2_score, lambda y, p: 1 - np.mean((y - p) ** 2) / np.var(y)),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("check", "fn"), UNUSUAL_CORRECT)
def test_unusual_correct_answers_are_accepted(check, fn, seed):
    check(fn, seed=seed)


def lstsq_ignores_rcond(X, y, rcond=1e-10):
    U, s, Vt = svd_parts(X)
    keep = s > 1e-12 * s[0]
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])


def intercept_b_first(X, y):
    w = w_centered(X, y)
    return y.mean() - X.mean(axis=0) @ w, w


def intercept_ones_wrong_slice(X, y):
    A = np.column_stack([np.ones(len(y)), X])
    c = np.linalg.lstsq(A, y, rcond=None)[0]
    return c[:-1], c[-1]


# ... and mistakes the first lists missed.
MORE_MISTAKES = [
    # np.shape() of lstsq's 4-tuple used to raise a raw NumPy ValueError
    (checks.check_normal_equation, lambda X, y: np.linalg.lstsq(X, y, rcond=None),
     "np.linalg.lstsq(...)[0]"),
    (checks.check_lstsq_svd, lambda X, y, rcond=1e-10: np.linalg.lstsq(X, y, rcond=rcond),
     "return only the array w"),
    (checks.check_fit_with_intercept, intercept_b_first, "returned (b, w)"),
    (checks.check_fit_with_intercept, intercept_ones_wrong_slice, "starts with the intercept"),
    (checks.check_lstsq_svd_rank_deficient, lstsq_ignores_rcond, "use the argument rcond"),
    (checks.check_r2_score, lambda y, p: np.sum((p - y.mean()) ** 2) / np.sum(
        (y - y.mean()) ** 2), "explained sum of squares"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


# Issue 9: singular values between rcond·s_max and √rcond·s_max must be kept.
def _svd_eigh(X, y, rcond=1e-10):
    """Through the eigenvalues of X.T @ X (= s²) compared with rcond: a √rcond threshold on s."""
    lam, V = np.linalg.eigh(X.T @ X)
    keep = lam > rcond * lam.max()
    return V[:, keep] @ ((V[:, keep].T @ (X.T @ y)) / lam[keep])


def _svd_own_threshold(X, y, rcond=1e-10):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > 1e-5 * s[0]
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])


@pytest.mark.parametrize(("fn", "message"), [
    (_svd_eigh, "sqrt(rcond)"),
    (_svd_own_threshold, "not a threshold of your own"),
])
def test_small_kept_singular_values(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_lstsq_svd_rank_deficient(fn)


def test_svd_float32_and_pinv_pass():
    def f32(X, y, rcond=1e-10):
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        keep = s > rcond * s[0]
        return (Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])).astype(np.float32)

    checks.check_lstsq_svd(f32)
    checks.check_lstsq_svd_rank_deficient(
        lambda X, y, rcond=1e-10: np.linalg.pinv(X, rcond=rcond) @ y)
    checks.check_lstsq_svd_rank_deficient(
        lambda X, y, rcond=1e-10: np.linalg.lstsq(X, y, rcond=rcond)[0])


# The reasoning task: choose the solver from the condition number.
EPS = np.finfo(float).eps


@pytest.mark.parametrize("fn", [
    lambda X, t: "normal" if np.linalg.cond(X) ** 2 * EPS < t else "svd",
    lambda X, t: "normal" if np.linalg.cond(X.T @ X) * EPS < t else "svd",
    lambda X, t: "Cholesky" if 16 - 2 * np.log10(np.linalg.cond(X)) > -np.log10(t) else "lstsq",
    lambda X, t: "normal" if np.linalg.cond(X) ** 2 * EPS < 10 * t else "svd",   # another margin
], ids=["kappa^2 eps", "cond(XtX)", "digits, aliases", "margin 10"])
def test_choose_solver_accepts_valid_rules(fn, solution):
    checks.check_choose_solver(fn)
    checks.check_choose_solver(solution["choose_solver"])


@pytest.mark.parametrize(("fn", "message"), [
    (lambda X, t: "normal" if np.linalg.cond(X) * EPS < t else "svd", "squares the condition"),
    (lambda X, t: "svd", "accurate enough here"),
    (lambda X, t: "normal", "squares the condition"),
    (lambda X, t: "normal" if np.linalg.svd(X, compute_uv=False).min() > 1e-3 else "svd",
     "Small singular values alone"),
    (lambda X, t: "normal" if np.linalg.cond(X) ** 2 * EPS < 1e-8 else "svd",   # tol ignored
     "accurate enough here"),
    (lambda X, t: True, "should return the string"),
    (lambda X, t: "qr", "return 'normal' or 'svd'"),
    (lambda X, t: None, "should return the string"),
])
def test_choose_solver_mistakes(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_choose_solver(fn)


def test_choose_solver_cases_are_far_from_the_threshold():
    """Each case is clear-cut: kappa² eps is 100 times away from tol, on the measured side."""
    for k, (kappa, tol, scale) in enumerate(checks.SOLVER_CASES):
        X, w, y = checks._designed(kappa, scale, seed=k)
        assert np.isclose(np.linalg.cond(X), kappa, rtol=1e-6)
        predicted = kappa ** 2 * EPS
        assert predicted < tol / 100 or predicted > 100 * tol
        err = np.linalg.norm(np.linalg.solve(X.T @ X, X.T @ y) - w) / np.linalg.norm(w)
        assert (err < tol) == (predicted < tol)


def _float32(fn):
    def wrapped(*args):
        return fn(*[a.astype(np.float32) for a in args])
    return wrapped


@pytest.mark.parametrize(("check", "name", "kwargs"), [
    (checks.check_normal_equation, "normal_equation", {}),
    (checks.check_normal_equation, "normal_equation", dict(n_samples=50, n_features=6)),
    (checks.check_normal_equation, "normal_equation", dict(n_samples=4, n_features=4)),
    (checks.check_fit_with_intercept, "fit_with_intercept", {}),
    (checks.check_r2_score, "r2_score", {}),
])
@pytest.mark.parametrize("seed", range(6))
def test_float32_answers_pass(solution, check, name, kwargs, seed):
    check(_float32(solution[name]), seed=seed, **kwargs)


ODD_RETURNS = [None, "x", {"a": 1}, (1, 2, 3), [np.zeros(2), 1.0], np.zeros((2, 2)), object(),
               True]


@pytest.mark.parametrize("value", ODD_RETURNS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("check", [checks.check_normal_equation, checks.check_fit_with_intercept,
                                   checks.check_lstsq_svd, checks.check_lstsq_svd_rank_deficient,
                                   checks.check_r2_score, checks.check_choose_solver])
def test_no_check_crashes_on_an_odd_return_value(check, value):
    with pytest.raises(AssertionError):
        check(lambda *args, **kwargs: value)


def _svd_solve(X, y, keep_rule):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = keep_rule(s)
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])


def test_full_rank_test_rejects_the_normal_equation():
    """On a full-rank X with kappa = 1e7 the normal equation loses 7 more digits than the SVD."""
    with pytest.raises(AssertionError, match="what the normal equation gives"):
        checks.check_lstsq_svd(lambda X, y, rcond=1e-10: np.linalg.solve(X.T @ X, X.T @ y))


def test_full_rank_test_rejects_an_absolute_threshold():
    with pytest.raises(AssertionError, match="threshold is relative"):
        checks.check_lstsq_svd(
            lambda X, y, rcond=1e-10: _svd_solve(X, y, lambda s: s > rcond))


@pytest.mark.parametrize("check", [checks.check_lstsq_svd,
                                   checks.check_lstsq_svd_rank_deficient])
def test_full_matrices_svd_with_a_mask_gets_advice_not_a_traceback(check):
    """np.linalg.svd(X) returns square U and Vt: a mask of len(s) cannot index them."""
    def full_matrices(X, y, rcond=1e-10):
        U, s, Vt = np.linalg.svd(X)
        keep = s > rcond * s[0]
        return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep])

    with pytest.raises(AssertionError, match="full_matrices=False"):
        check(full_matrices)


def test_full_matrices_svd_used_correctly_passes():
    def sliced(X, y, rcond=1e-10):
        U, s, Vt = np.linalg.svd(X)
        k = len(s)
        keep = s > rcond * s[0]
        return Vt[:k][keep].T @ ((U[:, :k][:, keep].T @ y) / s[keep])

    checks.check_lstsq_svd(sliced)
    checks.check_lstsq_svd_rank_deficient(sliced)
    checks.check_lstsq_svd_rank_deficient(sliced, n_samples=3, n_features=6, rank=2, seed=41)
