"""Chapter 09 checks accept the reference answers and other valid ways, reject typical mistakes."""

import re

import numpy as np
import pytest
import scipy.special

from mlopt.checks import logistic_regression as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "09_logistic_regression"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


@pytest.mark.parametrize(
    ("check", "name"),
    [(checks.check_stable_sigmoid, "stable_sigmoid"),
     (checks.check_logistic_loss, "logistic_loss"),
     (checks.check_logistic_loss_large_logits, "logistic_loss"),
     (checks.check_log_sum_exp, "log_sum_exp"),
     (checks.check_newton_step, "newton_step"),
     (checks.check_newton_reaches_sklearn, "newton_step"),
     (checks.check_threshold_for_recall, "threshold_for_recall")],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(solution, check, name, seed):
    check(solution[name], seed=seed)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_stable_sigmoid, "stable_sigmoid", dict(shape=(3, 4))),
     (checks.check_stable_sigmoid, "stable_sigmoid", dict(shape=(1,))),
     (checks.check_logistic_loss, "logistic_loss", dict(n_samples=2, n_features=1)),
     (checks.check_logistic_loss, "logistic_loss", dict(n_samples=50, n_features=5)),
     (checks.check_log_sum_exp, "log_sum_exp", dict(n_samples=4, n_classes=4)),
     (checks.check_log_sum_exp, "log_sum_exp", dict(n_samples=1, n_classes=5)),
     (checks.check_log_sum_exp, "log_sum_exp", dict(n_samples=10, n_classes=2)),
     (checks.check_newton_step, "newton_step", dict(n_samples=10, n_features=1)),
     (checks.check_newton_step, "newton_step", dict(n_samples=50, n_features=5)),
     (checks.check_newton_reaches_sklearn, "newton_step", dict(n_samples=500, n_features=6,
                                                               seed=51))],
)
def test_reference_answers_pass_edge_shapes(solution, check, name, kwargs):
    check(solution[name], **kwargs)


# --- other valid ways are accepted -------------------------------------------------------------

def sigmoid_expit(z):
    return scipy.special.expit(z)


def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_masks(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_clipped_exponent(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def sigmoid_loop(z):
    import math

    flat = [1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
            for v in np.ravel(z)]
    return np.reshape(flat, np.shape(z))


def _p(z):
    return scipy.special.expit(z)


def loss_softplus_by_hand(w, X, y):
    z = X @ w
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return np.mean(softplus - y * z), X.T @ (_p(z) - y) / len(y)


def loss_by_label(w, X, y):
    """-log p = log(1 + e^-z) for y = 1 and -log(1 - p) = log(1 + e^z) for y = 0."""
    z = X @ w
    per_sample = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    return float(per_sample.mean()), np.mean((_p(z) - y)[:, None] * X, axis=0)


def loss_list(w, X, y):
    value, grad = loss_softplus_by_hand(w, X, y)
    return [value, list(grad)]


def lse_scipy(Z):
    return scipy.special.logsumexp(Z, axis=1)


def lse_loop(Z):
    out = []
    for row in Z:
        m = row.max()
        out.append(m + np.log(np.exp(row - m).sum()))
    return np.array(out)


def lse_max_none(Z):
    m = Z.max(axis=1)
    return m + np.log(np.exp(Z - m[:, None]).sum(axis=1))


def lse_logaddexp_reduce(Z):
    return np.logaddexp.reduce(Z, axis=1)


def _grad_hess(w, X, y):
    p = _p(X @ w)
    n = len(y)
    return X.T @ (p - y) / n, (X.T * (p * (1 - p))) @ X / n


def newton_inv(w, X, y):
    g, H = _grad_hess(w, X, y)
    return w - np.linalg.inv(H) @ g


def newton_diag_no_n(w, X, y):
    p = _p(X @ w)
    H = X.T @ np.diag(p * (1 - p)) @ X   # no 1/n in either: it cancels
    return w - np.linalg.solve(H, X.T @ (p - y))


def newton_irls(w, X, y):
    """The weighted least-squares form: targets u = Xw + (y - p)/s, weights s."""
    p = _p(X @ w)
    s = p * (1 - p)
    u = X @ w + (y - p) / s
    sq = np.sqrt(s)
    return np.linalg.lstsq(sq[:, None] * X, sq * u, rcond=None)[0]


def newton_pinv(w, X, y):
    g, H = _grad_hess(w, X, y)
    return w - np.linalg.pinv(H) @ g


@pytest.mark.parametrize(
    ("check", "fn"),
    [pytest.param(checks.check_stable_sigmoid, fn, id=fn.__name__)
     for fn in (sigmoid_expit, sigmoid_masks, sigmoid_clipped_exponent,
                sigmoid_loop)]
    + [pytest.param(check, fn, id=f"{check.__name__}-{fn.__name__}")
       for fn in (loss_softplus_by_hand, loss_by_label, loss_list)
       for check in (checks.check_logistic_loss, checks.check_logistic_loss_large_logits)]
    + [pytest.param(checks.check_log_sum_exp, fn, id=fn.__name__)
       for fn in (lse_scipy, lse_loop, lse_max_none, lse_logaddexp_reduce)]
    + [pytest.param(check, fn, id=f"{check.__name__}-{fn.__name__}")
       for fn in (newton_inv, newton_diag_no_n, newton_irls, newton_pinv)
       for check in (checks.check_newton_step, checks.check_newton_reaches_sklearn)],
)
@pytest.mark.parametrize("seed", [0, 3])
def test_other_valid_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- typical mistakes are rejected with a message that says what to fix ------------------------

def sigmoid_naive(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_where_both_branches(z):
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def sigmoid_exp_over(z):
    return np.exp(z) / (1.0 + np.exp(z))


def sigmoid_in_place(z):
    z *= -1.0
    np.exp(np.minimum(z, 700.0), out=z)
    z += 1.0
    return 1.0 / z


SIGMOID_MISTAKES = {
    "naive overflows": (sigmoid_naive, "np.exp overflowed"),
    "np.where both branches": (sigmoid_where_both_branches, "np.where(cond, a, b) computes both"),
    "exp(z)/(1+exp(z))": (sigmoid_exp_over, "np.exp overflowed"),
    "sign": (lambda z: 1.0 / (1.0 + np.exp(np.clip(z, -500, 500))), "you computed sigma(-z)"),
    "e/(1+e) everywhere": (lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))),
                           "Use 1 / (1 + e) where z >= 0"),
    "1/(1+e) everywhere": (lambda z: 1 / (1 + np.exp(-np.abs(z))), "Use e / (1 + e) where z < 0"),
    "tanh": (np.tanh, "np.tanh is a different S-shaped function"),
    "derivative": (lambda z: scipy.special.expit(z) * (1 - scipy.special.expit(z)),
                   "this is the derivative"),
    "in place": (sigmoid_in_place, "modified its input array in place"),
    "no return": (lambda z: None, "return"),
}


def loss_with(value_fn=None, grad_fn=None):
    """A logistic loss with the value or the gradient replaced by a wrong one."""
    def loss(w, X, y):
        z = X @ w
        p = _p(z)
        n = len(y)
        value = np.mean(np.logaddexp(0, z) - y * z) if value_fn is None else value_fn(z, p, y)
        grad = X.T @ (p - y) / n if grad_fn is None else grad_fn(X, z, p, y)
        return value, grad
    return loss


def loss_naive_log(w, X, y):
    p = _p(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), X.T @ (p - y) / len(y)


def loss_clipped(eps):
    def loss(w, X, y):
        p = np.clip(_p(X @ w), eps, 1 - eps)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), X.T @ (p - y) / len(y)
    return loss


def loss_naive_softplus(w, X, y):
    z = X @ w
    return np.mean(np.log(1 + np.exp(z)) - y * z), X.T @ (_p(z) - y) / len(y)


def loss_naive_sigmoid_grad(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0, z) - y * z), X.T @ (1 / (1 + np.exp(-z)) - y) / len(y)


def loss_where_log(w, X, y):
    p = _p(X @ w)
    return -np.mean(np.where(y == 1, np.log(p), np.log(1 - p))), X.T @ (p - y) / len(y)


LOSS_MISTAKES = {
    "grad sign": (loss_with(grad_fn=lambda X, z, p, y: X.T @ (y - p) / len(y)),
                  "the sign is flipped: the gradient is X.T @ (p - y) / n"),
    "grad no 1/n": (loss_with(grad_fn=lambda X, z, p, y: X.T @ (p - y)), "the 1/n is missing"),
    "grad sign and no 1/n": (loss_with(grad_fn=lambda X, z, p, y: X.T @ (y - p)),
                             "the sign is flipped and the 1/n is missing"),
    "grad factor 2": (loss_with(grad_fn=lambda X, z, p, y: 2 * X.T @ (p - y) / len(y)),
                      "there is no factor 2"),
    "grad of scores": (loss_with(grad_fn=lambda X, z, p, y: X.T @ (z - y) / len(y)),
                       "instead of the probability"),
    "grad of MSE": (loss_with(grad_fn=lambda X, z, p, y: X.T @ ((p - y) * p * (1 - p)) / len(y)),
                    "gradient of the squared error"),
    "grad shape": (loss_with(grad_fn=lambda X, z, p, y: X * (p - y)[:, None] / len(y)),
                   "has shape"),
    "value summed": (loss_with(value_fn=lambda z, p, y: np.sum(np.logaddexp(0, z) - y * z)),
                     "the mean over the samples, not the sum"),
    "value sign": (loss_with(value_fn=lambda z, p, y: -np.mean(np.logaddexp(0, z) - y * z)),
                   "the sign is flipped: the loss is the NEGATIVE log-likelihood"),
    "value only y log p": (loss_with(value_fn=lambda z, p, y: -np.mean(y * np.log(p))),
                           "the term (1 - y) log(1 - p) of the negative samples is missing"),
    "value MSE": (loss_with(value_fn=lambda z, p, y: np.mean((p - y) ** 2)),
                  "this is the squared error of the probabilities"),
    "value per sample": (loss_with(value_fn=lambda z, p, y: np.logaddexp(0, z) - y * z),
                         "should be a single number"),
    "swapped": (lambda w, X, y: loss_softplus_by_hand(w, X, y)[::-1], "in the wrong order"),
    "value only": (lambda w, X, y: loss_softplus_by_hand(w, X, y)[0], "should return the pair"),
    "no return": (lambda w, X, y: None, "return value, grad"),
}

LARGE_LOGIT_MISTAKES = {
    "log of p": (loss_naive_log, "np.log received 0"),
    "np.where of logs": (loss_where_log, "np.log received 0"),
    "clip 1e-15": (loss_clipped(1e-15), "clipping p to [1e-15, 1 - 1e-15]"),
    "clip 1e-7": (loss_clipped(1e-7), "clipping p to [1e-07, 1 - 1e-07]"),
    "clip machine eps": (loss_clipped(np.finfo(float).eps), "keeps the loss finite but wrong"),
    "naive softplus": (loss_naive_softplus, "np.exp overflowed"),
    "naive sigmoid in gradient": (loss_naive_sigmoid_grad, "np.exp overflowed"),
}


def lse_naive(Z):
    return np.log(np.sum(np.exp(Z), axis=1))


def lse_global_max(Z):
    m = Z.max()
    return m + np.log(np.sum(np.exp(Z - m), axis=1))


def lse_not_added_back(Z):
    m = Z.max(axis=1, keepdims=True)
    return np.log(np.sum(np.exp(Z - m), axis=1))


def lse_axis0(Z):
    m = Z.max(axis=0, keepdims=True)
    return m[0] + np.log(np.sum(np.exp(Z - m), axis=0))


def lse_no_keepdims(Z):
    m = Z.max(axis=1)
    return m + np.log(np.sum(np.exp(Z - m), axis=1))


def lse_keepdims_shape(Z):
    m = Z.max(axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def lse_no_axis(Z):
    m = Z.max()
    return m + np.log(np.sum(np.exp(Z - m)))


def lse_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    E = np.exp(Z - m)
    return E / E.sum(axis=1, keepdims=True)


def lse_in_place(Z):
    m = Z.max(axis=1, keepdims=True)
    Z -= m
    return m[:, 0] + np.log(np.sum(np.exp(Z), axis=1))


LSE_MISTAKES = {
    "naive": (lse_naive, "np.exp overflowed for scores around 1000"),
    "global max": (lse_global_max, "not the maximum of the whole array"),
    "not added back": (lse_not_added_back, "did not add it back"),
    "axis 0": (lse_axis0, "you reduced over axis 0"),
    "no keepdims": (lse_no_keepdims, "keepdims=True"),
    "keepdims shape": (lse_keepdims_shape, "add back m[:, 0]"),
    "no axis": (lse_no_axis, "returned a single number"),
    "softmax": (lse_softmax, "has the shape of Z"),
    "no log": (lambda Z: np.sum(np.exp(Z), axis=1), "the logarithm is missing"),
    "max only": (lambda Z: Z.max(axis=1), "this is only the maximum"),
    "in place": (lse_in_place, "Leave Z as it is"),
    "no return": (lambda Z: None, "return"),
}


def newton_with(weights=lambda p: p * (1 - p), *, sign=-1.0, g_scale=1.0, h_scale=1.0,
                returns="point"):
    def step(w, X, y):
        p = _p(X @ w)
        n = len(y)
        g = g_scale * X.T @ (p - y) / n
        H = h_scale * X.T @ (weights(p)[:, None] * X) / n
        d = np.linalg.solve(H, g)
        return {"point": w + sign * d, "step": d, "change": -d}[returns]
    return step


def newton_transposed_hessian(w, X, y):
    p = _p(X @ w)
    n = len(y)
    H = X @ np.diag(p * (1 - p)) @ X.T / n
    return w - np.linalg.solve(H, X.T @ (p - y) / n)


def newton_gradient_sign(w, X, y):
    p = _p(X @ w)
    g, H = X.T @ (y - p) / len(y), _grad_hess(w, X, y)[1]
    return w - np.linalg.solve(H, g)


def newton_times_hessian(w, X, y):
    g, H = _grad_hess(w, X, y)
    return w - H @ g


def newton_gradient_step(w, X, y):
    return w - _grad_hess(w, X, y)[0]


def newton_diagonal(w, X, y):
    g, H = _grad_hess(w, X, y)
    return w - g / np.diag(H)


def newton_in_place(w, X, y):
    g, H = _grad_hess(w, X, y)
    w -= np.linalg.solve(H, g)
    return w


NEWTON_MISTAKES = {
    "step sign": (newton_with(sign=1.0), "the step goes the wrong way"),
    "gradient sign": (newton_gradient_sign, "that is where the sign flipped"),
    "returns step": (newton_with(returns="step"), "you returned the step"),
    "returns change": (newton_with(returns="change"), "you returned the change"),
    "S = p": (newton_with(lambda p: p), "the weights are p(1 - p), not p"),
    "S = 1 - p": (newton_with(lambda p: 1 - p), "not 1 - p"),
    "no S": (newton_with(lambda p: np.ones_like(p)), "are missing from the Hessian"),
    "g without 1/n": (newton_with(g_scale=20.0), "disagree by a factor n"),
    "H without 1/n": (newton_with(h_scale=20.0), "disagree by a factor n"),
    "Hessian transposed": (newton_transposed_hessian, "X @ S @ X.T would be"),
    "times H": (newton_times_hessian, "multiply by the INVERSE Hessian"),
    "gradient step": (newton_gradient_step, "this is a gradient step"),
    "diagonal only": (newton_diagonal, "the diagonal of H only"),
    "in place": (newton_in_place, "modified its input array in place"),
    "no return": (lambda w, X, y: None, "return"),
}


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [pytest.param(checks.check_stable_sigmoid, fn, msg, id=f"sigmoid-{k}")
     for k, (fn, msg) in SIGMOID_MISTAKES.items()]
    + [pytest.param(checks.check_logistic_loss, fn, msg, id=f"loss-{k}")
       for k, (fn, msg) in LOSS_MISTAKES.items()]
    + [pytest.param(checks.check_logistic_loss_large_logits, fn, msg, id=f"large-{k}")
       for k, (fn, msg) in LARGE_LOGIT_MISTAKES.items()]
    + [pytest.param(checks.check_log_sum_exp, fn, msg, id=f"lse-{k}")
       for k, (fn, msg) in LSE_MISTAKES.items()]
    + [pytest.param(checks.check_newton_step, fn, msg, id=f"newton-{k}")
       for k, (fn, msg) in NEWTON_MISTAKES.items()],
)
def test_typical_mistakes_are_rejected_with_a_useful_message(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


def test_square_scores_without_keepdims_are_recognised():
    # with as many samples as classes, Z - Z.max(axis=1) broadcasts without an error
    with pytest.raises(AssertionError, match=re.escape("subtracted along the wrong axis")):
        checks.check_log_sum_exp(lse_no_keepdims, n_samples=4, n_classes=4)


def test_capstone_rejects_a_wrong_newton_step():
    # S = I (a least-squares step) converges elsewhere; S = I/4 (a valid bound, linear rate) is
    # too slow for 8 steps: both are caught by the comparison with scikit-learn
    for weights in (np.ones_like, lambda p: np.full_like(p, 0.25)):
        with pytest.raises(AssertionError, match="does newton_step pass its test above"):
            checks.check_newton_reaches_sklearn(newton_with(weights))


def test_stub_is_rejected():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_stable_sigmoid, checks.check_logistic_loss,
                  checks.check_logistic_loss_large_logits, checks.check_log_sum_exp,
                  checks.check_newton_step, checks.check_newton_reaches_sklearn):
        with pytest.raises(NotImplementedError):
            check(stub)


# --- found by trying learner answers: more valid ways and more mistakes ------------------------

def sigmoid_masks(z):
    z = np.asarray(z, dtype=float)
    out, pos = np.empty_like(z), z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def loss_two_softplus(w, X, y):
    z = X @ w
    value = np.array(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) / len(y))
    return value, (scipy.special.expit(z) - y) @ X / len(y)


def lse_logaddexp_reduce(Z):
    return np.logaddexp.reduce(Z, axis=1)


def newton_both_unscaled_einsum(w, X, y):
    p = scipy.special.expit(X @ w)
    H = np.einsum("ni,n,nj->ij", X, p * (1 - p), X)      # no 1/n in H nor in g: it cancels
    return w + np.linalg.solve(H, X.T @ (y - p))          # and both signs flipped


@pytest.mark.parametrize(
    ("check", "fn"),
    [(checks.check_stable_sigmoid, sigmoid_masks),
     (checks.check_logistic_loss, loss_two_softplus),
     (checks.check_logistic_loss_large_logits, loss_two_softplus),
     (checks.check_log_sum_exp, lse_logaddexp_reduce),
     (checks.check_newton_step, newton_both_unscaled_einsum)],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_more_valid_answers_pass(check, fn):
    check(fn)


def sigmoid_flat_list(z):
    return [float(scipy.special.expit(v)) for v in np.ravel(z)]


def loss_by(value_fn=None, grad_fn=None):
    def fn(w, X, y):
        z = X @ w
        p = scipy.special.expit(z)
        value = (value_fn or (lambda: np.mean(np.logaddexp(0, z) - y * z)))
        grad = (grad_fn or (lambda: X.T @ (p - y) / len(y)))
        return (value(z, p, y, X) if value_fn else value()), (grad(z, p, y, X) if grad_fn
                                                              else grad())
    return fn


def lse_with(reduce_log):
    def fn(Z):
        m = Z.max(axis=1, keepdims=True)
        return reduce_log(m[:, 0], np.exp(Z - m))
    return fn


def newton_sqrt_weights(w, X, y):
    p = scipy.special.expit(X @ w)
    H = X.T @ (np.sqrt(p * (1 - p))[:, None] * X) / len(y)
    return w - np.linalg.solve(H, X.T @ (p - y) / len(y))


MORE_MISTAKES = [
    (checks.check_stable_sigmoid, sigmoid_flat_list, "the result was flattened"),
    (checks.check_logistic_loss,
     loss_by(value_fn=lambda z, p, y, X: np.sum(np.logaddexp(0, z) - y * z) / X.shape[1]),
     "not X.shape[1]"),
    (checks.check_logistic_loss, loss_by(grad_fn=lambda z, p, y, X: X.T @ (p - y) / X.shape[1]),
     "not X.shape[1]"),
    (checks.check_logistic_loss,
     loss_by(value_fn=lambda z, p, y, X: np.mean(y * np.logaddexp(0, z)
                                                 + (1 - y) * np.logaddexp(0, -z))),
     "the labels are swapped"),
    (checks.check_logistic_loss, loss_by(value_fn=lambda z, p, y, X: np.mean(np.logaddexp(0, -z))),
     "the labels y are missing"),
    (checks.check_log_sum_exp, lse_with(lambda m, e: m + np.log(np.mean(e, axis=1))),
     "you averaged the exponentials"),
    (checks.check_log_sum_exp, lse_with(lambda m, e: np.log(np.sum(e, axis=1)) - m),
     "subtracted after the logarithm"),
    (checks.check_log_sum_exp, lse_with(lambda m, e: m + np.log1p(np.sum(e, axis=1))),
     "np.log1p(s) is log(1 + s)"),
    (checks.check_newton_step, newton_sqrt_weights, "not their square root"),
]


@pytest.mark.parametrize(("check", "fn", "message"), MORE_MISTAKES)
def test_more_mistakes_are_named(check, fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn)


# --- issue 9: values where the naive formula fails, not only warnings; the threshold task -------

def sigmoid_naive_silenced(z):
    """The naive formula with its own np.errstate: no warning reaches the check."""
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_naive_other_form_silenced(z):
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(z, dtype=float))
        return e / (1 + e)


def sigmoid_clipped(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_where_silenced(z):
    """Both branches computed by np.where, warnings silenced: the values are still right."""
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


@pytest.mark.parametrize(("fn", "message"), [
    (sigmoid_naive_silenced, "np.exp overflowed"),
    (sigmoid_naive_other_form_silenced, "np.exp overflowed"),
    (sigmoid_where_silenced, "np.exp overflowed"),
])
def test_a_silenced_naive_sigmoid_is_caught(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_stable_sigmoid(fn)


def test_where_np_exp_is_not_watched_the_values_still_catch_the_nan_form():
    # the grader's sandbox calls the answer in another process: only the values are seen there
    from mlopt.checks import logistic_regression as mod

    original = mod._watching_exp
    mod._watching_exp = lambda fn: fn
    try:
        with pytest.raises(AssertionError, match="NaN or infinity"):
            checks.check_stable_sigmoid(sigmoid_naive_other_form_silenced)
        checks.check_stable_sigmoid(sigmoid_clipped)        # clipping at +-500: 7e-218 off
    finally:
        mod._watching_exp = original


def test_float32_sigmoid_passes():
    checks.check_stable_sigmoid(sigmoid_float32)


def sigmoid_float32(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)


def test_large_logit_messages_name_where_p_rounds():
    with pytest.raises(AssertionError, match=re.escape("z > 36.7")):
        def loss_from_p(w, X, y):
            p = scipy.special.expit(X @ w)
            value = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            return value, X.T @ (p - y) / len(y)
        checks.check_logistic_loss_large_logits(loss_from_p)


def thr_reference(y, s, r):
    return checks.threshold_reference(y, s, r)


def thr_sklearn(y, s, r):
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, s)
    ok = np.flatnonzero(recall[:-1] >= r)
    i = ok[-1]
    return thresholds[i], precision[i]


def thr_midpoint(y, s, r):
    """Any threshold between the next lower score and the reference flags the same samples."""
    t, p = checks.threshold_reference(y, s, r)
    below = np.max(s[s < t])
    return (t + below) / 2, np.float32(p)


def thr_list(y, s, r):
    return list(checks.threshold_reference(y, s, r))


@pytest.mark.parametrize("fn", [thr_reference, thr_sklearn, thr_midpoint, thr_list],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 71, 72])
def test_threshold_valid_answers_pass(fn, seed):
    checks.check_threshold_for_recall(fn, seed=seed)


def thr_strict(y, s, r):
    """recall > min_recall instead of >=."""
    P = np.sum(y == 1)
    for t in np.unique(s)[::-1]:
        f = s >= t
        if np.sum(f & (y == 1)) / P > r:
            return t, np.sum(f & (y == 1)) / f.sum()


def thr_flag_all(y, s, r):
    return s.min(), np.mean(y)


def thr_too_high(y, s, r):
    t, _ = checks.threshold_reference(y, s, r)
    t2 = np.min(s[s > t])
    f = s >= t2
    return t2, np.sum(f & (y == 1)) / f.sum()


def thr_recall_as_precision(y, s, r):
    t, _ = checks.threshold_reference(y, s, r)
    f = s >= t
    return t, np.sum(f & (y == 1)) / np.sum(y == 1)


def thr_off_by_one(y, s, r):
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, s)
    i = np.flatnonzero(recall[:-1] >= r)[-1]
    return thresholds[i], precision[i + 1]


def thr_fixed_target(y, s, r):
    return checks.threshold_reference(y, s, 0.95)


def thr_swapped(y, s, r):
    t, p = checks.threshold_reference(y, s, r)
    return p, t


@pytest.mark.parametrize(("fn", "message"), [
    (thr_strict, "a recall exactly equal"),
    (thr_flag_all, "flags every sample"),
    (thr_too_high, "below min_recall"),
    (thr_recall_as_precision, "That number is the recall"),
    (thr_off_by_one, "is not the precision of flagging"),
    (thr_fixed_target, "min_recall=0.8"),
    (thr_swapped, "threshold_for_recall"),
    (lambda y, s, r: None, "returned None"),
    (lambda y, s, r: 0.5, "should return the pair"),
    (lambda y, s, r: ("a", "b"), "two numbers"),
    (lambda y, s, r: {"t": 0.5, "p": 0.5}, "should return the pair"),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
@pytest.mark.parametrize("seed", [0, 71])
def test_threshold_mistakes_are_rejected(fn, message, seed):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_threshold_for_recall(fn, seed=seed)


def test_threshold_stub_and_in_place_sort_are_rejected():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_threshold_for_recall(stub)

    def sorts_in_place(y, s, r):
        s.sort()
        return 0.5, 0.5

    with pytest.raises(AssertionError, match="in place"):
        checks.check_threshold_for_recall(sorts_in_place)


def loss_float32(w, X, y):
    w, X, y = (np.asarray(a, dtype=np.float32) for a in (w, X, y))
    z = X @ w
    p = (1 / (1 + np.exp(-z))).astype(np.float32)
    return np.mean(np.logaddexp(np.float32(0), z) - y * z), X.T @ (p - y) / np.float32(len(y))


def lse_float32(Z):
    Z = np.asarray(Z, dtype=np.float32)
    m = Z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]


def newton_float32(w, X, y):
    w, X, y = (np.asarray(a, dtype=np.float32) for a in (w, X, y))
    p = 1 / (1 + np.exp(-(X @ w)))
    H = X.T @ ((p * (1 - p))[:, None] * X) / np.float32(len(y))
    return w - np.linalg.solve(H, X.T @ (p - y) / np.float32(len(y)))


@pytest.mark.parametrize(("check", "fn"), [
    (checks.check_logistic_loss, loss_float32), (checks.check_log_sum_exp, lse_float32),
    (checks.check_newton_step, newton_float32)], ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("seed", [0, 41])
def test_float32_answers_pass(check, fn, seed):
    check(fn, seed=seed)


# --- review (revd): small probabilities keep their relative precision --------------------------

def sigmoid_clipped_40(z):
    return 1 / (1 + np.exp(-np.clip(np.asarray(z, dtype=float), -40, 40)))


def sigmoid_plus_eps(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)) + 1e-30


@pytest.mark.parametrize(("fn", "message"), [
    # (1 + tanh(z/2)) / 2 cancels to exactly 0 for z < -37: sigma(-40) = 4.2e-18 is lost
    (sigmoid_tanh, "cancels to exactly 0 for z < -37"),
    (sigmoid_clipped_40, "stable_sigmoid(-100) returned 4.248e-18"),
    (sigmoid_plus_eps, "adding an eps"),
])
def test_a_sigmoid_that_loses_small_probabilities_is_rejected(fn, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.check_stable_sigmoid(fn)


def test_sigmoid_small_probabilities_float32_and_clip_500_still_pass():
    checks.check_stable_sigmoid(sigmoid_float32)
    checks.check_stable_sigmoid(lambda z: scipy_expit(np.asarray(z, dtype=np.float32)))
    checks.check_stable_sigmoid(sigmoid_clipped)          # exact down to z = -300


def scipy_expit(z):
    from scipy.special import expit

    return expit(z)


def thr_count_rounded_down(y, s, r):
    """The k-th highest positive score with k = int(r * P): rounds the count down."""
    pos = np.sort(s[y == 1])[::-1]
    t = pos[int(r * len(pos)) - 1]
    f = s >= t
    return t, np.sum(f & (y == 1)) / f.sum()


def thr_count_rounded_up(y, s, r):
    """The same with k = ceil(r * P): a valid answer."""
    pos = np.sort(s[y == 1])[::-1]
    t = pos[int(np.ceil(r * len(pos) - 1e-9)) - 1]
    f = s >= t
    return t, np.sum(f & (y == 1)) / f.sum()


@pytest.mark.parametrize("seed", [0, 72])
def test_threshold_count_rounded_down_is_named(seed):
    # 0.95 and 0.8 of 20 positives are whole numbers: only the third target (0.93) sees it
    with pytest.raises(AssertionError, match="so 19 must be flagged, not 18"):
        checks.check_threshold_for_recall(thr_count_rounded_down, seed=seed)


@pytest.mark.parametrize("seed", [0, 71, 72])
def test_threshold_count_rounded_up_passes(seed):
    checks.check_threshold_for_recall(thr_count_rounded_up, seed=seed)
