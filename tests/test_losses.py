"""Losses: gradients against finite differences over random shapes, values by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopt.gradcheck import numerical_gradient
from mlopt.losses import absolute_error, squared_error

shapes = st.tuples(st.integers(1, 30), st.integers(1, 8))


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_squared_error_gradient_matches_finite_differences(shape, seed):
    rng = np.random.default_rng(seed)
    X, y, w = rng.normal(size=shape), rng.normal(size=shape[0]), rng.normal(size=shape[1])
    _assert_matches_central_differences(squared_error, w, X, y)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_absolute_error_gradient_matches_finite_differences_away_from_kinks(shape, seed):
    rng = np.random.default_rng(seed)
    X, w = rng.normal(size=shape), rng.normal(size=shape[1])
    # residuals at least 0.1 away from 0, so no kink lies within h of w
    y = X @ w + rng.choice([-1, 1], size=shape[0]) * rng.uniform(0.1, 2.0, size=shape[0])
    _assert_matches_central_differences(absolute_error, w, X, y)


def _assert_matches_central_differences(loss, w, X, y):
    # Entry-wise relative error alone is fragile: an entry near 0 by cancellation (3.8e-5, seed
    # 2641) carries the differences' rounding (~1e-10) as a relative 1.5e-6. An absolute floor
    # far below any real mistake (a sign, a factor, a missing 1/n) removes that.
    analytic = loss(w, X, y)[1]
    numeric = numerical_gradient(lambda v: loss(v, X, y)[0], w)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_values_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    y = np.array([1.0, 1.0, 0.0])
    w = np.array([2.0, 1.0])
    # residuals Xw - y = [1, 1, 3]
    value, grad = squared_error(w, X, y)
    assert value == pytest.approx(11 / 3)
    np.testing.assert_allclose(grad, 2 / 3 * np.array([1 + 3, 2 + 3]))
    value, grad = absolute_error(w, X, y)
    assert value == pytest.approx(5 / 3)
    np.testing.assert_allclose(grad, 1 / 3 * np.array([2.0, 3.0]))


def test_mse_agrees_with_sklearn_metric(rng):
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    X, y, w = rng.normal(size=(50, 3)), rng.normal(size=50), rng.normal(size=3)
    assert squared_error(w, X, y)[0] == pytest.approx(mean_squared_error(y, X @ w))
    assert absolute_error(w, X, y)[0] == pytest.approx(mean_absolute_error(y, X @ w))


@pytest.mark.parametrize("loss", [squared_error, absolute_error])
@pytest.mark.parametrize(
    ("w", "X", "y", "match"),
    [
        (np.zeros(3), np.zeros((5, 2)), np.zeros(5), r"X has 2 features but w has 3"),
        (np.zeros(2), np.zeros((5, 2)), np.zeros(4), r"X.shape=\(5, 2\), y.shape=\(4,\)"),
        (np.zeros(2), np.zeros(5), np.zeros(5), r"X must be 2-D"),
        (np.zeros(2), np.zeros((5, 2)), np.zeros((5, 1)), r"y must be 1-D"),
        (np.zeros(2), np.full((5, 2), np.nan), np.zeros(5), r"X contains NaN"),
    ],
)
def test_bad_input_raises_clear_value_error(loss, w, X, y, match):
    with pytest.raises(ValueError, match=match):
        loss(w, X, y)
