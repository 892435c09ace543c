"""Ridge, Lasso, ElasticNet and the regularization path against scikit-learn and by hand."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlopt.coordinate_descent import (
    alpha_grid,
    coordinate_descent,
    enet_duality_gap,
    enet_objective,
)
from mlopt.datasets import load_breast_cancer, load_diabetes
from mlopt.linear_model import (
    ElasticNet,
    Lasso,
    Ridge,
    regularization_path,
    solve_ridge_cholesky,
    solve_ridge_svd,
)
from mlopt.proximal import proximal_gradient


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b))


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y.astype(float)


def well_conditioned(n=60, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = np.where(np.arange(p) < 3, rng.normal(size=p) * 3, 0.0)
    return X, X @ w + 1.0 + rng.normal(size=n)


# --- Ridge ----------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["cholesky", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.01, 1.0])
def test_ridge_direct_solvers_match_sklearn(diabetes, solver, fit_intercept, alpha):
    X, y = diabetes
    ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(X, y)
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-9
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9, abs=1e-9)


def test_ridge_gd_matches_sklearn_on_standardized_cancer(cancer):
    X, y = cancer
    ref = sk.Ridge(alpha=10.0).fit(X, y)
    ours = Ridge(alpha=10.0, solver="gd", tol=1e-11, max_iter=20_000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert np.all(np.diff(ours.loss_history_) <= 1e-14)  # step 1/L: monotone


def test_ridge_with_more_features_than_samples_uses_the_kernel_form():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 30)), rng.normal(size=10)
    ref = sk.Ridge(alpha=0.5).fit(X, y)
    for solver in ("cholesky", "svd"):
        ours = Ridge(alpha=0.5, solver=solver).fit(X, y)
        assert rel(ours.coef_, ref.coef_) < 1e-10


def test_ridge_shrinkage_by_hand():
    # one centered feature: w = S_xy / (S_xx + alpha), b = mean(y) - w mean(x)
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 2.0, 2.0, 5.0])
    xc, yc = X[:, 0] - 1.5, y - 2.5
    for alpha in (0.0, 1.0, 5.0):
        model = Ridge(alpha=alpha).fit(X, y)
        w = xc @ yc / (xc @ xc + alpha)
        assert model.coef_[0] == pytest.approx(w, rel=1e-12)
        assert model.intercept_ == pytest.approx(2.5 - 1.5 * w, rel=1e-12)


def test_ridge_svd_equals_cholesky_and_alpha_zero_is_least_squares(diabetes):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(solve_ridge_svd(Xc, yc, 2.0), solve_ridge_cholesky(Xc, yc, 2.0),
                               rtol=1e-10)
    np.testing.assert_allclose(solve_ridge_svd(Xc, yc, 0.0), np.linalg.lstsq(Xc, yc)[0],
                               rtol=1e-8)


def test_ridge_singular_without_penalty_says_what_to_do():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    with pytest.raises(ValueError, match=r"singular.*solver='svd'"):
        Ridge(alpha=0.0, fit_intercept=False).fit(X, np.ones(3))


# --- Lasso and ElasticNet -------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("precompute", [True, False])
def test_lasso_cd_matches_sklearn_on_diabetes(diabetes, alpha, precompute):
    X, y = diabetes
    ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    ours = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000, precompute=precompute).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)  # same support


@pytest.mark.parametrize("l1_ratio", [0.2, 0.5, 0.9])
def test_elastic_net_cd_matches_sklearn(diabetes, cancer, l1_ratio):
    for (X, y), alpha in ((diabetes, 0.01), (cancer, 0.005)):
        ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
        ref.fit(X, y)
        ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
        assert rel(ours.coef_, ref.coef_) < 1e-6
        assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
        assert ours.dual_gap_ <= 1e-12 * np.sum((y - y.mean()) ** 2) / len(y)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_duality_gap_formula_matches_sklearn_dual_gap(diabetes, l1_ratio):
    # stopped early (max_iter=3), so the gap is far from rounding level
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.ElasticNet(alpha=0.01, l1_ratio=l1_ratio, max_iter=3, tol=1e-14).fit(X, y)
    gap = enet_duality_gap(ref.coef_, X - X.mean(0), y - y.mean(), 0.01, l1_ratio)
    assert gap == pytest.approx(ref.dual_gap_, rel=1e-8)
    assert gap > 1e-6


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_every_solver_reaches_the_same_solution(l1_ratio):
    X, y = well_conditioned()
    kwargs = dict(alpha=0.3, tol=1e-12, max_iter=50_000)
    make = (lambda **kw: Lasso(**kw)) if l1_ratio == 1 else (
        lambda **kw: ElasticNet(l1_ratio=l1_ratio, **kw))
    ref = sk.ElasticNet(l1_ratio=l1_ratio, **kwargs).fit(X, y)
    for solver in ("cd", "ista", "fista"):
        for precompute in (True, False):
            ours = make(solver=solver, precompute=precompute, **kwargs).fit(X, y)
            assert rel(ours.coef_, ref.coef_) < 1e-6, (solver, precompute)
            assert ours.dual_gap_ <= 1e-12 * np.sum((y - y.mean()) ** 2) / len(y)


def test_fista_needs_fewer_steps_than_ista_on_an_ill_conditioned_problem(diabetes):
    # O(1/k^2) against O(1/k): on diabetes (condition number ~ 1e3) FISTA wins by far
    X, y = diabetes
    ista = Lasso(alpha=0.01, solver="ista", tol=1e-4, max_iter=100_000).fit(X, y)
    fista = Lasso(alpha=0.01, solver="fista", tol=1e-4, max_iter=100_000).fit(X, y)
    assert 5 * fista.n_iter_ < ista.n_iter_
    assert np.all(np.diff(ista.loss_history_) <= 1e-12)  # ISTA with step 1/L is monotone


def test_lasso_by_hand_on_orthogonal_design():
    # orthogonal centered columns with |x_j|^2 / n = 1/2: w_j = 2 S(x_j^T y / n, alpha)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    y = np.array([2.0, 0.6, -2.0, -0.6]) + 10.0
    for solver in ("cd", "ista", "fista"):
        model = Lasso(alpha=0.2, solver=solver, tol=1e-14).fit(X, y)
        np.testing.assert_allclose(model.coef_, [2 * (1.0 - 0.2), 2 * (0.3 - 0.2)], atol=1e-10)
        assert model.intercept_ == pytest.approx(10.0)


@pytest.mark.parametrize("make", [
    lambda: Ridge(alpha=3.0),
    lambda: Ridge(alpha=3.0, solver="svd"),
    lambda: Lasso(alpha=0.5, tol=1e-12),
    lambda: ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-12),
    lambda: Lasso(alpha=0.5, solver="fista", tol=1e-12),
])
def test_intercept_is_not_penalized(make):
    # shifting y by a constant shifts only the intercept, by that constant
    X, y = well_conditioned(n=30, p=4, seed=3)
    a, b = make().fit(X, y), make().fit(X, y + 100.0)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8, atol=1e-10)
    assert b.intercept_ - a.intercept_ == pytest.approx(100.0, rel=1e-10)


def test_duality_gap_bounds_the_suboptimality(diabetes):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()
    for l1_ratio in (1.0, 0.5, 0.0):
        ref = sk.ElasticNet(alpha=0.01, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-14,
                            max_iter=200_000).fit(Xc, yc)
        p_star = enet_objective(ref.coef_, Xc, yc, 0.01, l1_ratio)
        assert enet_duality_gap(ref.coef_, Xc, yc, 0.01, l1_ratio) < 1e-10 * (yc @ yc)
        rng = np.random.default_rng(0)
        for _ in range(5):
            w = ref.coef_ + rng.normal(size=X.shape[1]) * 50
            gap = enet_duality_gap(w, Xc, yc, 0.01, l1_ratio)
            assert gap >= enet_objective(w, Xc, yc, 0.01, l1_ratio) - p_star - 1e-9


def test_convergence_warning_names_the_gap(diabetes):
    X, y = diabetes
    with pytest.warns(ConvergenceWarning, match=r"duality gap .* > tol"):
        Lasso(alpha=0.001, max_iter=2, tol=1e-12).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"criterion .* > tol"):
        Lasso(alpha=0.001, solver="ista", max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"gradient norm .* > tol"):
        Ridge(solver="gd", max_iter=2).fit(X, y)


def test_warm_start_restarts_from_the_solution(diabetes):
    X, y = diabetes
    model = Lasso(alpha=0.05, tol=1e-10, warm_start=True).fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert first > 5 and model.n_iter_ == 1


def test_pipeline_and_grid_search(diabetes):
    X, y = diabetes
    for est, grid in ((Ridge(), {"ridge__alpha": [0.1, 1.0]}),
                      (Lasso(), {"lasso__alpha": [0.01, 0.1]}),
                      (ElasticNet(), {"elasticnet__l1_ratio": [0.5, 0.9]})):
        search = GridSearchCV(make_pipeline(StandardScaler(), est), grid, cv=3).fit(X, y)
        assert search.best_score_ > 0.4  # diabetes R^2 of a linear model is about 0.5


# --- regularization path -------------------------------------------------------------------

def test_alpha_grid_matches_sklearn(diabetes):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()
    for l1_ratio in (1.0, 0.5):
        alphas, _, _ = sk.enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=20, eps=1e-2)
        np.testing.assert_allclose(alpha_grid(Xc, yc, l1_ratio=l1_ratio, n_alphas=20, eps=1e-2),
                                   alphas, rtol=1e-12)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_matches_sklearn(diabetes, l1_ratio):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas_ref, coefs_ref, _ = sk.enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=30, tol=1e-12,
                                            max_iter=100_000)
    alphas, coefs, gaps = regularization_path(Xc, yc, l1_ratio=l1_ratio, n_alphas=30,
                                              tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(alphas, alphas_ref, rtol=1e-12)
    assert coefs.shape == (10, 30)
    assert np.max(np.abs(coefs - coefs_ref)) < 1e-6 * np.max(np.abs(coefs_ref))
    assert np.all(coefs[:, 0] == 0)  # alpha_max: everything is zero
    assert np.all(gaps <= 1e-12 * (yc @ yc) / len(yc))


def test_path_warm_starts_save_work(diabetes):
    X, y = diabetes
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas, _, _, n_iters = regularization_path(Xc, yc, n_alphas=20, tol=1e-8,
                                                return_n_iter=True)
    cold = [coordinate_descent(Xc, yc, a, tol=1e-8, max_iter=10_000).nit for a in alphas]
    assert sum(n_iters) < sum(cold)


def test_path_with_explicit_alphas_sorts_them(diabetes):
    X, y = diabetes
    alphas, coefs, _ = regularization_path(X - X.mean(0), y - y.mean(), alphas=[0.1, 1.0, 0.5])
    np.testing.assert_array_equal(alphas, [1.0, 0.5, 0.1])
    ref = Lasso(alpha=0.5, fit_intercept=False).fit(X - X.mean(0), y - y.mean())
    np.testing.assert_allclose(coefs[:, 1], ref.coef_, rtol=1e-3, atol=1e-3)


def test_proximal_gradient_default_criterion_on_a_box_projection():
    # prox of the indicator of [0, 1]^2 is the projection; minimize |x - (2, -1)|^2 / 2
    c = np.array([2.0, -1.0])
    res = proximal_gradient(lambda x: (0.5 * np.sum((x - c) ** 2), x - c),
                            lambda z, t: np.clip(z, 0.0, 1.0), np.full(2, 0.5), lr=0.5,
                            accelerated=True, tol=1e-10)
    np.testing.assert_allclose(res.x, [1.0, 0.0])
    assert res.success


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("estimator", "match"),
    [
        (Ridge(solver="magic"), r"solver must be one of"),
        (Ridge(alpha=-1.0), r"alpha must be a finite number >= 0, got alpha=-1.0"),
        (Ridge(solver="gd", max_iter=0), r"max_iter must be a positive integer"),
        (Lasso(solver="lars"), r"solver must be one of \('cd', 'ista', 'fista'\)"),
        (Lasso(alpha=np.nan), r"alpha must be a finite number"),
        (Lasso(tol=-1.0), r"tol must be"),
        (Lasso(solver="fista", max_iter=1.5), r"max_iter must be a positive integer"),
        (ElasticNet(l1_ratio=1.5), r"l1_ratio must be in \[0.0, 1.0\], got l1_ratio=1.5"),
        (ElasticNet(precompute="yes"), r"precompute must be one of"),
    ],
)
def test_bad_hyper_parameters_raise_in_fit(estimator, match):
    X, y = well_conditioned(n=20, p=3)
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y)


def test_bad_data_raises():
    with pytest.raises(ValueError, match="NaN"):
        Lasso().fit(np.array([[np.nan], [1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Ridge().fit(np.zeros((3, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"X.shape=\(3, 2\), y.shape=\(4,\)"):
        coordinate_descent(np.zeros((3, 2)), np.zeros(4), 1.0)
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        enet_duality_gap(np.zeros(3), np.zeros((3, 2)), np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="l1_ratio must be > 0"):
        alpha_grid(np.ones((3, 2)), np.ones(3), l1_ratio=0.0)


@parametrize_with_checks([
    Ridge(), Ridge(solver="svd"), Ridge(solver="gd"),
    Lasso(), Lasso(solver="fista", max_iter=5000), ElasticNet(), ElasticNet(precompute=False),
])
def test_sklearn_estimator_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
