"""Classification losses and penalties: finite differences, scipy/sklearn references, theory."""

import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss

from mlopt.gradcheck import numerical_gradient, rel_error
from mlopt.losses import (
    l1_penalty,
    l2_penalty,
    log_sum_exp,
    logistic,
    logistic_hessian,
    sigmoid,
    soft_threshold,
    softmax_cross_entropy,
    softmax_cross_entropy_hessian,
)

shapes = st.tuples(st.integers(1, 30), st.integers(1, 6))
small_shapes = st.tuples(st.integers(1, 12), st.integers(1, 3))  # for O(d^2) Hessian checks
seeds = st.integers(0, 2**32 - 1)


def assert_gradient_matches_differences(fun, x, *args):
    """Analytic gradient against central differences; the absolute floor covers entries that
    are themselves ~1e-9, where a relative error only measures rounding."""
    np.testing.assert_allclose(fun(x, *args)[1], numerical_gradient(lambda z: fun(z, *args), x),
                               rtol=1e-6, atol=1e-8)


def binary_problem(shape, seed):
    rng = np.random.default_rng(seed)
    X, w = rng.normal(size=shape), rng.normal(size=shape[1])
    return w, X, rng.integers(0, 2, size=shape[0]).astype(float)


def softmax_problem(shape, seed, n_classes):
    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=shape), rng.normal(size=(shape[1], n_classes))
    return W, X, rng.integers(0, n_classes, size=shape[0])


def hessian_by_differences(fun, x, *args):
    """Jacobian of the gradient by central differences, column j = d grad / d x_j."""
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        def grad_j(z, j=j):
            return fun(z, *args)[1].ravel()[j]
        columns.append(numerical_gradient(grad_j, x).ravel())
    return np.array(columns)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_logistic_gradient_matches_finite_differences(shape, seed):
    w, X, y = binary_problem(shape, seed)
    assert_gradient_matches_differences(logistic, w, X, y)


@settings(max_examples=20, deadline=None)
@given(shape=small_shapes, seed=seeds)
def test_logistic_hessian_matches_finite_differences(shape, seed):
    w, X, y = binary_problem(shape, seed)
    H = logistic_hessian(w, X, y)
    np.testing.assert_allclose(H, hessian_by_differences(logistic, w, X, y), atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds, n_classes=st.integers(2, 5))
def test_softmax_gradient_matches_finite_differences(shape, seed, n_classes):
    W, X, y = softmax_problem(shape, seed, n_classes)
    assert_gradient_matches_differences(softmax_cross_entropy, W, X, y)


@settings(max_examples=20, deadline=None)
@given(shape=small_shapes, seed=seeds, n_classes=st.integers(2, 4))
def test_softmax_hessian_matches_finite_differences(shape, seed, n_classes):
    W, X, y = softmax_problem(shape, seed, n_classes)
    H = softmax_cross_entropy_hessian(W, X, y)
    np.testing.assert_allclose(H, hessian_by_differences(softmax_cross_entropy, W, X, y),
                               atol=1e-7)
    np.testing.assert_allclose(H, H.T)


def test_hessians_by_hand_at_zero():
    # p = 1/2 everywhere: logistic Hessian is X^T X / (4 n)
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(logistic_hessian(np.zeros(2), X, y), X.T @ X / 12)
    # softmax with K classes at W = 0: P = 1/K, block (k, l) = (delta_kl/K - 1/K^2) X^T X / n
    K = 3
    H = softmax_cross_entropy_hessian(np.zeros((2, K)), X, y.astype(int))
    expected = np.kron(X.T @ X / 3, np.eye(K) / K - 1 / K**2)
    np.testing.assert_allclose(H, expected, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_logistic_agrees_with_sklearn_log_loss(shape, seed):
    w, X, y = binary_problem(shape, seed)
    p = scipy.special.expit(X @ w)
    assert logistic(w, X, y)[0] == pytest.approx(log_loss(y, p, labels=[0, 1]), rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds, n_classes=st.integers(2, 5))
def test_softmax_agrees_with_sklearn_log_loss(shape, seed, n_classes):
    W, X, y = softmax_problem(shape, seed, n_classes)
    P = scipy.special.softmax(X @ W, axis=1)
    value = softmax_cross_entropy(W, X, y)[0]
    assert value == pytest.approx(log_loss(y, P, labels=range(n_classes)), rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_two_class_softmax_is_logistic_on_the_score_difference(shape, seed):
    W, X, y = softmax_problem(shape, seed, 2)
    value, grad = softmax_cross_entropy(W, X, y)
    value_b, grad_b = logistic(W[:, 1] - W[:, 0], X, y.astype(float))
    assert value == pytest.approx(value_b, rel=1e-12)
    np.testing.assert_allclose(grad[:, 1], grad_b, atol=1e-14)
    np.testing.assert_allclose(grad[:, 0], -grad_b, atol=1e-14)


def test_extreme_logits_are_finite_and_exact():
    # logits +-1000: exp(1000) overflows, the stable forms must not (warnings are errors)
    X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])  # two confident right, two confident wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = logistic(np.ones(1), X, y)
        s = sigmoid(X[:, 0])
        lse = log_sum_exp(np.array([[1000.0, -1000.0], [-1000.0, -1000.0]]))
        W = np.array([[1.0, -1.0]])
        value_s, grad_s = softmax_cross_entropy(W, X, y.astype(int))
    # wrong answers cost |z| = 1000 nats each, right ones 0: mean 500
    assert value == pytest.approx(500.0, rel=1e-12)
    # sigma - y = [0, 0, 1, -1]; grad = X^T (sigma - y) / n = (1000 + 1000) / 4
    assert grad == pytest.approx([500.0], rel=1e-12)
    np.testing.assert_array_equal(s, [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(lse, [1000.0, -1000.0 + np.log(2)], rtol=1e-15)
    # scores (z, -z) differ by 2z = +-2000: wrong answers cost 2000 nats
    assert value_s == pytest.approx(1000.0, rel=1e-12)
    assert np.all(np.isfinite(grad_s))


@settings(max_examples=50, deadline=None)
@given(z=st.lists(st.floats(-800, 800), min_size=1, max_size=20))
def test_sigmoid_matches_expit(z):
    z = np.array(z)
    np.testing.assert_allclose(sigmoid(z), scipy.special.expit(z), rtol=1e-14, atol=1e-300)


@settings(max_examples=50, deadline=None)
@given(seed=seeds, scale=st.sampled_from([1.0, 100.0, 1e4]), shape=shapes)
def test_log_sum_exp_matches_scipy(seed, scale, shape):
    Z = np.random.default_rng(seed).normal(size=shape) * scale
    for axis in (0, 1, -1):
        np.testing.assert_allclose(log_sum_exp(Z, axis=axis),
                                   scipy.special.logsumexp(Z, axis=axis), rtol=1e-13)


def test_log_sum_exp_with_minus_infinity():
    Z = np.array([[-np.inf, 0.0], [-np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) in the all -inf row
        np.testing.assert_array_equal(log_sum_exp(Z), scipy.special.logsumexp(Z, axis=-1))


def test_penalties_by_hand_and_gradients():
    w = np.array([3.0, 0.0, -4.0])
    assert l1_penalty(w)[0] == 7.0
    np.testing.assert_array_equal(l1_penalty(w)[1], [1.0, 0.0, -1.0])
    assert l2_penalty(w)[0] == 12.5
    np.testing.assert_array_equal(l2_penalty(w)[1], w)
    v = np.array([0.5, -1.5, 2.0])  # away from the kinks of |.|
    assert rel_error(l1_penalty(v)[1], numerical_gradient(l1_penalty, v)) < 1e-8
    assert rel_error(l2_penalty(v)[1], numerical_gradient(l2_penalty, v)) < 1e-8


@settings(max_examples=60, deadline=None)
@given(z=st.floats(-10, 10), t=st.floats(0, 5))
def test_soft_threshold_satisfies_the_prox_optimality_condition(z, t):
    # x = prox(z) iff 0 in x - z + t * d|x|: x - z + t sign(x) = 0 if x != 0, |z| <= t if x == 0
    x = float(soft_threshold(z, t))
    if x != 0:
        assert x - z + t * np.sign(x) == pytest.approx(0.0, abs=1e-12)
    else:
        assert abs(z) <= t
    # and no point of a fine grid around it does better
    grid = x + np.linspace(-1, 1, 201)
    best_on_grid = np.min(0.5 * (grid - z) ** 2 + t * np.abs(grid))
    assert 0.5 * (x - z) ** 2 + t * abs(x) <= best_on_grid + 1e-12


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: logistic(np.zeros(1), np.ones((2, 1)), np.array([0.0, 2.0])), r"labels 0 and 1"),
        (lambda: logistic(np.zeros(2), np.ones((3, 1)), np.zeros(3)), r"X has 1 features but w"),
        (lambda: softmax_cross_entropy(np.zeros(2), np.ones((3, 2)), np.zeros(3)),
         r"w must have shape \(n_features, n_classes\)"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.ones((3, 2)), np.array([0, 1, 3])),
         r"integer class labels in \[0, 3\)"),
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.ones((3, 2)), np.array([0, 0.5, 1])),
         r"integer class labels"),
        (lambda: soft_threshold(np.ones(2), -1.0), r"t must be finite and >= 0"),
        (lambda: l1_penalty([np.nan]), r"w contains NaN"),
        (lambda: logistic_hessian(np.zeros(1), np.ones((2, 1)), np.zeros(3)),
         r"X.shape=\(2, 1\), y.shape=\(3,\)"),
    ],
)
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
