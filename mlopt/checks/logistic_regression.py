"""Checks for the graded exercise of chapter 09, logistic regression."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from mlopt.checks._core import Mistake, _as_numbers, call_on_copies, check_array, check_scalar
from mlopt.losses import log_sum_exp, logistic, logistic_hessian, sigmoid

__all__ = [
    "check_stable_sigmoid",
    "check_logistic_loss",
    "check_logistic_loss_large_logits",
    "check_log_sum_exp",
    "check_newton_step",
    "check_newton_reaches_sklearn",
    "check_threshold_for_recall",
]

_FIX = "Compute new arrays instead (e.g. `w - step`, not `w -= step`)."

_OVERFLOW_SIGMOID = (
    "np.exp overflowed: for z = -1000, exp(-z) = exp(1000) is larger than the largest float "
    "(about 1.8e308), which NumPy reports as 'RuntimeWarning: overflow encountered in exp'. "
    "The values may even look right, but the computation is not stable. Only ever exponentiate "
    "a number <= 0: with e = np.exp(-np.abs(z)), sigma(z) = 1 / (1 + e) where z >= 0 and "
    "e / (1 + e) where z < 0. Beware that np.where(cond, a, b) computes both a and b for every "
    "entry, so neither branch may contain exp of a large positive number"
)


class _ExpOverflow(FloatingPointError):
    """np.exp received an argument whose exponential overflows (seen by watching np.exp)."""


def _watching_exp(fn):
    """``fn`` with ``np.exp`` replaced, for the call, by a copy that raises on arguments above
    log(max float): overflow is then seen even under the learner's own ``np.errstate``."""
    def watched(*args):
        original = np.exp

        def exp(x, *rest, **kwargs):
            arr = np.asarray(x)
            if arr.dtype.kind == "f" and arr.size and np.nanmax(arr) > 709.78:
                raise _ExpOverflow(f"overflow encountered in exp (np.exp({np.nanmax(arr):g}))")
            return original(x, *rest, **kwargs)

        np.exp = exp
        try:
            return fn(*args)
        finally:
            np.exp = original
    return watched


def _tol(got, rtol=1e-6, atol=1e-9):
    """Tolerances for ``got``: single precision (float32) answers are legitimate in ML code, so
    they are compared at float32 accuracy."""
    dtype = getattr(got, "dtype", None)
    if dtype is None and isinstance(got, (tuple, list)) and got:
        dtype = getattr(got[0], "dtype", None)
    if dtype == np.float32:
        return dict(rtol=max(rtol, 1e-4), atol=max(atol, 1e-6))
    return dict(rtol=rtol, atol=atol)


def _raising(fn, name, *args, fix=_FIX, messages=None, hint_on_error=None, watch_exp=False):
    """Call ``fn`` on copies with floating-point overflow, division by zero and NaN made into
    errors (and, with ``watch_exp``, np.exp watched for overflowing arguments); translate those
    errors into a sentence for the learner."""
    messages = messages or {}
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            return call_on_copies(_watching_exp(fn) if watch_exp else fn, name, *args, fix=fix)
    except FloatingPointError as err:
        text = str(err)
        for key, message in messages.items():
            if key in text:
                raise AssertionError(f"{name}: {message}.") from None
        raise AssertionError(
            f"{name} raised 'FloatingPointError: {text}' on large inputs: somewhere an exp "
            "overflows, a log receives 0, or 0 * inf gives nan. Rewrite that step in the "
            "stable form of the lesson (section 4)."
        ) from None
    except (ValueError, np.linalg.LinAlgError) as err:
        if hint_on_error is None:
            raise
        raise AssertionError(
            f"{name} raised {type(err).__name__}: {err}. {hint_on_error}"
        ) from err


# --- task 1: the sigmoid ------------------------------------------------------------------------

def make_logits(shape=(7,), seed=0):
    """Moderate logits (|z| < 8) of the given shape, both signs, with an exact zero."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-8.0, 8.0, size=shape)
    z.flat[0] = 0.0
    return z


def check_stable_sigmoid(stable_sigmoid, *, shape=(7,), seed=0):
    """Check ``stable_sigmoid(z)`` = 1 / (1 + exp(-z)) elementwise, also for |z| up to 1000,
    without overflow."""
    z = make_logits(shape, seed)
    expected = sigmoid(z)
    e = np.exp(-np.abs(z))
    mistakes = [
        Mistake(sigmoid(-z), "you computed sigma(-z) = 1 - sigma(z). The sigmoid tends to 1 for "
                "large positive z: sigma(z) = 1 / (1 + exp(-z)), with a minus in the exponent"),
        Mistake(e / (1 + e), "you used e / (1 + e) with e = exp(-|z|) for every z; that equals "
                "sigma(z) only for z < 0. Use 1 / (1 + e) where z >= 0"),
        Mistake(1 / (1 + e), "you used 1 / (1 + e) with e = exp(-|z|) for every z; that equals "
                "sigma(z) only for z >= 0. Use e / (1 + e) where z < 0"),
        Mistake(np.tanh(z), "np.tanh is a different S-shaped function (values in (-1, 1)); the "
                "sigmoid is 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2"),
        Mistake(expected * (1 - expected), "this is the derivative sigma(z)(1 - sigma(z)); "
                "return sigma(z) itself"),
    ]
    got = _raising(stable_sigmoid, "stable_sigmoid", z,
                   messages={"overflow": _OVERFLOW_SIGMOID})
    check_array(got, expected, "stable_sigmoid(z)", mistakes=mistakes,
                context=f"z.shape={z.shape}, |z| < 8")

    rng = np.random.default_rng(seed + 1)
    z_big = np.array([-1000.0, -745.0, -710.0, -40.0, 0.0, 37.0, 40.0, 710.0, 745.0, 1000.0])
    z_big = rng.permutation(z_big)
    got = _raising(stable_sigmoid, "stable_sigmoid", z_big, watch_exp=True,
                   messages={"overflow": _OVERFLOW_SIGMOID,
                             "invalid": "it produced nan for a large |z| (inf / inf or 0 * inf). "
                             "Only exponentiate numbers <= 0: e = np.exp(-np.abs(z))"})
    check_array(got, sigmoid(z_big), "stable_sigmoid(z) for large |z|", atol=1e-12,
                context=f"z = {np.array2string(z_big, separator=', ')}")

    # values, not only warnings: a learner's own np.errstate silences the floating-point
    # errors (and the grader's sandbox runs the answer in another process), so the values must
    # be right where the naive forms fail (nan from inf / inf, a clipped z), and in this
    # process np.exp itself is watched for arguments that overflow
    z_tiny = np.array([-710.0, -720.0, -730.0, -700.0, 710.0, 1000.0])
    got = _raising(stable_sigmoid, "stable_sigmoid", z_tiny, watch_exp=True,
                   messages={"overflow": _OVERFLOW_SIGMOID})
    check_array(got, sigmoid(z_tiny), "stable_sigmoid(z) for |z| from 700 to 1000",
                atol=1e-15, context=f"z = {np.array2string(z_tiny, separator=', ')}")

    # small probabilities keep their relative precision (lesson 09, section 4): sigma(-100) =
    # 3.7e-44 is an ordinary double. Clipping z to +-40 (or adding an eps) replaces it by a
    # number 26 orders of magnitude larger, an error the absolute tolerances above cannot see.
    # (A clip at +-500, where exp cannot overflow yet, is accepted: exact down to z = -300.)
    z_small = np.array([-40.0, -100.0, -300.0, 0.0])
    got = _raising(stable_sigmoid, "stable_sigmoid", z_small, watch_exp=True,
                   messages={"overflow": _OVERFLOW_SIGMOID})
    expected = sigmoid(z_small)
    try:
        got_arr = np.asarray(got, dtype=float).reshape(z_small.shape)
    except (TypeError, ValueError):
        got_arr = None                           # check_array below explains the shape
    if got_arr is not None:
        single = getattr(got, "dtype", None) == np.float32
        keep = expected > (np.finfo(np.float32).tiny if single else 0.0)
        bad = keep & ~np.isclose(got_arr, expected, rtol=2e-4 if single else 1e-6, atol=0.0)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            if got_arr[k] == 0.0:
                raise AssertionError(
                    f"stable_sigmoid({z_small[k]:g}) returned 0, but sigma({z_small[k]:g}) = "
                    f"{expected[k]:.4g}, an ordinary double (sigma(z) stays above 0 down to "
                    "z = -745). A form that computes 1 minus something close to 1, such as "
                    "(1 + np.tanh(z / 2)) / 2 or 1 - sigma(-z), cancels to exactly 0 for "
                    "z < -37. Use e = np.exp(-np.abs(z)) and e / (1 + e) for z < 0."
                )
            raise AssertionError(
                f"stable_sigmoid({z_small[k]:g}) returned {got_arr[k]:.4g}, but sigma"
                f"({z_small[k]:g}) = {expected[k]:.4g}. A tiny probability is still an ordinary "
                "double (sigma(z) stays above 0 down to z = -745) and keeps its full relative "
                "precision; clipping z (e.g. np.clip(z, -40, 40)) or adding an eps replaces it "
                "by a much larger number. Compute e = np.exp(-np.abs(z)) and use e / (1 + e) "
                "for z < 0, without clipping."
            )

    # "any shape": a 2-D array keeps its shape
    z2 = z_big.reshape(2, 5)
    got = _raising(stable_sigmoid, "stable_sigmoid", z2,
                   messages={"overflow": _OVERFLOW_SIGMOID})
    check_array(got, sigmoid(z2), "stable_sigmoid(z) for a 2-D z", atol=1e-12,
                context=f"z.shape={z2.shape}",
                mistakes=[Mistake(sigmoid(z2).ravel(), "the result was flattened; return an "
                                  "array of the shape of z (element-wise, any shape): avoid "
                                  "loops over z and np.ravel, or reshape back with "
                                  "z.shape")])


# --- task 2: the cross-entropy and its gradient -----------------------------------------------

def make_classification(n_samples=8, n_features=3, seed=0, scale=1.0):
    """Features, a parameter vector and 0/1 labels with both classes; logits of size ~scale."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    w = rng.normal(size=n_features) * scale / np.sqrt(n_features)
    y = (rng.uniform(size=n_samples) < sigmoid(X @ w + rng.normal(size=n_samples))).astype(float)
    y[:2] = [0.0, 1.0]  # both classes, always
    return w, X, y


def _unpack_pair(got, what):
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return value, grad`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(
            f"{what} should return the pair `value, grad`, got {type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "") + "."
        )
    return got


def check_logistic_loss(logistic_loss, *, n_samples=8, n_features=3, seed=0):
    """Check ``logistic_loss(w, X, y)`` = (mean cross-entropy, X.T (sigma(Xw) - y) / n) on
    moderate logits."""
    w, X, y = make_classification(n_samples, n_features, seed, scale=2.0)
    n = n_samples
    value, grad = logistic(w, X, y)
    z = X @ w
    p = sigmoid(z)
    what = "logistic_loss(w, X, y)"
    context = f"w.shape={w.shape}, X.shape={X.shape}, y.shape={y.shape}"

    got_value, got_grad = _unpack_pair(
        call_on_copies(logistic_loss, "logistic_loss", w, X, y, fix=_FIX), what)
    if np.shape(got_value) == w.shape and np.ndim(got_grad) == 0 and w.size > 1:
        raise AssertionError(f"{what} returned the pair in the wrong order: return "
                             "`value, grad`, the loss first.")
    value_mistakes = [
        Mistake(n * value, "the loss is the mean over the samples, not the sum: divide by "
                "n = X.shape[0] (np.mean)"),
        Mistake(-value, "the sign is flipped: the loss is the NEGATIVE log-likelihood, "
                "-(y log p + (1 - y) log(1 - p)), a positive number"),
        Mistake(-np.mean(y * np.log(p)), "the term (1 - y) log(1 - p) of the negative samples "
                "is missing"),
        Mistake(-np.mean((1 - y) * np.log(1 - p)), "the term y log p of the positive samples "
                "is missing"),
        Mistake(np.mean((p - y) ** 2), "this is the squared error of the probabilities; the "
                "loss of logistic regression is the cross-entropy log(1 + e^z) - y z"),
        Mistake(np.mean(np.logaddexp(0, z) + y * z), "the sign of y z is flipped: "
                "log(1 + e^z) - y z"),
        Mistake(np.mean(np.logaddexp(0, -z) - y * z), "use log(1 + e^z) - y z, with e^{+z}: "
                "log p = z - log(1 + e^z) and log(1 - p) = -log(1 + e^z)"),
        Mistake(n * value / X.shape[1], "the mean divides by n = X.shape[0], the number of "
                "samples (len(y)), not X.shape[1]"),
        Mistake(np.mean(y * np.logaddexp(0, z) + (1 - y) * np.logaddexp(0, -z)), "the labels "
                "are swapped: a positive sample (y = 1) pays -log p = log(1 + e^{-z}), a "
                "negative one -log(1 - p) = log(1 + e^z)"),
        Mistake(np.mean(np.logaddexp(0, -z)), "the labels y are missing: this is -log p for "
                "every sample, as if all were positive; the loss is log(1 + e^z) - y z"),
    ]
    check_scalar(got_value, value, "the loss value of " + what, mistakes=value_mistakes,
                 context=context, **_tol(got_value))
    grad_mistakes = [
        Mistake(X.T @ (y - p) / n, "the sign is flipped: the gradient is X.T @ (p - y) / n, "
                "prediction minus label. With y - p, gradient descent climbs the loss"),
        Mistake(X.T @ (p - y), "the 1/n is missing: the loss is a mean, so its gradient is "
                "X.T @ (p - y) / n"),
        Mistake(X.T @ (y - p), "the sign is flipped and the 1/n is missing: X.T @ (p - y) / n"),
        Mistake(2 * X.T @ (p - y) / n, "there is no factor 2 here (that comes from the square "
                "in the MSE): X.T @ (p - y) / n"),
        Mistake(X.T @ (z - y) / n, "you used the score z = X @ w instead of the probability "
                "p = sigmoid(z): X.T @ (p - y) / n"),
        Mistake(X.T @ ((p - y) * p * (1 - p)) / n, "this is the gradient of the squared "
                "error of sigmoid(Xw); the cross-entropy's is simply X.T @ (p - y) / n"),
        Mistake(X.T @ (sigmoid(-z) - y) / n, "p must be sigmoid(X @ w) = 1 / (1 + exp(-z)); "
                "you used sigmoid(-z)"),
        Mistake(X.T @ (p - y) / X.shape[1], "the mean divides by n = X.shape[0], the number "
                "of samples (len(y)), not X.shape[1]: X.T @ (p - y) / n"),
    ]
    check_array(got_grad, grad, "the gradient of " + what, mistakes=grad_mistakes,
                context=context, **_tol(got_grad))


_LOG_ZERO = (
    "np.log received 0 ('divide by zero encountered in log'). For z > 36.7, sigmoid(z) rounds "
    "to exactly 1 in double precision, so 1 - p is 0 and log(1 - p) = -inf; and the naive "
    "1 / (1 + exp(-z)) returns p = 0 once exp(-z) overflows (z < -709), so log(p) = -inf. Do "
    "not compute the loss from p: use l = log(1 + e^z) - y z, with np.logaddexp(0, z) for "
    "log(1 + e^z), which never overflows"
)
_EXP_OVERFLOW_LOSS = (
    "np.exp overflowed ('overflow encountered in exp'): e^1000 does not fit in a float. "
    "For log(1 + e^z) use np.logaddexp(0, z) (or max(z, 0) + np.log1p(np.exp(-np.abs(z)))), "
    "and compute p with your stable_sigmoid"
)
_NAN_LOSS = (
    "0 * inf produced nan ('invalid value encountered'): a term like (1 - y) * log(1 - p) with "
    "y = 1 and p rounded to 1. Compute the loss from z, log(1 + e^z) - y z, never from log(p)"
)


def make_large_logits(seed=0):
    """A small problem whose logits reach +-1000, with the labels chosen so that some samples
    are confidently wrong (loss 1000, 745, 40) and some confidently right (loss 0)."""
    rng = np.random.default_rng(seed)
    z = np.array([-1000.0, -3.0, 0.0, 40.0, 1000.0, 745.0, -745.0, 2.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    order = rng.permutation(len(z))
    z, y = z[order], y[order]
    w = np.array([2.0, -1.0])
    u = rng.normal(size=len(z))
    X = np.column_stack([(z + u) / 2.0, u])  # X @ w = z exactly, two features
    return w, X, y


def check_logistic_loss_large_logits(logistic_loss, *, seed=0):
    """Check ``logistic_loss`` for logits of +-1000: finite, exact, no overflow or log(0)."""
    w, X, y = make_large_logits(seed)
    value, grad = logistic(w, X, y)
    z = X @ w
    what = "logistic_loss(w, X, y) with logits up to +-1000"
    context = (f"z = X @ w = {np.array2string(z, separator=', ')}, "
               f"y = {np.array2string(y, separator=', ')}")
    messages = {"overflow": _EXP_OVERFLOW_LOSS, "divide": _LOG_ZERO, "invalid": _NAN_LOSS}
    got = _raising(logistic_loss, "logistic_loss", w, X, y, messages=messages)
    got_value, got_grad = _unpack_pair(got, what)
    mistakes = []
    for eps in (np.finfo(float).eps, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6):
        p = np.clip(sigmoid(z), eps, 1 - eps)
        clipped = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        mistakes.append(Mistake(clipped, (
            f"clipping p to [{eps:.3g}, 1 - {eps:.3g}] keeps the loss finite but wrong: a "
            f"sample with logit -1000 and label 1 costs 1000 nats, not -log({eps:.3g}) = "
            f"{-np.log(eps):.2f}. Compute the loss from z: log(1 + e^z) - y z, with "
            "np.logaddexp(0, z)")))
    check_scalar(got_value, value, "the loss value of " + what, mistakes=mistakes,
                 context=context)
    check_array(got_grad, grad, "the gradient of " + what, context=context)


# --- task 3: log-sum-exp -------------------------------------------------------------------------

def make_scores(n_samples=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=3.0, size=(n_samples, n_classes))


_LSE_HINT = (
    "If the message is about shapes that cannot be broadcast: Z.max(axis=1) has shape "
    "(n_samples,), which does not line up with Z of shape (n_samples, n_classes). Keep the "
    "axis, m = Z.max(axis=1, keepdims=True) (shape (n_samples, 1)), and add back m[:, 0]"
)


def check_log_sum_exp(log_sum_exp_fn, *, n_samples=5, n_classes=3, seed=0):
    """Check ``log_sum_exp(Z)`` = log(sum_k exp(Z[i, k])) for each row i, stably."""
    Z = make_scores(n_samples, n_classes, seed)
    expected = log_sum_exp(Z, axis=1)
    m_row = Z.max(axis=1)
    what = "log_sum_exp(Z)"
    context = f"Z.shape={Z.shape}"
    got = _raising(log_sum_exp_fn, "log_sum_exp", Z, fix="Leave Z as it is: `Z - m` makes a "
                   "new array, `Z -= m` changes the caller's.", hint_on_error=_LSE_HINT)
    shape = np.shape(_as_numbers(got, what, "")) if got is not None else None
    if shape == (n_samples, 1):
        raise AssertionError(
            f"{what} has shape {shape}, expected ({n_samples},): one number per row. The "
            "maximum taken with keepdims=True has shape (n_samples, 1); add back m[:, 0] "
            "(or use np.squeeze) so that the result is one-dimensional."
        )
    if shape == Z.shape:
        raise AssertionError(
            f"{what} has the shape of Z, {shape}; expected ({n_samples},). Reduce each row "
            "to one number: sum the exponentials along axis=1, then take the log."
        )
    if shape == () and n_samples > 1:
        raise AssertionError(
            f"{what} returned a single number; expected one per row, shape ({n_samples},). "
            "Give np.sum and np.max the argument axis=1."
        )
    mistakes = [
        Mistake(log_sum_exp(Z, axis=0), "you reduced over axis 0, the samples; the "
                "log-sum-exp runs over the classes of each sample: axis=1, one number per row"),
        Mistake(expected - m_row, "you subtracted the row maximum m before exponentiating but "
                "did not add it back: log sum exp(z) = m + log sum exp(z - m)"),
        Mistake(np.sum(np.exp(Z), axis=1), "the logarithm is missing: log(sum(exp(Z), axis=1))"),
        Mistake(np.log(np.sum(Z, axis=1)) if np.all(np.sum(Z, axis=1) > 0) else np.full(
            n_samples, np.nan), "the exponential is missing: log(sum(exp(Z), axis=1))"),
        Mistake(np.max(Z, axis=1), "this is only the maximum m; add log(sum(exp(Z - m))): "
                "m + log sum exp(z - m)"),
        Mistake(expected - np.log(n_classes), "you averaged the exponentials (np.mean); the "
                "log-sum-exp sums them: m + log(np.sum(np.exp(Z - m), axis=1))"),
        Mistake(expected - 2 * m_row, "the maximum is subtracted after the logarithm; add it "
                "back: m + log(sum(exp(Z - m)))"),
        Mistake(m_row + np.log1p(np.exp(expected - m_row)), "np.log1p(s) is log(1 + s); the "
                "formula needs log(s): m + np.log(np.sum(np.exp(Z - m), axis=1))"),
    ]
    if n_samples == n_classes:  # Z - Z.max(axis=1) broadcasts along the wrong axis
        shifted = Z - m_row[None, :]
        mistakes.append(Mistake(m_row + np.log(np.sum(np.exp(shifted), axis=1)), _LSE_HINT
                                .replace("If the message is about shapes that cannot be "
                                         "broadcast: ", "The maximum was subtracted along the "
                                         "wrong axis. ")))
    check_array(got, expected, what, mistakes=mistakes, context=context, **_tol(got))

    rng = np.random.default_rng(seed + 1)
    Z_big = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0],
                      [0.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]])
    Z_big = Z_big[rng.permutation(4)]
    messages = {
        "overflow": "np.exp overflowed for scores around 1000 ('overflow encountered in exp'). "
                    "Subtract each row's maximum before exponentiating, m = Z.max(axis=1, "
                    "keepdims=True), then add it back: m + log(sum(exp(Z - m)))",
        "divide": "np.log received 0 for a row whose scores are all about -1000: every exp "
                  "underflowed to 0. Subtract each row's OWN maximum, Z.max(axis=1, "
                  "keepdims=True), not the maximum of the whole array; then the largest term "
                  "of every row is exp(0) = 1",
        "invalid": "it produced nan (inf - inf or 0 * inf). Subtract each row's maximum, "
                   "Z.max(axis=1, keepdims=True), before exponentiating",
    }
    got = _raising(log_sum_exp_fn, "log_sum_exp", Z_big, messages=messages,
                   hint_on_error=_LSE_HINT)
    check_array(got, log_sum_exp(Z_big, axis=1), what + " for scores of +-1000",
                context="Z = " + np.array2string(Z_big, separator=", ").replace("\n", ""))


# --- task 4: Newton's step ------------------------------------------------------------------------

_NEWTON_HINT = (
    "If it is about shapes: the Hessian has the shape of the parameters, (n_features, "
    "n_features): H = X.T @ (s[:, None] * X) / n, or X.T @ np.diag(s) @ X / n, with "
    "s = p * (1 - p). X @ S @ X.T would be (n_samples, n_samples)"
)


def check_newton_step(newton_step, *, n_samples=20, n_features=3, seed=0):
    """Check ``newton_step(w, X, y)`` = w - H^{-1} g for the mean cross-entropy."""
    w, X, y = make_classification(n_samples, n_features, seed, scale=1.5)
    n = n_samples
    value, g = logistic(w, X, y)
    H = logistic_hessian(w, X, y)
    step = np.linalg.solve(H, g)
    expected = w - step
    p = sigmoid(X @ w)

    def newton_with(weights):
        return w - np.linalg.solve(X.T @ (weights[:, None] * X) / n, g)

    mistakes = [
        Mistake(w + step, "the step goes the wrong way: w_new = w - H^{-1} g. (If your "
                "gradient is X.T @ (y - p) / n, that is where the sign flipped: it is p - y)"),
        Mistake(step, "you returned the step H^{-1} g; return the new point w - H^{-1} g"),
        Mistake(-step, "you returned the change -H^{-1} g; add it to w: w - H^{-1} g"),
        Mistake(newton_with(p), "the weights are p(1 - p), not p: the Hessian is "
                "X.T @ S @ X / n with S = diag(p * (1 - p)), the derivative of the sigmoid"),
        Mistake(newton_with(1 - p), "the weights are p(1 - p), not 1 - p: S = diag(p * (1 - p))"),
        Mistake(newton_with(np.ones(n)), "the weights S = diag(p * (1 - p)) are missing from "
                "the Hessian: X.T @ X / n is the Hessian of least squares (up to a factor 2), "
                "the logistic one is X.T @ S @ X / n"),
        Mistake(w - n * step, "the gradient and the Hessian disagree by a factor n: both are "
                "means over the samples, g = X.T @ (p - y) / n and H = X.T @ S @ X / n (or "
                "leave out 1/n in both; it cancels)"),
        Mistake(w - step / n, "the gradient and the Hessian disagree by a factor n: both are "
                "means over the samples, g = X.T @ (p - y) / n and H = X.T @ S @ X / n (or "
                "leave out 1/n in both; it cancels)"),
        Mistake(w - g, "this is a gradient step with learning rate 1; Newton's step solves "
                "H d = g and returns w - d"),
        Mistake(w - H @ g, "multiply by the INVERSE Hessian: solve H d = g "
                "(np.linalg.solve(H, g)) and return w - d"),
        Mistake(w - g / np.diag(H), "you divided by the diagonal of H only; Newton's step "
                "uses the whole matrix: np.linalg.solve(H, g)"),
        Mistake(newton_with(np.sqrt(p * (1 - p))), "the weights are p(1 - p), not their "
                "square root: X.T @ (s[:, None] * X) / n with s = p * (1 - p) (if you weight "
                "the rows by np.sqrt(s), weight both factors: Xs.T @ Xs)"),
    ]
    got = _raising(newton_step, "newton_step", w, X, y, hint_on_error=_NEWTON_HINT)
    check_array(got, expected, "newton_step(w, X, y)", mistakes=mistakes, **_tol(got),
                context=f"w.shape={w.shape}, X.shape={X.shape}, y.shape={y.shape}")


def make_capstone_data(n_samples=300, n_features=4, seed=0):
    """Standardized features and labels drawn from a logistic model (not separable, so the
    unpenalized maximum-likelihood estimate exists)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5.0, size=n_features)
    X = X + rng.uniform(-3.0, 3.0, size=n_features)
    w_true = rng.normal(size=n_features)
    b_true = rng.normal()
    Xs = StandardScaler().fit_transform(X)
    y = (rng.uniform(size=n_samples) < sigmoid(Xs @ w_true + b_true)).astype(float)
    return Xs, y


def check_newton_reaches_sklearn(newton_step, *, n_samples=300, n_features=4, n_steps=8,
                                 seed=0):
    """Run ``n_steps`` of the learner's ``newton_step`` from zero on a standardized data set,
    with a column of ones for the intercept; compare with scikit-learn's unpenalized fit.

    Returns
    -------
    list of float
        The gradient norm at each iterate, for the learner to look at.
    """
    Xs, y = make_capstone_data(n_samples, n_features, seed)
    Xb = np.column_stack([Xs, np.ones(n_samples)])
    w = np.zeros(n_features + 1)
    grad_norms = [float(np.linalg.norm(logistic(w, Xb, y)[1]))]
    for k in range(n_steps):
        w = _as_numbers(newton_step(w, Xb, y), "newton_step(w, X, y)",
                        f" after {k} Newton steps; it should be the new w")
        if w.shape != (n_features + 1,) or not np.all(np.isfinite(w)):
            raise AssertionError(
                f"After {k + 1} Newton steps w is {w!r}: expected finite numbers of shape "
                f"({n_features + 1},). Does newton_step pass its own test above?"
            )
        grad_norms.append(float(np.linalg.norm(logistic(w, Xb, y)[1])))
    reference = SkLogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12,
                                     max_iter=100).fit(Xs, y)
    ref = np.r_[reference.coef_[0], reference.intercept_]
    error = float(np.max(np.abs(w - ref)) / np.max(np.abs(ref)))
    if not error < 1e-6:
        raise AssertionError(
            f"After {n_steps} Newton steps from w = 0 your coefficients differ from "
            f"scikit-learn's unpenalized LogisticRegression by {error:.1e} (relative); "
            f"expected below 1e-6. Gradient norms along your run: "
            f"{', '.join(f'{g:.1e}' for g in grad_norms)}. Newton's method should reach "
            "machine precision in about 6 steps here; does newton_step pass its test above?"
        )
    return grad_norms


# --- task 5: a decision threshold for a required recall -----------------------------------------

def threshold_reference(y_true, scores, min_recall):
    """The largest threshold t (a score value) such that flagging ``scores >= t`` finds at least
    ``min_recall`` of the positives; returns ``(t, precision at t)``."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    positives = np.sum(y_true == 1)
    for t in np.unique(scores)[::-1]:                     # from the highest score down
        flagged = scores >= t
        tp = np.sum(flagged & (y_true == 1))
        if tp / positives >= min_recall:
            return float(t), float(tp / flagged.sum())
    raise ValueError("no threshold reaches min_recall")


def make_scored_sample(n_negative=180, n_positive=20, seed=0):
    """Labels and classifier scores in [0, 1] with overlapping classes, ties (scores rounded to
    two decimals) and a recall of exactly 19/20 = 0.95 reachable, so '>' and '>=' differ."""
    rng = np.random.default_rng(seed)
    neg = sigmoid(rng.normal(-2.0, 1.3, size=n_negative))
    pos = sigmoid(rng.normal(1.5, 1.3, size=n_positive))
    pos[np.argmin(pos)] = 0.03                          # one positive the model nearly misses
    scores = np.round(np.concatenate([neg, pos]), 2)
    y = np.r_[np.zeros(n_negative), np.ones(n_positive)]
    order = rng.permutation(len(y))
    return y[order], scores[order]


def _flag_stats(y, scores, t):
    flagged = scores >= t
    tp = int(np.sum(flagged & (y == 1)))
    return flagged, tp / max(int(np.sum(y == 1)), 1), (tp / flagged.sum() if flagged.any()
                                                          else float("nan"))


def check_threshold_for_recall(threshold_for_recall, *, seed=0, min_recalls=(0.95, 0.8, 0.93)):
    """Check ``threshold_for_recall(y_true, scores, min_recall) -> (threshold, precision)``:
    the highest threshold whose flags (``scores >= threshold``) reach the recall, and the
    precision there; any threshold that flags the same samples is accepted. A ``min_recall``
    times the number of positives that is not a whole number (0.93 of 20) catches a count of
    positives rounded down instead of up."""
    y, scores = make_scored_sample(seed=seed)
    for min_recall in min_recalls:
        t_ref, prec_ref = threshold_reference(y, scores, min_recall)
        what = f"threshold_for_recall(y_true, scores, min_recall={min_recall})"
        context = (f"{len(y)} samples, {int(y.sum())} positive, scores rounded to 2 decimals "
                   "(with ties); a sample is flagged when score >= threshold")
        got = call_on_copies(threshold_for_recall, "threshold_for_recall", y, scores,
                             min_recall, fix="Sort a copy (np.sort or np.argsort), never "
                             "`scores.sort()`.")
        if got is None:
            raise AssertionError(f"{what} returned None. Did you forget `return threshold, "
                                 "precision`?")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"{what} should return the pair `threshold, precision`, got "
                                 f"{type(got).__name__}"
                                 + (f" of length {len(got)}" if isinstance(got, (tuple, list))
                                    else "") + ".")
        try:
            t_got, prec_got = (float(np.asarray(v, dtype=float).reshape(())) for v in got)
        except (TypeError, ValueError):
            raise AssertionError(f"{what} should return two numbers, threshold and precision; "
                                 f"got {tuple(type(v).__name__ for v in got)}.") from None
        flagged, recall_got, prec_at_got = _flag_stats(y, scores, t_got)
        flagged_ref = scores >= t_ref
        if recall_got < min_recall:
            hint = ""
            if (n_pos := int(np.sum(y == 1))) and np.isclose(
                    recall_got, np.floor(min_recall * n_pos) / n_pos) and \
                    min_recall * n_pos != np.floor(min_recall * n_pos):
                hint = (f" {min_recall} of {n_pos} positives is {min_recall * n_pos:g}, so "
                        f"{int(np.ceil(min_recall * n_pos))} must be flagged, not "
                        f"{int(np.floor(min_recall * n_pos))}: a count of positives computed "
                        "from min_recall is rounded UP, np.ceil(min_recall * n_positive).")
            elif np.array_equal(scores > t_ref, scores >= t_got):
                hint = (" Your flags are those of `scores > threshold`; the samples AT the "
                        "threshold are flagged too (>=).")
            elif np.isclose(t_got, prec_ref) or np.isclose(t_got, min_recall):
                hint = (" The first number returned should be the threshold, the second the "
                        "precision.")
            raise AssertionError(
                f"{what} returned threshold {t_got:.6g}, where only {recall_got:.4f} of the "
                f"positives are flagged, below min_recall = {min_recall}.{hint} ({context})."
            )
        if not np.array_equal(flagged, flagged_ref):
            extra = int(flagged.sum() - flagged_ref.sum())
            message = (f"{what} returned threshold {t_got:.6g}: it reaches recall "
                       f"{recall_got:.4f} but flags {extra} more samples than needed, so its "
                       f"precision {prec_at_got:.4f} is lower than the best possible, "
                       f"{prec_ref:.4f} at threshold {t_ref:.6g}. Take the HIGHEST threshold "
                       "whose recall is still >= min_recall")
            if flagged.all():
                message += "; this one flags every sample"
            elif recall_got == 1.0 and min_recall < 1.0 and prec_at_got < prec_ref:
                message += (" (recall >= min_recall, not > : a recall exactly equal to "
                            "min_recall is enough)" if _flag_stats(y, scores, t_ref)[1] ==
                            min_recall else "")
            raise AssertionError(message + f" ({context}).")
        if not np.isclose(prec_got, prec_ref, rtol=1e-6):
            hint = ""
            if np.isclose(prec_got, recall_got):
                hint = " That number is the recall: precision = TP / (number flagged)."
            elif np.isclose(prec_got, np.mean(y == (scores >= t_ref))):
                hint = " That number is the accuracy: precision = TP / (number flagged)."
            raise AssertionError(
                f"{what}: the threshold {t_got:.6g} is right, but the precision returned, "
                f"{prec_got:.6g}, is not the precision of flagging scores >= {t_got:.6g}, which "
                f"is {prec_ref:.6g}.{hint} ({context})."
            )
