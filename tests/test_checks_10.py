"""Chapter 10 checks accept the reference answers and other valid ways, reject typical mistakes
with the sentence that names them."""

import numpy as np
import pytest
import scipy.special

from mlopt.checks import neural_network as checks
from tests.exercise_utils import solution_namespace

CHAPTER = "10_neural_networks_and_backpropagation"


@pytest.fixture(scope="module")
def sol():
    return solution_namespace(CHAPTER)


def rejects(check, *fns, match, **kwargs):
    with pytest.raises(AssertionError, match=match):
        check(*fns, **kwargs)


# --- the reference answers pass, on several seeds and shapes -----

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_answers_pass(sol, seed):
    checks.check_linear_backward(sol["linear_backward"], seed=seed)
    checks.check_relu_backward(sol["relu_backward"], seed=seed)
    checks.check_relu_backward_at_kink(sol["relu_backward"], seed=seed)
    checks.check_softmax_cross_entropy_backward(sol["softmax_cross_entropy_backward"], seed=seed)
    checks.check_softmax_cross_entropy_large_logits(sol["softmax_cross_entropy_backward"],
                                                    seed=seed)
    for p in (0.1, 0.3, 0.5, 0.9):
        checks.check_dropout(sol["dropout_forward"], sol["dropout_backward"], p=p, seed=seed)
    checks.check_dropout_eval(sol["dropout_forward"], sol["dropout_backward"], seed=seed)
    checks.check_train_step(sol["train_step"], seed=seed)
    checks.check_train_step(sol["train_step"], n=1, n_classes=2, seed=seed)
    checks.check_sigmoid_backward(sol["sigmoid_backward"], seed=seed)
    checks.check_faulty_layer(sol["faulty_layer"])


# --- valid alternatives -----

def linear_backward_float32(grad_out, x, W):
    g, x, W = (a.astype(np.float32) for a in (grad_out, x, W))
    return g @ W.T, np.einsum("bi,bo->io", x, g), np.add.reduce(g, axis=0)


def relu_backward_where(grad_out, x):
    return np.where(x > 0, grad_out, -0.0)  # -0.0 is 0.0


def relu_backward_float32(grad_out, x):
    return (grad_out * np.heaviside(x, 0.0)).astype(np.float32)


def softmax_ce_scipy(logits, y):
    n = logits.shape[0]
    log_p = logits - scipy.special.logsumexp(logits, axis=1, keepdims=True)
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1
    return np.float32(-log_p[np.arange(n), y].mean()), (grad / n).astype(np.float32)


def dropout_binomial(x, p, rng, training=True):
    if not training:
        return x.copy(), np.ones_like(x)
    keep = rng.binomial(1, 1 - p, size=x.shape)
    return x * keep / (1 - p), keep / (1 - p)


def dropout_backward_mult(grad_out, mask):
    return grad_out * mask


def dropout_keep_below(x, p, rng, training=True):
    if not training or p == 0:
        return x, None
    keep = rng.random(x.shape) < 1 - p
    return np.where(keep, x / (1 - p), 0.0), keep


def dropout_backward_keep(grad_out, keep):
    return grad_out if keep is None else np.where(keep, grad_out, 0.0) / (1 - 0.3)


def test_valid_alternatives_pass(sol):
    checks.check_linear_backward(linear_backward_float32)
    checks.check_relu_backward(relu_backward_where)
    checks.check_relu_backward_at_kink(relu_backward_where)
    checks.check_relu_backward(relu_backward_float32)
    checks.check_softmax_cross_entropy_backward(softmax_ce_scipy)
    checks.check_softmax_cross_entropy_large_logits(softmax_ce_scipy)
    checks.check_dropout(dropout_binomial, dropout_backward_mult)
    checks.check_dropout_eval(dropout_binomial, dropout_backward_mult)
    # a backward that recomputes the scale from p (fixed p = 0.3 in the test)
    checks.check_dropout(dropout_keep_below, dropout_backward_keep, p=0.3)

    def train_step_float32(params, X, y, lr):
        new, loss = sol["train_step"]({k: v.astype(np.float32) for k, v in params.items()},
                                      X.astype(np.float32), y, np.float32(lr))
        return new, loss

    checks.check_train_step(train_step_float32)


# --- Linear -----

def test_linear_mistakes_are_named():
    rejects(checks.check_linear_backward, lambda g, x, W: (g @ W.T, g.T @ x, g.sum(0)),
            match="it is transposed.*dL/dW must have W's shape")
    rejects(checks.check_linear_backward, lambda g, x, W: (g @ W.T, x.T @ g, g),
            match="not summed over the batch")
    rejects(checks.check_linear_backward, lambda g, x, W: (g @ W.T, x.T @ g, g.mean(0)),
            match="mean over the batch")
    rejects(checks.check_linear_backward,
            lambda g, x, W: (g @ W.T, x.T @ g, g.sum(0, keepdims=True)), match="keepdims=True")
    rejects(checks.check_linear_backward,
            lambda g, x, W: (g @ W.T, x.T @ g / len(x), g.sum(0)), match="divided by the batch")
    rejects(checks.check_linear_backward, lambda g, x, W: ((g @ W.T).T, x.T @ g, g.sum(0)),
            match="grad_x .* transposed: dL/dx has x's shape")
    rejects(checks.check_linear_backward, lambda g, x, W: (x.T @ g, g.sum(0)),
            match="should return 3 values.*tuple of 2")
    rejects(checks.check_linear_backward, lambda g, x, W: x.T @ g,
            match="should return 3 values.*ndarray of shape \\(3, 2\\)")
    rejects(checks.check_linear_backward, lambda g, x, W: None, match="forget the `return`")

    def in_place(g, x, W):
        W *= 0.0
        return g @ W.T, x.T @ g, g.sum(0)
    rejects(checks.check_linear_backward, in_place, match="in place")


# --- ReLU -----

@pytest.mark.parametrize("fn, match", [
    (lambda g, x: g * (g > 0), "mask was taken from grad_out"),
    (lambda g, x: g * np.maximum(x, 0), "multiplies grad_out by the output"),
    (lambda g, x: (x > 0).astype(float), "the mask alone"),
    (lambda g, x: g * (x < 0), "inverted"),
    (lambda g, x: np.maximum(x, 0), "forward pass"),
    (lambda g, x: g, "passes everywhere"),
])
def test_relu_mistakes_are_named(fn, match):
    rejects(checks.check_relu_backward, fn, match=match)


def test_relu_kink_convention():
    rejects(checks.check_relu_backward_at_kink, lambda g, x: g * (x >= 0), match="x >= 0")
    # x >= 0 passes the check away from the kink: only the edge input catches it
    checks.check_relu_backward(lambda g, x: g * (x >= 0))


# --- softmax cross-entropy -----

def _ce(logits, y, *, shift=True, one_hot=True, mean=True, sign=1.0):
    n, k = logits.shape
    Z = logits - logits.max(axis=1, keepdims=True) if shift else logits
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    Y = np.eye(k)[y] if one_hot else y[:, None]
    loss = -np.log(P[np.arange(n), y]).sum()
    d = n if mean else 1
    return loss / d, sign * (P - Y) / d


@pytest.mark.parametrize("fn, match", [
    (lambda Z, y: _ce(Z, y, one_hot=False), "labels were used as they are.*one-hot"),
    (lambda Z, y: (_ce(Z, y)[0], _ce(Z, y, mean=False)[1]), "times too large.*1/batch"),
    (lambda Z, y: (_ce(Z, y)[0], _ce(Z, y, sign=-1.0)[1]), "sign is flipped"),
    (lambda Z, y: (_ce(Z, y, mean=False)[0], _ce(Z, y)[1]), "sum over the batch"),
    (lambda Z, y: (_ce(Z, y)[0], np.exp(Z - Z.max(1, keepdims=True))
                   / np.exp(Z - Z.max(1, keepdims=True)).sum(1, keepdims=True) / len(y)),
     "one-hot targets are missing"),
    (lambda Z, y: _ce(Z, y)[1], "should return 2 values"),
])
def test_softmax_mistakes_are_named(fn, match):
    rejects(checks.check_softmax_cross_entropy_backward, fn, match=match)


def test_softmax_without_max_subtraction_is_caught_on_large_logits():
    naive = lambda Z, y: _ce(Z, y, shift=False)  # noqa: E731
    checks.check_softmax_cross_entropy_backward(naive)  # moderate logits: fine
    rejects(checks.check_softmax_cross_entropy_large_logits, naive,
            match="Subtract each row's maximum")


# --- dropout -----

def _dropout(x, p, rng, training=True, *, scale=True, eval_on=False, keep_prob=None,
             source=None):
    if not training and not eval_on:
        return x, None
    r = (source or rng).random(x.shape)
    keep = r >= p if keep_prob is None else r < keep_prob(p)
    mask = keep / (1 - p) if scale else keep.astype(float)
    return x * mask, mask


def _back(g, mask):
    return g if mask is None else g * mask


@pytest.mark.parametrize("fwd, bwd, match", [
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t, scale=False), _back,
     "without the 1/\\(1 - p\\) rescale"),
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t, keep_prob=lambda p: p), _back,
     "probability of DROPPING"),
    (lambda x, p, rng, t=True: (x * (1 - p) * (rng.random(x.shape) >= p), None), _back,
     "multiplied by 1 - p"),
    (lambda x, p, rng, t=True: _dropout(x, 0.3, rng, t), _back, "is the argument p used"),
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t, source=np.random.default_rng()), _back,
     "same seed gave different masks"),
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t, source=np.random.default_rng(0)), _back,
     "different seeds gave the same mask"),
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t), lambda g, m: g,
     "passes unchanged: backward must use the forward pass's mask"),
    (lambda x, p, rng, t=True: _dropout(x, p, rng, t), lambda g, m: g * (m > 0),
     "1/\\(1 - p\\) scale is missing"),
    (lambda x, p, rng, t=True: x, _back, "should return 2 values"),
])
def test_dropout_mistakes_are_named(fwd, bwd, match):
    rejects(checks.check_dropout, fwd, bwd, match=match)


def test_dropout_global_numpy_state_is_rejected():
    def global_state(x, p, rng, training=True):
        keep = np.random.random(x.shape) >= p  # noqa: NPY002 (the mistake under test)
        return x * keep / (1 - p), keep / (1 - p)
    rejects(checks.check_dropout, global_state, _back, match="not from np.random")


def test_dropout_ignoring_the_training_flag_is_rejected():
    never = lambda x, p, rng, t=True: (x, None)  # noqa: E731
    checks.check_dropout_eval(never, _back)  # evaluation mode is right
    rejects(checks.check_dropout, never, _back, match="returned x unchanged in training mode")


def test_dropout_left_on_in_evaluation_is_rejected():
    fwd = lambda x, p, rng, t=True: _dropout(x, p, rng, t, eval_on=True)  # noqa: E731
    checks.check_dropout(fwd, _back)  # training mode is right
    rejects(checks.check_dropout_eval, fwd, _back, match="left on in evaluation")


# --- the training step -----

def _step(sol, transform):
    def train_step(params, X, y, lr):
        loss, grads = checks.mlp_loss_and_grads(params, X, y)
        return transform(params, grads, lr, len(y)), loss
    return train_step


@pytest.mark.parametrize("transform, match", [
    (lambda P, G, lr, n: {k: P[k] + lr * G[k] for k in P}, "UP the gradient"),
    (lambda P, G, lr, n: {k: P[k] - lr * n * G[k] for k in P}, "times too large"),
    (lambda P, G, lr, n: {k: P[k] - lr * G[k] / n for k in P}, "times too small"),
    (lambda P, G, lr, n: {k: P[k] - (lr * G[k] if k[0] == "W" else 0) for k in P},
     "biases were not updated"),
    (lambda P, G, lr, n: {**{k: P[k] - lr * G[k] for k in P}, "W1": P["W1"] - lr * G["W1"].T
                          if G["W1"].shape[0] == G["W1"].shape[1] else P["W1"]},
     "error is below it"),
    (lambda P, G, lr, n: [P[k] - lr * G[k] for k in P], "dict with keys.*list of 4 items"),
])
def test_train_step_mistakes_are_named(sol, transform, match):
    rejects(checks.check_train_step, _step(sol, transform), match=match)


def test_train_step_loss_after_the_step_and_in_place_updates_are_rejected(sol):
    def loss_after(params, X, y, lr):
        new, _ = sol["train_step"](params, X, y, lr)
        return new, checks.mlp_loss_and_grads(new, X, y)[0]
    rejects(checks.check_train_step, loss_after, match="loss AFTER the step")

    def in_place(params, X, y, lr):
        new, loss = sol["train_step"](params, X, y, lr)
        for k in params:
            params[k][...] = new[k]
        return params, loss
    rejects(checks.check_train_step, in_place, match="modified params\\['W1'\\] in place")


# --- the broken network -----

@pytest.mark.parametrize("answer, match", [
    (2, "layer 2's weight and bias gradients are wrong, but"),
    (4, "layer 4's parameter gradients are right.*input gradient it sends down"),
    (1, "if the Tanh \\(layer 1\\) were wrong"),
    (0, "first wrong layer counted from the OUTPUT"),
    ("sigmoid", "should return an integer index.*str"),
])
def test_wrong_faulty_layer_answers_are_explained(answer, match):
    rejects(checks.check_faulty_layer, lambda: answer, match=match)


@pytest.mark.parametrize("fn, match", [
    (lambda g, s: g * scipy.special.expit(s) * (1 - scipy.special.expit(s)),
     "apply the sigmoid again"),
    (lambda g, s: s * (1 - s), "grad_out is missing"),
    (lambda g, s: g * (1 - s ** 2), "derivative of tanh"),
    (lambda g, s: g * s, "not out$|not out\\."),
])
def test_sigmoid_backward_mistakes_are_named(fn, match):
    rejects(checks.check_sigmoid_backward, fn, match=match)


def test_report_shows_the_bug_and_its_repair(sol):
    before = checks.gradient_check_report()
    after = checks.gradient_check_report(sol["sigmoid_backward"])
    assert [line.endswith("WRONG") for line in before[1:]] == [True] * 4 + [False] * 2
    assert all(line.endswith("ok") for line in after[1:])


# --- found in review (rev10): each case below passed or got a misleading message before -----

def test_linear_results_in_another_order_are_named():
    def swapped(g, x, W):
        return x.T @ g, g.sum(axis=0), g @ W.T
    rejects(checks.check_linear_backward, swapped, match="just in another order")


def _log_of_softmax(Z, y, eps=0.0):
    """Max subtracted, but the loss from log(P): -inf (or a clipped finite value) where the
    true class's probability underflows."""
    n, k = Z.shape
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return -np.log(P[np.arange(n), y] + eps).mean(), (P - np.eye(k)[y]) / n


def test_log_of_an_underflowed_probability_is_caught_with_its_own_message():
    # the first row of the large-logits test has its true class at -1000, another at +1000
    checks.check_softmax_cross_entropy_backward(_log_of_softmax)  # moderate logits: fine
    rejects(checks.check_softmax_cross_entropy_large_logits, _log_of_softmax,
            match="rounded to 0 and its log is -inf")
    rejects(checks.check_softmax_cross_entropy_large_logits,
            lambda Z, y: _log_of_softmax(Z, y, eps=1e-12), match="far too small.*eps")


def test_silenced_overflow_gets_a_message_not_just_nan():
    def quiet(Z, y):
        with np.errstate(all="ignore"):
            return _ce(Z, y, shift=False)
    rejects(checks.check_softmax_cross_entropy_large_logits, quiet,
            match="NaN or infinity.*Subtract each row's maximum")


def test_float32_softmax_passes_on_large_logits():
    def single(Z, y):
        loss, grad = softmax_ce_scipy(Z.astype(np.float32), y)
        return np.float32(loss), grad.astype(np.float32)
    checks.check_softmax_cross_entropy_large_logits(single)


@pytest.mark.parametrize("mask_shape, match", [
    (lambda s: (1, s[1]), "every column \\(feature\\) is kept or dropped as a whole"),
    (lambda s: (s[0], 1), "every row \\(sample\\) is kept or dropped as a whole"),
])
@pytest.mark.parametrize("kw", [{}, dict(p=0.2, shape=(300, 40), seed=42)])
def test_dropout_mask_shared_over_a_row_or_column_is_named(mask_shape, match, kw):
    def shared(x, p, rng, training=True):
        if not training:
            return x, None
        mask = (rng.random(mask_shape(x.shape)) >= p) / (1 - p) * np.ones(x.shape)
        return x * mask, mask
    rejects(checks.check_dropout, shared, _back, match=match, **kw)


def test_train_step_with_averaged_bias_gradients_is_named(sol):
    transform = lambda P, G, lr, n: {k: P[k] - lr * (G[k] if k[0] == "W" else G[k] / n)  # noqa: E731
                                     for k in P}
    rejects(checks.check_train_step, _step(sol, transform), match="bias gradients were averaged")


def test_shared_mask_detection_leaves_thin_inputs_alone(sol):
    # a single row (or column) is trivially 'the same in every row': no false alarm there
    for shape in ((1, 400), (400, 1)):
        checks.check_dropout(sol["dropout_forward"], sol["dropout_backward"], shape=shape)


@pytest.mark.parametrize("fn, match", [
    (lambda Z, y: (_ce(Z, y)[0], (np.exp(Z) / np.exp(Z).sum() - np.eye(Z.shape[1])[y]) / len(y)),
     "normalized over the whole batch"),
    (lambda Z, y: (_ce(Z, y)[0], np.eye(Z.shape[1])[y] * (_ce(Z, y)[1] * len(y) + np.eye(
        Z.shape[1])[y] - 1) / len(y)), "only the true-class entries are filled"),
])
def test_softmax_normalization_and_true_class_only_are_named(fn, match):
    rejects(checks.check_softmax_cross_entropy_backward, fn, match=match)


# --- found in audit (fix10): a softmax shifted by the batch's max, transposition with a square
# W, a train_step that ignores lr -----

def _batch_max_softmax(Z, y):
    """The max of the whole batch subtracted (Z - Z.max()), not each row's."""
    n, k = Z.shape
    E = np.exp(Z - Z.max())
    P = E / E.sum(axis=1, keepdims=True)
    return -np.log(P[np.arange(n), y]).mean(), (P - np.eye(k)[y]) / n


def _batch_max_log_sum_exp(Z, y):
    """The same mistake inside an otherwise stable log-sum-exp: log of a zero sum."""
    n, k = Z.shape
    S = Z - Z.max()
    log_p = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    return -log_p[np.arange(n), y].mean(), (np.exp(log_p) - np.eye(k)[y]) / n


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("fn", [_batch_max_softmax, _batch_max_log_sum_exp])
def test_softmax_shifted_by_the_batch_max_is_named_at_every_seed(fn, seed):
    checks.check_softmax_cross_entropy_backward(fn, seed=seed)  # moderate logits: fine
    with pytest.raises(AssertionError, match="each row's max, not the batch's") as info:
        checks.check_softmax_cross_entropy_large_logits(fn, seed=seed)
    assert "its log is -inf" not in str(info.value)
    with pytest.raises(AssertionError, match="each row's max, not the batch's"):
        checks.check_softmax_cross_entropy_large_logits(fn, n=4, k=6, seed=33 + seed)


def test_softmax_shifted_by_the_batch_max_is_named_with_warnings_silenced():
    def quiet(Z, y):
        with np.errstate(all="ignore"):
            return _batch_max_softmax(Z, y)
    rejects(checks.check_softmax_cross_entropy_large_logits, quiet,
            match="last row only.*each row's max, not the batch's")


def test_log_of_zero_and_overflow_keep_their_own_messages_not_the_batch_max_one():
    with pytest.raises(AssertionError) as info:
        checks.check_softmax_cross_entropy_large_logits(_log_of_softmax)
    assert "its log is -inf" in str(info.value) and "not the batch's" not in str(info.value)
    with pytest.raises(AssertionError) as info:
        checks.check_softmax_cross_entropy_large_logits(lambda Z, y: _ce(Z, y, shift=False))
    assert "overflow" in str(info.value) and "not the batch's" not in str(info.value)


def test_an_invalid_operation_is_not_called_a_log_of_zero():
    def zero_over_zero(Z, y):
        loss, grad = softmax_ce_scipy(Z, y)  # right, then a 0 / 0 everywhere
        return loss, grad + np.zeros(1) / np.zeros(1)
    with pytest.raises(AssertionError, match="invalid operation") as info:
        checks.check_softmax_cross_entropy_large_logits(zero_over_zero)
    assert "its log is -inf" not in str(info.value)


TRANSPOSED = "dL/dW must have W's shape \\(n_in, n_out\\)"


@pytest.mark.parametrize("n", [2, 3, 5])
def test_transposed_weight_gradient_is_named_with_a_square_weight(n):
    # with a square W the shape cannot give the transposition away: only the values can, and
    # the message must be the chapter's (not _core's generic "It looks transposed")
    for wrong in (lambda g, x, W: (g @ W.T, (x.T @ g).T, g.sum(0)),
                  lambda g, x, W: (g @ W.T, g.T @ x, g.sum(0))):
        rejects(checks.check_linear_backward, wrong, n_in=n, n_out=n, match=TRANSPOSED)
        for seed in range(3):
            rejects(checks.check_linear_backward, wrong, n_in=n, n_out=n, seed=seed,
                    match=TRANSPOSED)


def test_transposed_weight_gradient_gets_the_chapter_message_not_the_generic_one():
    with pytest.raises(AssertionError) as info:
        checks.check_linear_backward(lambda g, x, W: (g @ W.T, g.T @ x, g.sum(0)))
    text = str(info.value)
    assert "x.T @ grad_out" in text and "It looks transposed" not in text, text


@pytest.mark.parametrize("lr", [0.1, 0.5, 2.0])
def test_train_step_ignoring_lr_is_rejected(sol, lr):
    def fixed_rate(params, X, y, _lr):
        return sol["train_step"](params, X, y, 0.5)
    if lr == 0.5:
        checks.check_train_step(fixed_rate, lr=lr)  # indistinguishable at the rate it hard-codes
    else:
        rejects(checks.check_train_step, fixed_rate, lr=lr,
                match=f"learning rate of 0.5, not the lr argument \\({lr}\\)")
    # the notebook's checks call it with lr 0.5, 0.1 and 1.0: the set rejects a fixed rate
    for rate in (0.5, 0.1, 1.0):
        try:
            checks.check_train_step(fixed_rate, lr=rate)
        except AssertionError:
            break
    else:
        pytest.fail("a train_step that ignores lr passed at all three rates")
