"""Checks for the graded exercise of chapter 10, neural networks and backpropagation.

The references are :mod:`mlopt.neural_network`'s layers and :mod:`mlopt.losses`. Dropout masks
depend on how a learner draws them (``rng.random(shape) >= p``, ``rng.random(shape) < 1 - p``,
``rng.binomial(1, 1 - p, shape)`` all differ), so :func:`check_dropout` tests properties: the
values of the output, the fraction kept, the use of the ``rng`` argument, and that the backward
pass uses the forward pass's mask.
"""

from __future__ import annotations

import copy
from functools import partial

import numpy as np

from mlopt.checks._core import Mistake, call_on_copies, check_array, check_scalar
from mlopt.gradcheck import numerical_gradient
from mlopt.losses import _one_hot, _softmax_cross_entropy_logits, sigmoid
from mlopt.neural_network import Linear, ReLU, Sequential, Sigmoid, Tanh

__all__ = [
    "check_linear_backward",
    "check_relu_backward",
    "check_relu_backward_at_kink",
    "check_softmax_cross_entropy_backward",
    "check_softmax_cross_entropy_large_logits",
    "check_dropout",
    "check_dropout_eval",
    "check_train_step",
    "broken_network",
    "gradient_check_report",
    "check_faulty_layer",
    "check_sigmoid_backward",
]

RTOL, ATOL = 1e-5, 1e-7  # float32 answers pass; every mistake below is off by far more

_call = partial(call_on_copies, fix="Compute new arrays (`g * mask`, `W - lr * dW`); do not "
                "modify the arguments in place (no `*=`, `-=` or item assignment on them).")


def _describe(got):
    if isinstance(got, np.ndarray):
        return f"an ndarray of shape {got.shape}"
    if isinstance(got, (tuple, list)):
        return f"a {type(got).__name__} of {len(got)} items"
    return f"{type(got).__name__} {got!r}"[:120]


def _unpack(got, what, names):
    """The learner's tuple of ``len(names)`` results, or a message naming what came back."""
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        raise AssertionError(
            f"{what} should return {len(names)} values, `return {', '.join(names)}`; got "
            f"{_describe(got)}."
        )
    return got


def _batch(seed, shape, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


# --- task 1: Linear backward -----

def check_linear_backward(linear_backward, *, batch=5, n_in=3, n_out=2, seed=0):
    """Check ``linear_backward(grad_out, x, W) -> (grad_x, grad_W, grad_b)`` for
    ``out = x @ W + b``."""
    rng = np.random.default_rng(seed)
    x, W = rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out))
    G = rng.normal(size=(batch, n_out))
    layer = Linear.from_weights(W, np.zeros(n_out))
    layer.forward(x)
    gx, gW, gb = layer.backward(G), layer.grad_weight, layer.grad_bias
    what = "linear_backward(grad_out, x, W)"
    context = f"x.shape={x.shape}, W.shape={W.shape}, grad_out.shape={G.shape}"
    got = _unpack(_call(linear_backward, "linear_backward", G, x, W), what,
                  ("grad_x", "grad_W", "grad_b"))
    shapes = [np.shape(g) for g in got]
    wanted = [gx.shape, gW.shape, gb.shape]
    if shapes != wanted and sorted(map(str, shapes)) == sorted(map(str, wanted)):
        raise AssertionError(
            f"{what} returned arrays of shapes {shapes}; expected {wanted}, in the order "
            "`return grad_x, grad_W, grad_b` (the input's gradient first). The three look "
            "right, just in another order.")
    check_array(got[1], gW, f"grad_W from {what}", context=context, rtol=RTOL, atol=ATOL,
                mistakes=[
        Mistake(gW.T, "it is transposed: dL/dW must have W's shape (n_in, n_out); the only "
                "product of x (batch, n_in) and grad_out (batch, n_out) with that shape is "
                "x.T @ grad_out"),
        Mistake(gW / batch, f"it is divided by the batch size ({batch}): the layer's backward "
                "SUMS over the batch (that is what x.T @ grad_out does); the 1/batch of a mean "
                "loss is already inside grad_out"),
        Mistake(G.T @ x, "it is transposed (grad_out.T @ x): dL/dW must have W's shape "
                "(n_in, n_out): x.T @ grad_out"),
    ])
    check_array(got[2], gb, f"grad_b from {what}", context=context, rtol=RTOL, atol=ATOL,
                mistakes=[
        Mistake(G, f"the bias gradient is not summed over the batch: it has one row per sample, "
                f"shape {G.shape}; every sample uses the same bias, so its gradient is "
                "grad_out.sum(axis=0), shape (n_out,)"),
        Mistake(G.mean(axis=0), f"it is the mean over the batch, {batch} times too small: sum "
                "the rows, grad_out.sum(axis=0) (the 1/batch is already inside grad_out)"),
        Mistake(G.sum(axis=1), "it was summed over the wrong axis: sum over the samples "
                "(axis=0), keeping one entry per output unit"),
        Mistake(G.sum(axis=0, keepdims=True), f"it has shape (1, {n_out}) (keepdims=True): the "
                f"gradient has the bias's shape ({n_out},), grad_out.sum(axis=0)"),
    ])
    check_array(got[0], gx, f"grad_x from {what}", context=context, rtol=RTOL, atol=ATOL,
                mistakes=[
        Mistake(gx.T, "it is transposed: dL/dx has x's shape (batch, n_in): grad_out @ W.T"),
        Mistake(gx / batch, f"it is divided by the batch size ({batch}): each sample's input "
                "gradient is grad_out[i] @ W.T, nothing to average"),
    ])


# --- task 2: ReLU backward -----

def _relu_inputs(batch, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, n))
    G = rng.normal(size=(batch, n))
    # make the gradient's sign disagree with the input's on purpose somewhere
    G[0, 0], x[0, 0] = -abs(G[0, 0]) - 0.5, abs(x[0, 0]) + 0.5
    G[-1, -1], x[-1, -1] = abs(G[-1, -1]) + 0.5, -abs(x[-1, -1]) - 0.5
    return x, G


def _relu_mistakes(x, G):
    return [
        Mistake(G * (G > 0), "the mask was taken from grad_out (the gradient coming from the "
                "output side) instead of from the input x: ReLU passes the gradient where its "
                "INPUT was positive, whatever the gradient's sign: grad_out * (x > 0)"),
        Mistake(G * np.maximum(x, 0), "it multiplies grad_out by the output max(x, 0); the "
                "derivative of ReLU is the 0/1 mask, grad_out * (x > 0)"),
        Mistake((x > 0).astype(float), "it is the mask alone: multiply it by grad_out (chain "
                "rule: dL/dx = dL/dout * dout/dx)"),
        Mistake(G * (x < 0), "the mask is inverted: the gradient passes where x > 0"),
        Mistake(np.maximum(x, 0), "this is the forward pass max(x, 0), not the gradient"),
        Mistake(G, "the gradient passes everywhere; it must be zero where x <= 0"),
    ]


def check_relu_backward(relu_backward, *, batch=4, n=5, seed=0):
    """Check ``relu_backward(grad_out, x)`` = ``grad_out * (x > 0)``."""
    x, G = _relu_inputs(batch, n, seed)
    relu = ReLU()
    relu.forward(x)
    expected = relu.backward(G)
    got = _call(relu_backward, "relu_backward", G, x)
    check_array(got, expected, "relu_backward(grad_out, x)", mistakes=_relu_mistakes(x, G),
                rtol=RTOL, atol=ATOL, context=f"x.shape={x.shape}")


def check_relu_backward_at_kink(relu_backward, *, n=6, seed=0):
    """At exact zeros of ``x`` the course (like torch and scikit-learn) uses derivative 0."""
    rng = np.random.default_rng(seed)
    x = np.array([[0.0, -0.0, 1.5, -2.0, 0.0, 3.0][:n]])
    G = rng.uniform(0.5, 2.0, size=x.shape)
    expected = G * (x > 0)
    got = _call(relu_backward, "relu_backward", G, x)
    check_array(got, expected, "relu_backward(grad_out, x) at x = 0", rtol=RTOL, atol=ATOL,
                context=f"x = {x.ravel().tolist()}", mistakes=[
        Mistake(G * (x >= 0), "at x = 0 exactly it passes the gradient (mask x >= 0). ReLU has "
                "a kink there: any slope in [0, 1] is a valid subgradient, and the convention "
                "of torch, Keras and scikit-learn, which this course follows, is 0: use x > 0"),
        Mistake(G * 0.5 * (x == 0) + G * (x > 0), "at x = 0 it uses slope 1/2; the convention "
                "(torch, scikit-learn) is 0 there: mask x > 0"),
        *_relu_mistakes(x, G)])


# --- task 3: softmax cross-entropy backward -----

def _softmax_problem(n, k, seed, scale=3.0):
    rng = np.random.default_rng(seed)
    Z = scale * rng.normal(size=(n, k))
    return Z, rng.integers(0, k, size=n)


_LOG_OF_ZERO = (
    "a probability rounded to 0 and its log is -inf: in the first row the true class has a "
    "logit near -1000 and another class one near +1000, so P = exp(-2000) underflows, while "
    "the loss there is about 2000. Do not take the log of the softmax (nor clip it, nor add "
    "an eps: that returns a wrong finite loss); compute the log-probabilities directly, "
    "log P = (Z - m) - log(sum(exp(Z - m), axis=1, keepdims=True)) with m = each ROW's "
    "maximum, and the loss from log P[i, y[i]]")
_OVERFLOW = (
    "np.exp overflowed (exp(1000) is larger than the largest float, 1.8e308). Subtract each "
    "row's maximum before exponentiating, Z - Z.max(axis=1, keepdims=True): the softmax does "
    "not change, and every exponent is <= 0")


_BATCH_MAX = (
    "the last row's logits all lie near -1000, far below the batch's largest logit (about "
    "+1000): subtracting the maximum of the whole batch (Z - Z.max()) puts every exponent of "
    "that row near -2000, exp rounds them all to 0, and the row's softmax is 0 / 0 (or the log "
    "of a zero sum). Subtract each row's max, not the batch's: "
    "Z - Z.max(axis=1, keepdims=True)")
_INVALID = (
    "an invalid operation (0 / 0, inf - inf or inf / inf) produced NaN. Subtract each row's "
    "maximum before exponentiating, Z - Z.max(axis=1, keepdims=True), and compute the "
    "log-probabilities as (Z - m) - log(sum(exp(Z - m), axis=1, keepdims=True))")
_UNDERFLOW_GAP = 700.0  # exp(-700) ~ 1e-304; from about exp(-745) on, exp rounds to 0


def _batch_max_rows(grad, Z):
    """True if the non-finite rows of ``grad`` are exactly rows of ``Z`` lying entirely
    ``_UNDERFLOW_GAP`` below the batch's maximum: the signature of ``Z - Z.max()``."""
    try:
        grad = np.asarray(grad, dtype=float)
    except (TypeError, ValueError):
        return False
    if grad.shape != Z.shape:
        return False
    bad = ~np.isfinite(grad).all(axis=1)
    far = Z.max(axis=1) < Z.max() - _UNDERFLOW_GAP
    return bool(bad.any()) and not bool((bad & ~far).any())


def _quiet_gradient(fn, *args):
    """The learner's gradient with NumPy's floating-point errors silenced (None if it fails)."""
    try:
        with np.errstate(all="ignore"):
            got = fn(*(a.copy() for a in args))
        return got[1] if isinstance(got, (tuple, list)) and len(got) == 2 else None
    except Exception:  # noqa: BLE001 (a diagnosis only: the loud call already failed)
        return None


def _raising(fn, name, *args):
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return _call(fn, name, *args)
    except FloatingPointError as err:
        text = str(err)
        if _batch_max_rows(_quiet_gradient(fn, *args), args[0]):
            reason = _BATCH_MAX
        elif "overflow" in text:
            reason = _OVERFLOW
        elif "divide by zero" in text:
            reason = _LOG_OF_ZERO
        else:  # "invalid value": 0/0 and the like, no logarithm involved
            reason = _INVALID
        raise AssertionError(
            f"{name} raised 'FloatingPointError: {err}' on logits of about ±1000: {reason}."
        ) from None


def check_softmax_cross_entropy_backward(softmax_cross_entropy_backward, *, n=6, k=4, seed=0):
    """Check ``softmax_cross_entropy_backward(logits, y) -> (loss, grad_logits)``: the mean
    cross-entropy over the batch and its gradient ``(P - Y) / n`` with one-hot ``Y``."""
    Z, y = _softmax_problem(n, k, seed)
    Y = _one_hot(y, k)
    loss, dZ, P = _softmax_cross_entropy_logits(Z, Y)
    what = "softmax_cross_entropy_backward(logits, y)"
    context = f"logits.shape={Z.shape}, y = {y.tolist()} (integer labels)"
    got = _unpack(_raising(softmax_cross_entropy_backward, "softmax_cross_entropy_backward", Z,
                           y), what, ("loss", "grad_logits"))
    grad = got[1]
    whole_batch = ("the softmax was normalized over the whole batch (a sum without axis): each "
                   "ROW of P must sum to 1, np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)")
    if grad is not None and np.shape(grad) == (n, k):
        with np.errstate(all="ignore"):
            broadcast = (P - y[:, None]) / n
        check_array(grad, dZ, f"grad_logits from {what}", rtol=RTOL, atol=ATOL, context=context,
                    mistakes=[
            Mistake(broadcast, "the labels were used as they are, P - y[:, None]: y holds "
                    "class indices, but the gradient needs one-hot rows Y (Y[i, y[i]] = 1, "
                    "else 0), e.g. Y = np.eye(n_classes)[y]; then (P - Y) / n"),
            Mistake(P - Y, f"it is {n} times too large: the loss is the MEAN over the batch, so "
                    "its gradient is (P - Y) / n (a missing 1/batch makes the right learning "
                    "rate depend on the batch size)"),
            Mistake(-dZ, "the sign is flipped: d loss / d logits = (P - Y) / n, probabilities "
                    "minus targets"),
            Mistake(P / n, "the one-hot targets are missing: (P - Y) / n"),
            Mistake((np.exp(Z) - Y) / n, "exp(logits) is not yet the softmax: normalize each "
                    "row, P = exp(Z - max) / sum(exp(Z - max), axis=1, keepdims=True)"),
            Mistake(P * (P - Y) / n, "there is no extra factor P: with the log-sum-exp form "
                    "the gradient is exactly (P - Y) / n"),
            *[Mistake((E / E.sum() - Y) / n, whole_batch) for E in (
                np.exp(Z), np.exp(Z - Z.max(axis=1, keepdims=True)))],
            Mistake(Y * (P - 1) / n, "only the true-class entries are filled: every logit gets "
                    "a gradient, P[i, k] / n for the wrong classes and (P[i, y[i]] - 1) / n for "
                    "the true one, that is (P - Y) / n"),
        ])
    else:
        check_array(grad, dZ, f"grad_logits from {what}", rtol=RTOL, atol=ATOL, context=context,
                    mistakes=[Mistake(P[np.arange(n), y] - 1, "only the true-class entries were "
                                      "returned: the gradient has one entry per logit, shape "
                                      "(n, n_classes), (P - Y) / n")])
    check_scalar(got[0], loss, f"loss from {what}", rtol=RTOL, atol=ATOL, context=context,
                 mistakes=[
        Mistake(loss * n, f"it is the sum over the batch, {n} times the mean: divide by n"),
        Mistake(-loss, "the sign is flipped: the loss is -log P[i, y[i]] averaged, >= 0"),
    ])


def check_softmax_cross_entropy_large_logits(softmax_cross_entropy_backward, *, n=5, k=3,
                                             seed=0):
    """The same on logits of about ±1000, with overflow made into an error. In the first row
    the true class sits near -1000 and another near +1000: its probability underflows to 0 and
    its loss is about 2000, so the log of the softmax (clipped or not) is caught. The last row
    lies entirely near -1000, so a softmax shifted by the batch's maximum instead of each row's
    is 0 / 0 there, at every seed."""
    Z, y = _softmax_problem(n, k, seed, scale=1.0)
    Z = 1000.0 * np.sign(Z) + Z
    Z[0, y[0]] = -1000.0 - abs(Z[0, y[0]] % 1.0)
    Z[0, (y[0] + 1) % k] = 1000.0 + abs(Z[0, (y[0] + 1) % k] % 1.0)
    if n >= 2:
        # the last row lies entirely near -1000, about 2000 below the batch's maximum: a
        # softmax shifted by the batch's max (Z - Z.max()) instead of each row's is 0 / 0 there
        Z[-1] = -1000.0 - np.abs(Z[-1] % 1.0)
    Y = _one_hot(y, k)
    loss, dZ, _ = _softmax_cross_entropy_logits(Z, Y)
    what = "softmax_cross_entropy_backward(logits, y) on logits of ±1000"
    got = _unpack(_raising(softmax_cross_entropy_backward, "softmax_cross_entropy_backward", Z,
                           y), what, ("loss", "grad_logits"))
    for value, name in ((got[0], "the loss"), (got[1], "grad_logits")):
        try:
            finite = bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
        except (TypeError, ValueError):
            continue  # not numbers: check_array / check_scalar below say so
        if not finite:
            if _batch_max_rows(got[1], Z):
                raise AssertionError(f"{what}: grad_logits contains NaN or infinity in the last "
                                     f"row only (with NumPy's warnings silenced): {_BATCH_MAX}.")
            raise AssertionError(
                f"{what}: {name} contains NaN or infinity (with NumPy's warnings silenced). "
                f"Either {_OVERFLOW}; or {_LOG_OF_ZERO}.")
    # a float32 answer cannot resolve logits of 1000 better than 1000 * 6e-8: widen for it
    single = any(getattr(v, "dtype", np.float64) == np.float32 for v in got)
    rtol = 1e-3 if single else RTOL
    check_array(got[1], dZ, f"grad_logits from {what}", rtol=rtol, atol=1e-9)
    try:
        too_small = float(np.asarray(got[0], dtype=float).reshape(())) < 0.9 * loss
    except (TypeError, ValueError):
        too_small = False
    if too_small:
        raise AssertionError(
            f"loss from {what} is {float(np.asarray(got[0]).reshape(())):.4f}, expected "
            f"{loss:.4f}: far too small, as when {_LOG_OF_ZERO[:_LOG_OF_ZERO.index('. Do not')]},"
            " and then clipped or shifted by an eps. Compute the log-probabilities directly, "
            "log P = (Z - m) - log(sum(exp(Z - m), axis=1, keepdims=True)) with m each row's "
            "maximum, and the loss from log P[i, y[i]].")
    check_scalar(got[0], loss, f"loss from {what}", rtol=rtol, atol=1e-9)


# --- task 4: dropout -----

def _kept_scale(out, x):
    """out / x where x != 0 (x is drawn away from 0)."""
    return np.asarray(out, dtype=float) / x


def _dropout_call(dropout_forward, x, p, rng, training):
    what = f"dropout_forward(x, p={p}, rng, training={training})"
    got = _unpack(_call(dropout_forward, "dropout_forward", x, p, rng, training), what,
                  ("out", "mask"))
    out = got[0]
    if out is None or np.shape(out) != x.shape:
        raise AssertionError(f"{what}: out should have x's shape {x.shape}, got "
                             f"{_describe(out)}.")
    return np.asarray(out, dtype=float), got[1], what


def check_dropout(dropout_forward, dropout_backward, *, p=0.3, shape=(200, 50), seed=0):
    """Check inverted dropout in training mode: values, kept fraction, the rng, backward."""
    x = np.random.default_rng(seed + 100).uniform(0.5, 2.0, size=shape)
    x *= np.where(np.random.default_rng(seed + 101).random(shape) < 0.5, -1.0, 1.0)
    out, mask, what = _dropout_call(dropout_forward, x, p, np.random.default_rng(seed), True)
    scale = _kept_scale(out, x)
    kept = ~np.isclose(scale, 0.0, atol=1e-9)
    values = np.unique(np.round(scale[kept], 6))
    if not kept.any():
        raise AssertionError(f"{what} dropped every entry; keep each with probability 1 - p.")
    correct = np.allclose(scale[kept], 1 / (1 - p), rtol=RTOL)
    if not correct and np.allclose(scale[kept], 1.0, rtol=1e-5):
        if kept.all():
            raise AssertionError(f"{what} returned x unchanged in training mode: drop each "
                                 "entry with probability p (and scale the kept ones).")
        raise AssertionError(
            f"{what}: the kept entries equal x, without the 1/(1 - p) rescale. Inverted "
            f"dropout divides the kept entries by 1 - p = {1 - p:g} so that E[out] = x: the "
            "next layer then sees inputs of the same scale in training and in evaluation.")
    if not correct and np.allclose(scale[kept], 1 - p, rtol=1e-5):
        raise AssertionError(f"{what}: the kept entries were multiplied by 1 - p; inverted "
                             "dropout DIVIDES them by 1 - p, so that E[out] = x.")
    if not correct and np.allclose(scale[kept], 1 / p, rtol=1e-5):
        raise AssertionError(f"{what}: the kept entries were divided by p; divide by the keep "
                             f"probability 1 - p = {1 - p:g}.")
    if not correct:
        raise AssertionError(f"{what}: each entry of out must be 0 or x / (1 - p) = "
                             f"{1 / (1 - p):.4f} x; got ratios out / x of {values[:5]}.")
    for axis, shared in ((0, "column (feature)"), (1, "row (sample)")):
        if min(x.shape) > 4 and (kept == kept.take([0], axis=axis)).all():
            raise AssertionError(
                f"{what}: every {shared} is kept or dropped as a whole: the mask was drawn "
                f"with shape {np.take(x, [0], axis=axis).shape} and broadcast. Dropout drops "
                "each ENTRY independently: draw the mask with x's full shape, "
                "rng.random(x.shape) >= p.")
    fraction = kept.mean()
    se = np.sqrt(p * (1 - p) / x.size)
    if abs(fraction - (1 - p)) > 5 * se:
        if abs(fraction - p) < 5 * se:
            raise AssertionError(
                f"{what} kept {fraction:.1%} of the entries, about p = {p:g}: p is the "
                f"probability of DROPPING an entry, so keep it with probability 1 - p = "
                f"{1 - p:g} (e.g. keep = rng.random(x.shape) >= p).")
        raise AssertionError(f"{what} kept {fraction:.1%} of the entries; with p = {p:g} about "
                             f"{1 - p:.0%} should be kept (each independently).")
    _check_p_is_used(dropout_forward, x, p, seed, what)
    _check_rng_is_used(dropout_forward, x, p, seed, out, what)
    G = np.random.default_rng(seed + 102).normal(size=shape)
    back = "dropout_backward(grad_out, mask)"
    got = _call(dropout_backward, "dropout_backward", G, mask)
    check_array(got, G * scale, back, rtol=RTOL, atol=ATOL,
                context="mask from the call of dropout_forward just before", mistakes=[
        Mistake(G, "the gradient passes unchanged: backward must use the forward pass's mask, "
                "zero where the entry was dropped and scaled by 1 / (1 - p) where kept"),
        Mistake(G * kept, "the 1/(1 - p) scale is missing: out = x * mask / (1 - p), so "
                "d out / d x = mask / (1 - p)"),
        Mistake(G * ~kept * scale.max(), "the mask is inverted"),
    ])


def _check_p_is_used(dropout_forward, x, p, seed, what):
    other = 0.6 if p < 0.45 else 0.2
    out, _, _ = _dropout_call(dropout_forward, x, other, np.random.default_rng(seed + 7), True)
    kept = ~np.isclose(out, 0.0, atol=1e-12)
    se = np.sqrt(other * (1 - other) / x.size)
    if abs(kept.mean() - (1 - other)) > 5 * se:
        raise AssertionError(
            f"dropout_forward(x, p={other}, rng, training=True) kept {kept.mean():.1%} of the "
            f"entries, expected about {1 - other:.0%}: is the argument p used (not a fixed "
            "rate)?")
    if not np.allclose(out[kept] / x[kept], 1 / (1 - other), rtol=RTOL):
        raise AssertionError(f"dropout_forward(x, p={other}, rng, training=True): the kept "
                             f"entries must be x / (1 - p) with this p = {other}.")


def _check_rng_is_used(dropout_forward, x, p, seed, out, what):
    same, _, _ = _dropout_call(dropout_forward, x, p, np.random.default_rng(seed), True)
    if not np.array_equal(same, out):
        raise AssertionError(
            f"{what}: two generators with the same seed gave different masks. Draw the mask "
            "from the rng argument (rng.random(x.shape)), not from np.random.* or a new "
            "unseeded generator, so that a seeded run can be reproduced.")
    different, _, _ = _dropout_call(dropout_forward, x, p, np.random.default_rng(seed + 1),
                                    True)
    if np.array_equal(different, out):
        raise AssertionError(
            f"{what}: generators with different seeds gave the same mask, so the rng argument "
            "is ignored (a generator with a fixed seed inside the function, such as "
            "np.random.default_rng(0), draws the same mask at every step). Use rng.")
    rng = np.random.default_rng(seed)
    first, _, _ = _dropout_call(dropout_forward, x, p, rng, True)
    second, _, _ = _dropout_call(dropout_forward, x, p, rng, True)
    if np.array_equal(first, second):
        raise AssertionError(f"{what}: two calls with the same generator drew the same mask; "
                             "each training step needs a new mask: draw it from rng itself.")


def check_dropout_eval(dropout_forward, dropout_backward, *, p=0.3, shape=(4, 5), seed=0):
    """Evaluation mode (and p = 0): the identity, forward and backward."""
    x = np.random.default_rng(seed).normal(size=shape)
    for prob, training in ((p, False), (0.0, True)):
        out, mask, what = _dropout_call(dropout_forward, x, prob, np.random.default_rng(seed),
                                        training)
        if not np.allclose(out, x, rtol=RTOL, atol=ATOL):
            scale = np.round(np.unique(np.round(out / np.where(x == 0, 1, x), 6)), 4)[:4]
            raise AssertionError(
                f"{what} changed x (ratios out / x: {scale}). "
                + ("In evaluation dropout is the identity: return x itself; the rescaling in "
                   "training already keeps E[out] = x, so nothing is dropped or scaled at "
                   "test time (dropout left on in evaluation makes predictions random)."
                   if not training else "With p = 0 nothing is dropped: out = x."))
        G = np.random.default_rng(seed + 1).normal(size=shape)
        got = _call(dropout_backward, "dropout_backward", G, mask)
        check_array(got, G, f"dropout_backward(grad_out, mask) after {what}", rtol=RTOL,
                    atol=ATOL, context="the layer was the identity, so is its gradient")


# --- task 5: one training step -----

_KEYS = ("W1", "b1", "W2", "b2")


def make_mlp_problem(n=8, n_in=4, n_hidden=5, n_classes=3, seed=0):
    """A batch and the parameters of ``Linear(n_in, n_hidden) -> ReLU -> Linear(n_hidden, K)``."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(n_in, n_hidden)) / np.sqrt(n_in),
              "b1": 0.1 * rng.normal(size=n_hidden),
              "W2": rng.normal(size=(n_hidden, n_classes)) / np.sqrt(n_hidden),
              "b2": 0.1 * rng.normal(size=n_classes)}
    X = rng.normal(size=(n, n_in))
    y = rng.integers(0, n_classes, size=n)
    y[:min(n, n_classes)] = np.arange(min(n, n_classes))  # every class present when n allows
    return params, X, y


def mlp_loss_and_grads(params, X, y):
    """Reference: mean softmax cross-entropy of the two-layer ReLU network and its gradients."""
    net = Sequential(Linear.from_weights(params["W1"], params["b1"]), ReLU(),
                     Linear.from_weights(params["W2"], params["b2"]))
    Z = net.forward(X)
    loss, dZ, _ = _softmax_cross_entropy_logits(Z, _one_hot(y, params["b2"].size))
    net.backward(dZ)
    return loss, dict(zip(_KEYS, net.gradients()))


def check_train_step(train_step, *, n=8, n_in=4, n_hidden=5, n_classes=3, lr=0.5, seed=0):
    """Check ``train_step(params, X, y, lr) -> (new_params, loss)``: one SGD step, loss before."""
    params, X, y = make_mlp_problem(n, n_in, n_hidden, n_classes, seed)
    loss, grads = mlp_loss_and_grads(params, X, y)
    expected = {k: params[k] - lr * grads[k] for k in _KEYS}
    original = copy.deepcopy(params)
    what = "train_step(params, X, y, lr)"
    got = _unpack(train_step(params, X, y, lr), what, ("new_params", "loss"))
    for k in _KEYS:
        if not np.array_equal(params[k], original[k]):
            raise AssertionError(
                f"{what} modified params['{k}'] in place. Build a new dict, "
                "{name: params[name] - lr * grads[name] for name in params}: the caller's "
                "weights (a snapshot, a best-so-far copy) must not change under it.")
    new = got[0]
    if not isinstance(new, dict) or set(new) != set(_KEYS):
        raise AssertionError(f"{what}: new_params should be a dict with keys {list(_KEYS)}, "
                             f"got {_describe(new) if not isinstance(new, dict) else list(new)}.")
    after = mlp_loss_and_grads(expected, X, y)[0]
    check_scalar(got[1], loss, f"loss from {what}", rtol=RTOL, atol=ATOL, mistakes=[
        Mistake(after, "it is the loss AFTER the step; return the loss at the parameters the "
                "gradient was computed at (before the update), as every training loop logs"),
        Mistake(loss * n, f"it is the sum over the batch ({n} samples); return the mean"),
    ])
    wrong = []
    for k in _KEYS:
        if not (np.shape(new[k]) == params[k].shape
                and np.allclose(new[k], expected[k], rtol=RTOL, atol=ATOL)):
            wrong.append(k)
    if not wrong:
        return
    g = grads
    patterns = [
        ({k: params[k] + lr * g[k] for k in _KEYS}, "every parameter moved UP the gradient: "
         "the step is params - lr * grad"),
        ({k: params[k] - lr * n * g[k] for k in _KEYS}, f"every step is {n} times too large: "
         "the gradient of the MEAN loss has a 1/batch, (P - Y) / n at the logits"),
        ({**expected, "b1": params["b1"], "b2": params["b2"]}, "the biases were not updated"),
        ({k: params[k] - lr * g[k] / n for k in _KEYS}, f"every step is {n} times too small: "
         "the 1/batch was applied twice (once in the loss gradient, once more later)"),
        ({**expected, "b1": params["b1"] - lr * g["b1"] / n,
          "b2": params["b2"] - lr * g["b2"] / n}, f"the bias steps are {n} times too small: the "
         "bias gradients were averaged over the batch (mean), but a layer's backward SUMS "
         "them, grad.sum(axis=0); the 1/batch is already in the loss gradient (P - Y) / n"),
    ]
    for candidate, message in patterns:
        if all(np.shape(new[k]) == candidate[k].shape
               and np.allclose(new[k], candidate[k], rtol=RTOL, atol=ATOL) for k in _KEYS):
            raise AssertionError(f"{what} is wrong: {message}.")
    for k in _KEYS:
        if np.shape(new[k]) != params[k].shape:
            raise AssertionError(f"{what}: new_params['{k}'] has shape {np.shape(new[k])}, "
                                 f"expected {params[k].shape} like params['{k}'].")
    try:  # one SGD step with a rate other than lr (a fixed rate, lr ignored)?
        new_f = {k: np.asarray(new[k], dtype=float) for k in _KEYS}
        rate = (sum(np.vdot(params[k] - new_f[k], g[k]) for k in _KEYS)
                / sum(np.vdot(g[k], g[k]) for k in _KEYS))
        other_rate = rate > 0 and all(
            np.allclose(new_f[k], params[k] - rate * g[k], rtol=RTOL, atol=ATOL) for k in _KEYS)
    except (TypeError, ValueError):
        other_rate = False
    if other_rate:
        raise AssertionError(
            f"{what} is wrong: the step has the right direction but a learning rate of "
            f"{rate:.4g}, not the lr argument ({lr}). Use lr itself, params - lr * grad, not a "
            "fixed rate or a rate of your own.")
    if set(wrong) <= {"W1", "b1"}:
        hint = ("the output layer's update is right, so the error is below it: the gradient "
                "sent back through W2 (grad_Z @ W2.T) or the ReLU mask (from the hidden "
                "pre-activation, X @ W1 + b1 > 0)")
    else:
        hint = f"compare each gradient with a finite difference ({', '.join(wrong)} are off)"
    raise AssertionError(f"{what} is wrong: new values of {', '.join(wrong)} differ from one "
                         f"step of SGD; {hint}.")


# --- task 6: a broken network, found by gradient checking -----

class _SigmoidBackwardFromInput(Sigmoid):
    """A bug: s (1 - s) evaluated at the layer's *input* instead of its output."""

    def forward(self, x, training=False):
        self._x = np.asarray(x, dtype=float)
        return super().forward(x, training)

    def backward(self, grad_out):
        return grad_out * self._x * (1.0 - self._x)

    def __repr__(self):
        return "Sigmoid()"


class _SigmoidWith(Sigmoid):
    """Sigmoid whose backward is the learner's ``sigmoid_backward(grad_out, out)``."""

    def __init__(self, backward):
        super().__init__()
        self._fn = backward

    def backward(self, grad_out):
        return self._fn(grad_out, self._out.copy())

    def __repr__(self):
        return "Sigmoid()"


def broken_network(sigmoid_layer=None, seed=0):
    """The exercise's network, Linear(5, 4) -> Tanh -> Linear(4, 4) -> Sigmoid -> Linear(4, 3),
    with the faulty Sigmoid (or ``sigmoid_layer``), and a batch ``(X, y)``."""
    rng = np.random.default_rng(seed)
    net = Sequential(Linear(5, 4, init="glorot_normal", rng=rng), Tanh(),
                     Linear(4, 4, init="glorot_normal", rng=rng),
                     sigmoid_layer or _SigmoidBackwardFromInput(),
                     Linear(4, 3, init="glorot_normal", rng=rng))
    for layer in net.layers:
        if isinstance(layer, Linear):
            layer.bias = 0.3 * rng.normal(size=layer.bias.shape)
    X, y = rng.normal(size=(6, 5)), np.array([0, 1, 2, 0, 1, 2])
    return net, X, y


def _norm_error(a, b):
    """||a - b|| / (||a|| + ||b||): one number per array, not fooled by tiny entries."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def _errors(net, X, y):
    """Per parameter: rel_error of backprop against central differences."""
    Y = _one_hot(y, 3)

    def loss(_=None):
        return _softmax_cross_entropy_logits(net.forward(X), Y)[0]

    loss()
    net.backward(_softmax_cross_entropy_logits(net.forward(X), Y)[1])
    rows = []
    for i, layer in enumerate(net.layers):
        for name, p, g in zip(("weight", "bias"), layer.parameters(), layer.gradients()):
            g = np.array(g, dtype=float)

            def f(v, p=p):
                saved = p.copy()
                p[...] = v
                value = loss()
                p[...] = saved
                return value
            rows.append((i, repr(layer), name, _norm_error(g, numerical_gradient(f, p))))
    return rows


def gradient_check_report(sigmoid_backward=None):
    """The gradient check of :func:`broken_network` as text lines (or with the learner's fix)."""
    layer = None if sigmoid_backward is None else _SigmoidWith(sigmoid_backward)
    net, X, y = broken_network(layer)
    lines = [f"layer {i}  {name:<12} {param:<6}  relative error {err:.1e}   "
             + ("ok" if err < 1e-7 else "WRONG")
             for i, name, param, err in _errors(net, X, y)]
    return [f"network: {net}"] + lines


def check_faulty_layer(faulty_layer):
    """``faulty_layer()`` returns the index in ``net.layers`` of the layer with the bug (3)."""
    got = faulty_layer()
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        raise AssertionError(f"faulty_layer() should return an integer index into net.layers "
                             f"(0 to 4), got {_describe(got)}.")
    explanations = {
        4: "layer 4's parameter gradients are right (relative error ~1e-9), and it is a "
           "tested mlopt Linear, so the input gradient it sends down (g @ W.T) is right too",
        2: "layer 2's weight and bias gradients are wrong, but a Linear layer computes them "
           "from its input and the gradient it RECEIVES (x.T @ g, g.sum(0)); its input comes "
           "from the forward pass, which is right. So the gradient it receives is already "
           "wrong: the bug is in the layer above it, between layer 2 and layer 4 (the first "
           "one whose parameters check out)",
        0: "layer 0 is wrong only because every gradient below the bug is wrong; look for the "
           "first wrong layer counted from the OUTPUT",
        1: "if the Tanh (layer 1) were wrong, layer 2's gradients would still be right: they "
           "only depend on what comes from above it",
    }
    if got != 3:
        raise AssertionError(f"faulty_layer() = {got} is not the faulty layer: "
                             f"{explanations.get(int(got), 'the index must be 0 to 4')}.")


def check_sigmoid_backward(sigmoid_backward, *, shape=(4, 3), seed=0):
    """Check ``sigmoid_backward(grad_out, out)`` = ``grad_out * out * (1 - out)`` (``out`` the
    sigmoid's output), then the repaired network's gradient check."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=2.0, size=shape)
    x.flat[0] = 40.0  # out rounds to 1: the gradient there is 0
    out = sigmoid(x)
    G = rng.normal(size=shape)
    expected = G * out * (1 - out)
    got = _call(sigmoid_backward, "sigmoid_backward", G, out)
    check_array(got, expected, "sigmoid_backward(grad_out, out)", rtol=RTOL, atol=ATOL,
                context="out = sigmoid(x), the forward pass's output", mistakes=[
        Mistake(G * sigmoid(out) * (1 - sigmoid(out)), "out is already sigmoid(x): the "
                "derivative is out * (1 - out), do not apply the sigmoid again"),
        Mistake(out * (1 - out), "grad_out is missing: multiply the local derivative by the "
                "gradient that arrives (chain rule)"),
        Mistake(G * out, "the derivative of the sigmoid is out * (1 - out), not out"),
        Mistake(G * (1 - out), "the derivative of the sigmoid is out * (1 - out), not 1 - out"),
        Mistake(G * (1 - out ** 2), "1 - out**2 is the derivative of tanh; the sigmoid's is "
                "out * (1 - out)"),
    ])
    net, X, y = broken_network(_SigmoidWith(sigmoid_backward))
    worst = max(err for *_, err in _errors(net, X, y))
    if worst > 1e-6:
        raise AssertionError(f"with your sigmoid_backward the network's gradient check still "
                             f"fails (largest relative error {worst:.1e}).")
