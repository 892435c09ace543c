"""LinearRegression against scikit-learn, the estimator contract, and bad input."""

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlopt.datasets import load_diabetes, make_house_prices
from mlopt.linear_model import LinearRegression, solve_lstsq, solve_normal_equation


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("solver", ["normal", "lstsq"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_direct_solvers_match_sklearn_on_diabetes(solver, fit_intercept):
    X, y = load_diabetes(return_X_y=True)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ours = LinearRegression(solver=solver, fit_intercept=fit_intercept).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-8
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-8)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8)


def test_gd_solver_matches_sklearn_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    ref = sk.LinearRegression().fit(X, y)
    ours = LinearRegression(solver="gd", tol=1e-9, max_iter=50_000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert ours.n_iter_ > 0
    loss = ours.loss_history_  # lr = 1/L: monotone descent, up to rounding
    assert np.all(np.diff(loss) <= 1e-12 * loss[:-1])


def test_gd_with_raw_house_prices_and_lr_001_diverges_with_advice():
    from mlopt.training import DivergenceWarning

    X, y = make_house_prices(50, return_X_y=True)
    with pytest.warns(DivergenceWarning, match="scale the features"):
        LinearRegression(solver="gd", lr=0.01).fit(X, y)


def test_normal_equation_singular_message():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    with pytest.raises(ValueError, match=r"rank 1 < 2.*solver='lstsq'"):
        solve_normal_equation(X, np.ones(3))
    w = solve_lstsq(X, np.array([5.0, 10.0, 15.0]))
    np.testing.assert_allclose(w, [1.0, 2.0])  # the minimum-norm solution


def test_bad_input():
    with pytest.raises(ValueError, match="solver must be one of"):
        LinearRegression(solver="magic").fit(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        LinearRegression().fit(np.array([[np.nan], [1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LinearRegression().fit(np.zeros((3, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="lr must be a positive"):
        LinearRegression(solver="gd", lr=-1.0).fit(np.eye(3), np.zeros(3))


@parametrize_with_checks([LinearRegression(), LinearRegression(solver="normal"),
                          LinearRegression(solver="gd")])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
