"""LogisticRegression against scikit-learn, by hand, the estimator contract, and bad input."""

import warnings

import numpy as np
import pytest
import scipy.special
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlopt.datasets import load_breast_cancer, load_digits, load_iris
from mlopt.linear_model import LogisticRegression
from mlopt.newton import newton


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b))


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATA = {"breast_cancer": load_breast_cancer, "iris": load_iris, "digits": load_digits}


@pytest.fixture(scope="module", params=list(DATA))
def data(request):
    return standardized(DATA[request.param])


def generated(n_classes, n=300, p=3, seed=0):
    """Labels drawn from the model itself: not separable, so the unpenalized MLE exists."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    P = scipy.special.softmax(X @ rng.normal(size=(p, n_classes)) + 0.5, axis=1)
    y = np.array([rng.choice(n_classes, p=row) for row in P])
    return X, y


def test_newton_matches_sklearn_newton_cholesky(data):
    X, y = data
    ref = sk.LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    ours = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert rel(ours.intercept_, ref.intercept_) < 1e-6
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_lbfgs_matches_sklearn_lbfgs(data):
    # the same algorithm (scipy's L-BFGS-B, same options) on the same objective; both stop on
    # the relative decrease ftol = 64 eps before max|grad| <= 1e-10, which on digits leaves
    # the intercepts accurate to a few 1e-6 only (Newton above reaches 1e-14)
    X, y = data
    ref = sk.LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=1000).fit(X, y)
    ours = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=1000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-5
    assert rel(ours.intercept_, ref.intercept_) < 1e-5


def test_solvers_reach_the_same_solution(data):
    # lbfgs stops on scipy's relative-decrease test (ftol = 64 eps, as scikit-learn) before
    # max|grad| <= 1e-10: its coefficients agree to about 1e-6, Newton's to rounding
    X, y = data
    newton_fit = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    lbfgs_fit = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=1000).fit(X, y)
    assert rel(lbfgs_fit.coef_, newton_fit.coef_) < 1e-5
    assert rel(lbfgs_fit.intercept_, newton_fit.intercept_) < 1e-5
    assert newton_fit.loss_history_[-1] <= lbfgs_fit.loss_history_[-1] + 1e-12


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gd_reaches_the_newton_solution(n_classes):
    X, y = generated(n_classes, n=100)
    newton_fit = LogisticRegression(C=0.1, solver="newton", tol=1e-10).fit(X, y)
    gd_fit = LogisticRegression(C=0.1, solver="gd", tol=1e-9, max_iter=5000).fit(X, y)
    assert rel(gd_fit.coef_, newton_fit.coef_) < 1e-6
    assert np.all(np.diff(gd_fit.loss_history_) <= 1e-15)  # step 1/L: monotone


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_no_penalty_matches_sklearn_with_infinite_C(n_classes, fit_intercept):
    X, y = generated(n_classes)
    ref = sk.LogisticRegression(C=np.inf, fit_intercept=fit_intercept, solver="newton-cholesky",
                                tol=1e-12).fit(X, y)
    for solver in ("newton", "lbfgs"):
        ours = LogisticRegression(penalty=None, fit_intercept=fit_intercept, solver=solver,
                                  tol=1e-10, max_iter=1000).fit(X, y)
        assert rel(ours.coef_, ref.coef_) < 1e-5
        same = LogisticRegression(C=np.inf, fit_intercept=fit_intercept, solver=solver,
                                  tol=1e-10, max_iter=1000).fit(X, y)
        np.testing.assert_allclose(same.coef_, ours.coef_)


def test_intercept_is_not_penalized_binary_by_hand():
    # with an overwhelming penalty w -> 0, and the unpenalized intercept is the log-odds of
    # the class frequencies; a penalized intercept would go to 0 instead
    X, y = generated(2)
    n1, n0 = np.sum(y == 1), np.sum(y == 0)
    for solver in ("newton", "lbfgs"):
        model = LogisticRegression(C=1e-9, solver=solver, tol=1e-12).fit(X, y)
        assert np.max(np.abs(model.coef_)) < 1e-6
        assert model.intercept_[0] == pytest.approx(np.log(n1 / n0), abs=1e-6)


def test_intercept_is_not_penalized_multinomial_by_hand():
    # softmax with W -> 0: intercepts are log class frequencies, centered over the classes
    X, y = generated(3)
    log_freq = np.log(np.bincount(y))
    for solver in ("newton", "lbfgs"):
        model = LogisticRegression(C=1e-9, solver=solver, tol=1e-12).fit(X, y)
        np.testing.assert_allclose(model.intercept_, log_freq - log_freq.mean(), atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_shifting_features_changes_only_the_intercept(n_classes):
    # X + c with intercept b - W c gives the same scores, and the penalty ignores b
    X, y = generated(n_classes, seed=2)
    c = np.array([5.0, -3.0, 10.0])
    a = LogisticRegression(solver="newton", tol=1e-12).fit(X, y)
    b = LogisticRegression(solver="newton", tol=1e-12).fit(X + c, y)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8)
    np.testing.assert_allclose(b.intercept_, a.intercept_ - a.coef_ @ c, rtol=1e-8, atol=1e-10)


def test_multinomial_coefficients_are_centered_over_classes():
    X, y = standardized(load_iris)
    for solver in ("newton", "lbfgs"):
        model = LogisticRegression(solver=solver, tol=1e-10).fit(X, y)
        np.testing.assert_allclose(model.coef_.sum(axis=0), 0.0, atol=1e-6)
        assert abs(model.intercept_.sum()) < 1e-12


def test_newton_converges_quadratically_with_full_steps(data):
    X, y = data
    model = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    assert model.n_iter_ <= 12  # each step doubles the correct digits near the optimum
    gaps = model.loss_history_ - model.loss_history_[-1]
    # last steps: f_k - f* falls at least as fast as (f_{k-1} - f*)^1.5 once below 1e-3
    small = np.flatnonzero((gaps[:-1] < 1e-3) & (gaps[1:] > 1e-14))
    for k in small[1:]:
        assert gaps[k] <= 10 * gaps[k - 1] ** 1.5


def test_newton_function_backtracks_on_a_non_quadratic():
    # f(x) = sqrt(1 + x^2): the full Newton step x -> -x^3 overshoots from |x| > 1
    res = newton(lambda x: (np.sqrt(1 + x @ x), x / np.sqrt(1 + x @ x)),
                 lambda x: np.array([[(1 + x @ x) ** -1.5]]), np.array([3.0]), tol=1e-12)
    assert res.success and abs(res.x[0]) < 1e-6
    assert res.step_sizes[0] < 1.0 and res.step_sizes[-1] == 1.0
    assert np.all(np.diff(res.history) <= 0)


def test_predictions_probabilities_and_shapes():
    X, y = standardized(load_iris)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression().fit(X, labels)
    ref = sk.LogisticRegression().fit(X, labels)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P, ref.predict_proba(X), atol=1e-3)
    assert model.decision_function(X).shape == (150, 3)
    np.testing.assert_array_equal(model.predict(X), model.classes_[P.argmax(axis=1)])

    Xb, yb = standardized(load_breast_cancer)
    binary = LogisticRegression().fit(Xb, np.where(yb == 1, "benign", "malignant"))
    assert binary.coef_.shape == (1, 30) and binary.intercept_.shape == (1,)
    scores = binary.decision_function(Xb)
    assert scores.shape == (569,)
    np.testing.assert_allclose(binary.predict_proba(Xb)[:, 1], scipy.special.expit(scores))
    assert binary.score(Xb, np.where(yb == 1, "benign", "malignant")) > 0.95


def test_pipeline_and_grid_search():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0],
                                 "logisticregression__solver": ["lbfgs", "newton"]}, cv=3)
    search.fit(X, y)
    assert search.best_score_ > 0.95


def test_convergence_warnings_carry_the_numbers():
    X, y = standardized(load_breast_cancer)
    with pytest.warns(ConvergenceWarning, match=r"lbfgs did not converge.*max\|grad\| .* > tol"):
        LogisticRegression(max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"max\|grad\| .*Newton decrement"):
        LogisticRegression(solver="newton", max_iter=1).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"gradient norm .* > tol"):
        LogisticRegression(solver="gd", max_iter=2).fit(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"C": 0.0}, r"C must be a number > 0 \(np.inf for no penalty\), got C=0.0"),
        ({"C": -1}, r"C must be a number > 0"),
        ({"C": "big"}, r"C must be a number > 0"),
        ({"penalty": "l1"}, r"penalty must be one of \('l2', None\), got penalty='l1'"),
        ({"solver": "sag"}, r"solver must be one of \('lbfgs', 'newton', 'gd'\)"),
        ({"max_iter": 0}, r"max_iter must be a positive integer"),
        ({"tol": -1.0}, r"tol must be a finite number >= 0"),
    ],
)
def test_bad_hyper_parameters_raise_in_fit(params, match):
    model = LogisticRegression(**params)  # nothing checked here
    with pytest.raises(ValueError, match=match):
        model.fit(np.eye(4), [0, 1, 0, 1])


def test_bad_data_raises():
    with pytest.raises(ValueError, match=r"at least 2 classes.*only one class: np.int64\(1\)"):
        LogisticRegression().fit(np.eye(3), [1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(np.eye(3), [0.5, 1.5, 2.5])
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(np.array([[np.nan], [1.0]]), [0, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRegression().fit(np.eye(3), [0, 1])
    model = LogisticRegression().fit(np.eye(3), [0, 1, 1])
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((2, 4)))


@parametrize_with_checks([LogisticRegression(), LogisticRegression(solver="newton"),
                          LogisticRegression(solver="gd", max_iter=1000)])
def test_sklearn_estimator_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
