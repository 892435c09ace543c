"""minimize: convergence, the measured rate against theory, divergence and its report."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlopt.optimizers import gd
from mlopt.surfaces import quadratic
from mlopt.training import DivergenceWarning, History, minimize


@pytest.mark.parametrize("kappa", [2.0, 10.0, 50.0])
def test_gd_rate_on_quadratic_matches_theory(kappa):
    f = quadratic(kappa)
    lr = 2.0 / (kappa + 1.0)  # 2 / (L + mu) with mu = 1
    res = minimize(f, [1.0, 1.0], gd(lr=lr), tol=1e-10, max_iter=10_000)
    assert res.success
    dist = np.linalg.norm(res.history.params, axis=1)
    measured = (dist[-1] / dist[0]) ** (1.0 / (len(dist) - 1))
    assert measured == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-6)


def test_history_rows_and_lr():
    with pytest.warns(ConvergenceWarning):
        res = minimize(quadratic(4.0), [1.0, -1.0], gd(lr=0.1), max_iter=5, tol=0.0)
    h = res.history
    assert len(h) == res.nit + 1 == 6
    assert h.params.shape == (6, 2)
    np.testing.assert_allclose(h.lr[:-1], 0.1)
    assert np.isnan(h.lr[-1])
    # each row is the iterate and its own loss
    for p, loss in zip(h.params, h.loss):
        assert loss == pytest.approx(quadratic(4.0)(p)[0])
    np.testing.assert_array_equal(res.x, h.params[-1])


def test_divergence_stops_keeps_history_and_explains():
    with pytest.warns(DivergenceWarning, match=r"Diverged at iteration \d+.*smaller learning rate"):
        res = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.6), max_iter=10_000)
    assert not res.success and res.status == 2
    assert res.nit < 100
    assert res.history.loss[-1] > 1e10 * res.history.loss[0]
    assert "lr=0.6" in res.message and "scale the features" in res.message


def test_overflow_to_inf_is_reported_once():
    def fun(x):  # x**4: each gd step cubes the iterate until x**4 overflows
        return float(np.sum(x**4)), 4 * x**3

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = minimize(fun, [10.0], gd(lr=1.0), max_iter=50,
                       divergence_factor=1e300)
    assert res.status == 2
    kinds = [w.category for w in caught]
    assert kinds == [DivergenceWarning]


def test_non_convergence_warns_with_numbers():
    pattern = r"gradient norm \d\.\d{3}e[+-]\d+ > tol 1\.000e-12"
    with pytest.warns(ConvergenceWarning, match=pattern):
        res = minimize(quadratic(100.0), [1.0, 1.0], gd(lr=0.001), max_iter=10, tol=1e-12)
    assert res.status == 1 and not res.success


def test_callback_can_stop():
    res = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.1), callback=lambda k, *a: k == 3)
    assert res.status == 3 and res.nit == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"tol": -1.0}, "tol must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        minimize(quadratic(), [1.0, 1.0], gd(), **kwargs)


def test_bad_x0_and_lr():
    with pytest.raises(ValueError, match="x0 must be finite"):
        minimize(quadratic(), [np.nan, 1.0], gd())
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        gd(lr=-0.1)
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but params have shape \(2,\)"):
        opt = gd()
        opt.update(np.zeros(3), opt.init(np.zeros(2)), np.zeros(2))


def test_history_repr():
    assert repr(History()) == "History(empty)"


def test_progress_bar_is_shown_and_changes_nothing(capsys):
    quiet = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.2), tol=1e-8)
    capsys.readouterr()
    shown = minimize(quadratic(4.0), [1.0, 1.0], gd(lr=0.2), tol=1e-8, progress=True)
    err = capsys.readouterr().err
    assert "minimize" in err and "/1000" in err, err  # tqdm draws on stderr
    np.testing.assert_array_equal(quiet.x, shown.x)
    assert quiet.nit == shown.nit
