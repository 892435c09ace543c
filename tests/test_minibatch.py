"""Mini-batches and the stochastic training loop: sampling facts, early stopping, schedules."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopt.losses import squared_error
from mlopt.optimizers import gd, sgd
from mlopt.schedules import exponential
from mlopt.training import DivergenceWarning, minibatches, minimize, minimize_stochastic


def regression(n=200, d=3, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))])
    w = np.arange(1.0, d + 1)
    return X, X @ w + noise * rng.normal(size=n)


# ---- minibatches --------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 50), seed=st.integers(0, 2**32 - 1))
def test_every_sample_once_per_epoch_and_last_partial_batch_kept(n, batch_size, seed):
    X = np.arange(2.0 * n).reshape(n, 2)
    y = np.arange(float(n))
    batches = list(minibatches(X, y, batch_size, np.random.default_rng(seed)))
    sizes = [len(yb) for _, yb in batches]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest else [])
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(n))
    for Xb, yb in batches:  # rows stay paired with their targets
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)


def test_epochs_differ_in_order_with_one_generator():
    X, y = np.zeros((50, 1)), np.arange(50.0)
    rng = np.random.default_rng(0)
    orders = [np.concatenate([yb for _, yb in minibatches(X, y, 8, rng)]) for _ in range(3)]
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    # an int seed is reproducible: the same order at every call
    again = [np.concatenate([yb for _, yb in minibatches(X, y, 8, 7)]) for _ in range(2)]
    np.testing.assert_array_equal(*again)


def test_mean_of_equal_batch_gradients_is_the_full_gradient():
    """With batch_size dividing n, one epoch's batches partition the data: exact identity."""
    X, y = regression(n=120)
    w = np.array([0.3, -1.0, 2.0])
    full = squared_error(w, X, y)[1]
    for batch_size in (1, 8, 30, 120):
        grads = [squared_error(w, Xb, yb)[1] for Xb, yb in minibatches(X, y, batch_size, 0)]
        np.testing.assert_allclose(np.mean(grads, axis=0), full, rtol=1e-12, atol=1e-14)


def test_batch_gradient_unbiased_and_variance_formula_by_enumeration():
    """Over all C(n, b) equally likely batches: E g_B = grad f, and
    Var g_B = (sigma^2 / b) (n - b) / (n - 1), sigma^2 the per-sample gradient variance."""
    X, y = regression(n=8, d=2, seed=1)
    w = np.array([0.5, 0.5])
    n = len(y)
    per_sample = np.array([squared_error(w, X[i:i + 1], y[i:i + 1])[1] for i in range(n)])
    full = squared_error(w, X, y)[1]
    sigma2 = per_sample.var(axis=0)  # population variance (1/n)
    for b in (1, 2, 3, 5):
        grads = np.array([squared_error(w, X[list(B)], y[list(B)])[1]
                          for B in itertools.combinations(range(n), b)])
        np.testing.assert_allclose(grads.mean(axis=0), full, rtol=1e-12)
        np.testing.assert_allclose(grads.var(axis=0), sigma2 / b * (n - b) / (n - 1),
                                   rtol=1e-10)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.zeros((5, 2)), np.zeros(5), 0),
         "batch_size must be an integer >= 1, got batch_size=0"),
        ((np.zeros((5, 2)), np.zeros(5), 2.0), "batch_size must be an integer"),
        ((np.zeros((5, 2)), np.zeros(4), 2),
         r"same number \(> 0\) of samples .* X.shape=\(5, 2\), y.shape=\(4,\)"),
        ((np.zeros((0, 2)), np.zeros(0), 2), "same number"),
    ],
)
def test_minibatches_bad_arguments_fail_eagerly(args, match):
    with pytest.raises(ValueError, match=match):
        minibatches(*args)  # raised at the call, not at the first batch


# ---- minimize_stochastic ------------------------------------------------------------------

def test_sgd_reaches_the_least_squares_solution():
    X, y = regression(n=500, noise=0.5)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    res = minimize_stochastic(squared_error, np.zeros(3), X, y,
                              sgd(lr=exponential(0.05, 0.995)), batch_size=10, epochs=20)
    assert res.success and res.status == 0 and res.nit == 20 * 50
    assert np.linalg.norm(res.x - w_star) < 0.02
    # the returned loss and gradient are those of the full data at res.x
    value, grad = squared_error(res.x, X, y)
    assert res.fun == pytest.approx(value)
    np.testing.assert_allclose(res.jac, grad)
    assert res.fun - squared_error(w_star, X, y)[0] < 1e-3


def test_full_batch_is_gradient_descent():
    X, y = regression(n=60)
    opt = gd(lr=0.1)
    stoch = minimize_stochastic(squared_error, np.zeros(3), X, y, opt, batch_size=60, epochs=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        det = minimize(lambda w: squared_error(w, X, y), np.zeros(3), opt, max_iter=15, tol=0)
    np.testing.assert_allclose(stoch.epoch_history.params, det.history.params, rtol=1e-12)
    np.testing.assert_allclose(stoch.epoch_history.loss, det.history.loss, rtol=1e-12)


def test_histories_rows():
    X, y = regression(n=50)
    res = minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(lr=0.05),
                              batch_size=16, epochs=3, validation=(X[:10], y[:10]))
    steps_per_epoch = 4  # 16 + 16 + 16 + 2
    assert res.nit == len(res.history) == 3 * steps_per_epoch
    eh = res.epoch_history
    assert len(eh) == res.nepoch + 1 == 4
    np.testing.assert_array_equal(eh.step, [0, 4, 8, 12])
    for p, loss, val in zip(eh.params, eh.loss, eh.val_loss):
        assert loss == pytest.approx(squared_error(p, X, y)[0])
        assert val == pytest.approx(squared_error(p, X[:10], y[:10])[0])
    np.testing.assert_allclose(eh.lr[:-1], 0.05)
    assert np.isnan(eh.lr[-1])
    # row k of the step history is the iterate the k-th step was taken from
    np.testing.assert_array_equal(res.history.params[0], np.zeros(3))
    np.testing.assert_array_equal(res.history.params[steps_per_epoch], eh.params[1])


def test_schedule_counts_global_steps_across_epochs():
    """The lr applied at step k is schedule(k), k counted from the start of training.

    The applied lr is measured from the iterates, ||x_{k+1} - x_k|| / ||g_k|| (gd's step is
    lr * g); an optimizer restarted every epoch would apply schedule(k mod steps_per_epoch).
    """
    X, y = regression(n=40)
    schedule = exponential(0.1, 0.9)
    res = minimize_stochastic(squared_error, np.zeros(3), X, y, gd(lr=schedule),
                              batch_size=10, epochs=3)
    h = res.history
    params = np.vstack([h.params, res.x])
    applied = np.linalg.norm(np.diff(params, axis=0), axis=1) / h.grad_norm
    expected = [schedule(k) for k in range(res.nit)]
    np.testing.assert_allclose(applied, expected, rtol=1e-10)
    np.testing.assert_allclose(h.lr, expected, rtol=1e-15)
    restarted = [schedule(k % 4) for k in range(res.nit)]
    assert not np.allclose(applied, restarted)


def drifting_problem():
    """Training data pull w to 2, validation data prefer w = 1: the validation loss has an
    interior minimum, passed on the way (w starts at 0)."""
    x = np.linspace(-1, 1, 40)[:, None]
    return x, 2 * x[:, 0], x, 1 * x[:, 0]


def test_early_stopping_restores_best_parameters():
    X, y, X_val, y_val = drifting_problem()
    res = minimize_stochastic(squared_error, np.zeros(1), X, y, sgd(lr=0.05), batch_size=8,
                              epochs=200, validation=(X_val, y_val), patience=3)
    eh = res.epoch_history
    assert res.status == 1 and res.success
    assert res.best_epoch == int(np.argmin(eh.val_loss)) > 0
    assert res.nepoch == res.best_epoch + 3           # stopped after 3 epochs without progress
    np.testing.assert_array_equal(res.x, eh.params[res.best_epoch])
    assert abs(res.x[0] - 1) < abs(eh.params[-1][0] - 1)   # better than the last epoch
    assert res.fun == pytest.approx(squared_error(res.x, X, y)[0])
    assert "Stopped early after epoch" in res.message and "Restored" in res.message
    # without restore: the last parameters
    last = minimize_stochastic(squared_error, np.zeros(1), X, y, sgd(lr=0.05), batch_size=8,
                               epochs=200, validation=(X_val, y_val), patience=3,
                               restore_best=False)
    np.testing.assert_array_equal(last.x, last.epoch_history.params[-1])
    assert last.nepoch == res.nepoch


def test_early_stopping_without_validation_monitors_training_loss():
    X, y = regression(n=40)
    # constant large lr: the training loss stalls at a noise floor, so patience triggers
    res = minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(lr=0.2), batch_size=1,
                              epochs=500, patience=2)
    assert res.status == 1 and res.nepoch < 500
    assert res.best_epoch == int(np.argmin(res.epoch_history.loss))
    assert np.all(np.isnan(res.epoch_history.val_loss))


def test_divergence_is_reported_like_minimize():
    X, y = regression(n=40)
    with pytest.warns(DivergenceWarning, match=r"Diverged at step \d+.*smaller learning rate"):
        res = minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(lr=3.0),
                                  batch_size=4, epochs=50)
    assert res.status == 2 and not res.success
    assert res.history.loss[-1] > 1e10 * res.epoch_history.loss[0]
    assert np.isnan(res.history.lr[-1])  # no step was taken from the diverged iterate


def test_callback_and_progress_bar():
    X, y = regression(n=30)
    res = minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(lr=0.05), epochs=10,
                              progress=True, callback=lambda epoch, x, h: epoch == 2)
    assert res.status == 3 and res.nepoch == 2 and len(res.epoch_history) == 3


def test_rng_makes_runs_reproducible():
    X, y = regression(n=30)
    a, b, c = (minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(lr=0.05),
                                   batch_size=4, epochs=2, rng=seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"patience": 0}, "patience must be an integer >= 1"),
        ({"validation": (np.zeros((3, 3)), np.zeros(2))},
         r"X_val and y_val must hold .* X_val.shape=\(3, 3\), y_val.shape=\(2,\)"),
        ({"validation": (np.zeros((3, 3)),)}, "validation must be a pair"),
        ({"divergence_factor": -1.0}, "divergence_factor must be"),
    ],
)
def test_minimize_stochastic_bad_arguments(kwargs, match):
    X, y = regression(n=10)
    with pytest.raises(ValueError, match=match):
        minimize_stochastic(squared_error, np.zeros(3), X, y, sgd(), **kwargs)


def test_minimize_stochastic_bad_data_and_x0():
    X, y = regression(n=10)
    with pytest.raises(ValueError, match=r"X.shape=\(10, 3\), y.shape=\(9,\)"):
        minimize_stochastic(squared_error, np.zeros(3), X, y[:9], sgd())
    with pytest.raises(ValueError, match="x0 must be finite"):
        minimize_stochastic(squared_error, [np.inf, 0, 0], X, y, sgd())
