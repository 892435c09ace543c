"""Chapter 11 checks accept the reference answers and other valid ways, reject typical mistakes
with a message that names them."""

import re

import numpy as np
import pytest
import scipy.stats
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mlopt import metrics
from mlopt.checks import model_selection as checks
from mlopt.model_selection import stratified_kfold_indices
from tests.exercise_utils import solution_namespace

CHAPTER = "11_generalization_and_model_selection"


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(CHAPTER)


def rejects(check, fn, message, **kwargs):
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(fn, **kwargs)


@pytest.mark.parametrize(
    ("check", "name", "kwargs"),
    [(checks.check_stratified_kfold, "stratified_kfold", {}),
     (checks.check_stratified_kfold, "stratified_kfold", dict(counts=(20, 3), n_splits=5,
                                                               sort=False, seed=1)),
     (checks.check_stratified_kfold, "stratified_kfold", dict(counts=(7,), n_splits=3)),
     (checks.check_stratified_kfold, "stratified_kfold", dict(counts=(4, 4, 4, 2), n_splits=2,
                                                               labels=[7, 3, 9, 5])),
     (checks.check_precision_recall_f1_binary, "precision_recall_f1", {}),
     (checks.check_precision_recall_f1_binary, "precision_recall_f1", dict(n_samples=7, seed=6)),
     (checks.check_precision_recall_f1_macro, "precision_recall_f1", {}),
     (checks.check_precision_recall_f1_macro, "precision_recall_f1", dict(n_samples=300,
                                                                          n_classes=5, seed=7)),
     (checks.check_precision_recall_f1_macro, "precision_recall_f1", dict(n_samples=30,
                                                                          n_classes=2, seed=8)),
     (checks.check_threshold_for_recall, "threshold_for_recall", {}),
     (checks.check_threshold_for_recall, "threshold_for_recall", dict(n_samples=200, seed=9)),
     (checks.check_threshold_for_recall, "threshold_for_recall", dict(seed=10, target=0.8,
                                                                      ties=False)),
     (checks.check_threshold_for_recall, "threshold_for_recall", dict(dtype=np.float32)),
     (checks.check_random_search, "random_search", {}),
     (checks.check_random_search, "random_search", dict(n_trials=1, seed=12)),
     (checks.check_honest_fit, "honest_fit", {}),
     (checks.check_honest_fit, "honest_fit", dict(n_samples=80, n_features=50, seed=15)),
     (checks.check_leak_inflation, "leak_inflation", {}),
     (checks.check_select_then_test, "select_then_test", {}),
     (checks.check_select_then_test, "select_then_test", dict(seed=17))],
)
def test_reference_answers_pass(solution, check, name, kwargs):
    check(solution[name], **kwargs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_answers_pass_other_seeds(solution, seed):
    checks.check_stratified_kfold(solution["stratified_kfold"], seed=seed, sort=False)
    checks.check_precision_recall_f1_binary(solution["precision_recall_f1"], seed=seed)
    checks.check_precision_recall_f1_macro(solution["precision_recall_f1"], seed=seed)
    checks.check_threshold_for_recall(solution["threshold_for_recall"], seed=seed)
    checks.check_random_search(solution["random_search"], seed=seed)
    checks.check_honest_fit(solution["honest_fit"], seed=seed)


def test_leaky_score_really_leaks():
    """The premise of task 5: on pure noise the leaky pipeline beats a coin by far, the honest
    one does not."""
    X, y = checks.make_noise_classification()
    mean, std = checks.check_leak_inflation(
        lambda X, y, seeds: checks._leak_reference(X, y, seeds))
    assert mean > 0.15 and mean > 3 * std / np.sqrt(8), (mean, std)


# --- task 1: stratified k-fold --------------------------------------------------------------------

def folds_from_sklearn(y, n_splits):
    return list(StratifiedKFold(n_splits).split(np.zeros(len(y)), y))


def folds_array_split(y, n_splits):
    """Each class cut by np.array_split: stratified, fold sizes less even; valid."""
    y = np.asarray(y)
    fold_of = np.empty(len(y), dtype=int)
    for c in np.unique(y):
        for k, part in enumerate(np.array_split(np.flatnonzero(y == c), n_splits)):
            fold_of[part] = k
    return [(np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k))
            for k in range(n_splits)]


def folds_masks_generator(y, n_splits):
    """Boolean masks, yielded as a generator of lists: valid."""
    for _, test in stratified_kfold_indices(y, n_splits):
        mask = np.zeros(len(y), dtype=bool)
        mask[test] = True
        yield [~mask, mask]


def folds_lists(y, n_splits):
    return [(list(a), list(b)) for a, b in stratified_kfold_indices(y, n_splits)]


@pytest.mark.parametrize("fn", [stratified_kfold_indices, folds_from_sklearn, folds_array_split,
                                folds_masks_generator, folds_lists])
@pytest.mark.parametrize("kwargs", [{}, dict(counts=(20, 3), n_splits=5, sort=False),
                                    dict(counts=(7,), n_splits=3)])
def test_valid_folds_pass(fn, kwargs):
    checks.check_stratified_kfold(fn, **kwargs)


def folds_plain_kfold(y, n_splits):
    n = len(y)
    parts = np.array_split(np.arange(n), n_splits)
    return [(np.setdiff1d(np.arange(n), p), p) for p in parts]


def folds_overlapping(y, n_splits):
    folds = stratified_kfold_indices(y, n_splits)
    train, test = folds[1]
    return [folds[0], (train[1:], np.r_[test, folds[0][1][0]]), *folds[2:]]


def folds_dropping_remainder(y, n_splits):
    y = np.asarray(y)
    fold_of = np.full(len(y), -1)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        size = len(idx) // n_splits
        for k in range(n_splits):
            fold_of[idx[k * size:(k + 1) * size]] = k
    return [(np.flatnonzero((fold_of != k) & (fold_of >= 0)), np.flatnonzero(fold_of == k))
            for k in range(n_splits)]


def folds_train_is_everything(y, n_splits):
    return [(np.arange(len(y)), test) for _, test in stratified_kfold_indices(y, n_splits)]


def folds_train_missing_one(y, n_splits):
    return [(train[1:], test) for train, test in stratified_kfold_indices(y, n_splits)]


FOLD_MISTAKES = {
    "plain k-fold": (folds_plain_kfold, "the folds are not stratified: class 0"),
    "overlap": (folds_overlapping, "the test folds overlap: sample"),
    "remainder dropped": (folds_dropping_remainder, "samples are in no test fold"),
    "train includes test": (folds_train_is_everything, "has samples in both train and test"),
    "train incomplete": (folds_train_missing_one, "should be every sample not in its test fold"),
    "only tests": (lambda y, k: [t for _, t in stratified_kfold_indices(y, k)],
                   "is a single index array"),
    "too few": (lambda y, k: stratified_kfold_indices(y, k)[:-1], "returned 2 folds"),
    "none": (lambda y, k: None, "returned None"),
    "not iterable": (lambda y, k: 3, "got int"),
    "floats": (lambda y, k: [(a + 0.5, b) for a, b in stratified_kfold_indices(y, k)],
               "integer indices"),
    "whole-number floats": (lambda y, k: [(a.astype(float), b.astype(float))
                                          for a, b in stratified_kfold_indices(y, k)],
                            "cannot index an array with floats"),
}


@pytest.mark.parametrize("case", FOLD_MISTAKES, ids=list(FOLD_MISTAKES))
def test_fold_mistakes_are_named(case):
    fn, message = FOLD_MISTAKES[case]
    rejects(checks.check_stratified_kfold, fn, message)


# --- task 2: precision, recall, F1 ----------------------------------------------------------------

def prf_sklearn(y_true, y_pred, average):
    return precision_recall_fscore_support(y_true, y_pred, average=average,
                                           zero_division=0.0)[:3]


def prf_harmonic_guarded(y_true, y_pred, average):
    """F1 as the harmonic mean of P and R, guarded; float32 numbers in a list: valid."""
    labels = [1] if average == "binary" else np.union1d(y_true, y_pred)
    out = []
    for c in labels:
        tp = np.sum((y_true == c) & (y_pred == c))
        pp, tt = np.sum(y_pred == c), np.sum(y_true == c)
        p = tp / pp if pp else 0.0
        r = tp / tt if tt else 0.0
        out.append((p, r, 2 * p * r / (p + r) if p + r else 0.0))
    return [np.float32(v) for v in np.mean(out, axis=0)]


def prf_confusion_matrix(y_true, y_pred, average):
    labels = np.union1d(y_true, y_pred)
    if average == "binary":
        labels = np.array([0, 1])
    C = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    tp = np.diag(C).astype(float)
    pp, tt = C.sum(axis=0), C.sum(axis=1)
    p = np.divide(tp, pp, out=np.zeros_like(tp), where=pp > 0)
    r = np.divide(tp, tt, out=np.zeros_like(tp), where=tt > 0)
    f = np.divide(2 * tp, pp + tt, out=np.zeros_like(tp), where=pp + tt > 0)
    if average == "binary":
        return p[1], r[1], f[1]
    return p.mean(), r.mean(), f.mean()


@pytest.mark.parametrize("fn", [prf_sklearn, prf_harmonic_guarded, prf_confusion_matrix])
@pytest.mark.parametrize("seed", [0, 4])
def test_valid_metrics_pass(fn, seed):
    checks.check_precision_recall_f1_binary(fn, seed=seed)
    checks.check_precision_recall_f1_macro(fn, seed=seed)


def prf_with(transform):
    def fn(y_true, y_pred, average):
        return transform(y_true, y_pred, average)
    return fn


def _swap(y_true, y_pred, average):
    p, r, f = prf_sklearn(y_true, y_pred, average)
    return r, p, f


def _arith(y_true, y_pred, average):
    p, r, _ = prf_sklearn(y_true, y_pred, average)
    return p, r, (p + r) / 2


def _nan(y_true, y_pred, average):
    return precision_recall_fscore_support(y_true, y_pred, average=average,
                                           zero_division=np.nan)[:3]


def _class0(y_true, y_pred, average):
    return precision_recall_fscore_support(y_true, y_pred, average="binary", pos_label=0,
                                           zero_division=0.0)[:3]


def _accuracy(y_true, y_pred, average):
    a = float(np.mean(y_true == y_pred))
    return a, a, a


BINARY_MISTAKES = {
    "swapped": (_swap, "precision and recall are swapped"),
    "arithmetic mean": (_arith, "F1 is the harmonic mean"),
    "nan on 0/0": (_nan, "returned NaN"),
    "class 0": (_class0, "these are the scores of class 0"),
    "accuracy": (_accuracy, "this is the accuracy"),
    "dict": (lambda *a: dict(zip("prf", prf_sklearn(*a))), "returned a dict"),
    "one number": (lambda *a: prf_sklearn(*a)[2], "got float"),
    "two numbers": (lambda *a: prf_sklearn(*a)[:2], "should return 3 values"),
    "none": (lambda *a: None, "returned None"),
}


@pytest.mark.parametrize("case", BINARY_MISTAKES, ids=list(BINARY_MISTAKES))
def test_binary_metric_mistakes_are_named(case):
    fn, message = BINARY_MISTAKES[case]
    rejects(checks.check_precision_recall_f1_binary, fn, message)


def _macro_as(average):
    def fn(y_true, y_pred, avg):
        return prf_sklearn(y_true, y_pred, average if avg == "macro" else avg)
    return fn


def _macro_harmonic(y_true, y_pred, average):
    p, r, f = prf_sklearn(y_true, y_pred, average)
    return (p, r, 2 * p * r / (p + r)) if average == "macro" else (p, r, f)


def _macro_true_labels_only(y_true, y_pred, average):
    if average != "macro":
        return prf_sklearn(y_true, y_pred, average)
    per = precision_recall_fscore_support(y_true, y_pred, labels=np.unique(y_true),
                                          average=None, zero_division=0.0)
    return tuple(float(np.mean(a)) for a in per[:3])


def _macro_swapped(y_true, y_pred, average):
    p, r, f = prf_sklearn(y_true, y_pred, average)
    return (r, p, f) if average == "macro" else (p, r, f)


MACRO_MISTAKES = {
    "micro": (_macro_as("micro"), "this is the MICRO average"),
    "weighted": (_macro_as("weighted"), "this is the WEIGHTED average"),
    "harmonic of means": (_macro_harmonic, "macro F1 is the mean of the per-class F1"),
    "labels of y_true only": (_macro_true_labels_only, "appears only in y_pred"),
    "swapped": (_macro_swapped, "precision and recall are swapped"),
}


@pytest.mark.parametrize("case", MACRO_MISTAKES, ids=list(MACRO_MISTAKES))
def test_macro_metric_mistakes_are_named(case):
    fn, message = MACRO_MISTAKES[case]
    rejects(checks.check_precision_recall_f1_macro, fn, message)


# --- task 3: the threshold for a target recall --------------------------------------------------

def thr_mlopt(y, s, target):
    return metrics.threshold_for_recall(y, s, target)[:2]


def thr_pr_curve(y, s, target):
    p, r, t = precision_recall_curve(y, s)
    ok = np.flatnonzero(r[:-1] >= target)
    return t[ok[-1]], p[ok[-1]]


def thr_midpoint(y, s, target):
    """A threshold halfway to the next lower score gives the same predictions: valid."""
    t, p = metrics.threshold_for_recall(y, s, target)[:2]
    lower = s[s < t]
    return (t + lower.max()) / 2 if lower.size else t - 1.0, p


def thr_float32(y, s, target):
    t, p = metrics.threshold_for_recall(y, s, target)[:2]
    return np.float32(t), np.float32(p)


@pytest.mark.parametrize("fn", [thr_mlopt, thr_pr_curve, thr_midpoint, thr_float32])
@pytest.mark.parametrize("kwargs", [{}, dict(seed=3), dict(dtype=np.float32),
                                    dict(ties=False, target=0.8, seed=1)])
def test_valid_thresholds_pass(fn, kwargs):
    checks.check_threshold_for_recall(fn, **kwargs)


def _neighbour(step):
    def fn(y, s, target):
        t = metrics.threshold_for_recall(y, s, target)[0]
        distinct = np.unique(s)
        k = int(np.flatnonzero(distinct == t)[0]) + step
        t2 = distinct[k]
        pred = s >= t2
        return t2, np.sum(pred & (y == 1)) / pred.sum()
    return fn


def thr_sorted_samples(y, s, target):
    """Walks sample by sample in sorted order: stops inside a group of ties."""
    order = np.argsort(-s, kind="stable")
    tp = np.cumsum(y[order])
    k = int(np.flatnonzero(tp / y.sum() >= target)[0])
    return s[order][k], tp[k] / (k + 1)


def thr_returns_recall(y, s, target):
    t, _, r = metrics.threshold_for_recall(y, s, target)
    return t, r


def thr_strict_precision(y, s, target):
    t = metrics.threshold_for_recall(y, s, target)[0]
    pred = s > t
    return t, np.sum(pred & (y == 1)) / pred.sum()


THRESHOLD_MISTAKES = {
    "one sample too high": (_neighbour(+1), "stops one sample too early (off by one)"),
    "one sample too low": (_neighbour(-1), "one sample too low: off by one"),
    "ties split": (thr_sorted_samples, "ties"),
    "recall for precision": (thr_returns_recall, "this is the recall at the threshold"),
    "strict >": (thr_strict_precision, "scores > threshold"),
    "three values": (lambda y, s, t: metrics.threshold_for_recall(y, s, t),
                     "should return 2 values"),
    "none": (lambda y, s, t: None, "returned None"),
}


@pytest.mark.parametrize("case", THRESHOLD_MISTAKES, ids=list(THRESHOLD_MISTAKES))
def test_threshold_mistakes_are_named(case):
    fn, message = THRESHOLD_MISTAKES[case]
    rejects(checks.check_threshold_for_recall, fn, message)


def thr_strict_recall(y, s, target):
    """`recall > target` instead of `>=`: differs only where a recall equals the target."""
    for t in np.unique(s)[::-1]:
        pred = s >= t
        if np.sum(pred & (y == 1)) / np.sum(y == 1) > target:
            return float(t), float(np.sum(pred & (y == 1)) / pred.sum())


def thr_precision_over_all(y, s, target):
    t, _ = thr_mlopt(y, s, target)
    return t, float(np.sum((s >= t) & (y == 1)) / len(y))


@pytest.mark.parametrize("kwargs", [dict(n_samples=60, seed=1, target=0.9),
                                    dict(n_samples=50, seed=10, target=0.8, ties=False)])
def test_strict_recall_comparison_is_named(kwargs):
    rejects(checks.check_threshold_for_recall, thr_strict_recall, "not > ", **kwargs)


@pytest.mark.parametrize("kwargs", [{}, dict(n_samples=200, seed=9)])
def test_precision_over_all_samples_is_not_called_a_tie_problem(kwargs):
    # the default data have a tie at the answer; the message must name the real mistake
    rejects(checks.check_threshold_for_recall, thr_precision_over_all,
            "divides TP by the number of ALL samples", **kwargs)


def test_the_threshold_data_has_a_tie_at_the_answer():
    y, s = checks.make_scores()
    t = metrics.threshold_for_recall(y, s, 0.95)[0]
    assert np.sum(s == t) >= 2 and set(y[s == t]) == {0, 1}


# --- task 4: random search ------------------------------------------------------------------------

def _draw(rng, low, high, scale):
    if scale == "log":
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))
    return float(low + (high - low) * rng.random())


def search_columns(objective, space, n_trials, rng):
    """All values of one hyper-parameter drawn at once, scipy's loguniform: valid."""
    cols = {}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            cols[name] = scipy.stats.loguniform(low, high).rvs(size=n_trials, random_state=rng)
        else:
            cols[name] = rng.uniform(low, high, size=n_trials)
    trials = [{k: v[i] for k, v in cols.items()} for i in range(n_trials)]
    scores = [objective(p) for p in trials]
    i = int(np.argmax(scores))
    return trials[i], scores[i], scores


def search_with(draw=_draw, calls=lambda n: n, pick="best", same_params=False, rng_of=None):
    def fn(objective, space, n_trials, rng):
        rng = rng if rng_of is None else rng_of(rng)
        trials, scores = [], []
        fixed = {k: draw(rng, *v) for k, v in space.items()}
        for _ in range(calls(n_trials)):
            params = dict(fixed) if same_params else {k: draw(rng, *v) for k, v in space.items()}
            trials.append(params)
            scores.append(objective(params))
        i = {"best": int(np.argmax(scores)), "last": len(scores) - 1,
             "min": int(np.argmin(scores))}[pick]
        return trials[i], scores[i], scores
    return fn


def _global_draw(rng, low, high, scale):
    if scale == "log":
        return 10 ** np.random.uniform(np.log10(low), np.log10(high))  # noqa: NPY002
    return np.random.uniform(low, high)  # noqa: NPY002


def _linear_draw(rng, low, high, scale):
    return float(rng.uniform(low, high))


def _log_everything(rng, low, high, scale):
    low = low if low > 0 else 1e-3
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


@pytest.mark.parametrize("fn", [search_with(), search_columns])
@pytest.mark.parametrize("kwargs", [{}, dict(n_trials=1, seed=5), dict(n_trials=57, seed=6)])
def test_valid_searches_pass(fn, kwargs):
    checks.check_random_search(fn, **kwargs)


SEARCH_MISTAKES = {
    "global np.random": (search_with(draw=_global_draw), "NumPy's global generator"),
    "private default_rng(0)": (search_with(rng_of=lambda rng: np.random.default_rng(0)),
                               "the rng argument is ignored"),
    "linear lr": (search_with(draw=_linear_draw), "have lr < 1e-3"),
    "log alpha": (search_with(draw=_log_everything), "have alpha < 0.5"),
    "over budget": (search_with(calls=lambda n: n + 1), "the budget"),
    "last trial": (search_with(pick="last"), "the last trial's score"),
    "minimum": (search_with(pick="min"), "higher is better"),
    "one draw for all trials": (search_with(same_params=True), "every trial used the same"),
    "no scores": (lambda *a: search_with()(*a)[:2], "should return `best_params, best_score"),
    "none": (lambda *a: None, "returned None"),
}


@pytest.mark.parametrize("case", SEARCH_MISTAKES, ids=list(SEARCH_MISTAKES))
def test_search_mistakes_are_named(case):
    fn, message = SEARCH_MISTAKES[case]
    rejects(checks.check_random_search, fn, message)


def search_refilling_one_dict(objective, space, n_trials, rng):
    params, best, best_score, scores = {}, None, -np.inf, []
    for _ in range(n_trials):
        for name, (low, high, scale) in space.items():
            params[name] = _draw(rng, low, high, scale)
        score = objective(params)
        scores.append(score)
        if score > best_score:
            best, best_score = params, score
    return best, best_score, scores


def test_one_dict_refilled_every_trial_is_named():
    rejects(checks.check_random_search, search_refilling_one_dict, "They are the LAST trial's")


def test_search_is_reproducible_under_its_seed(solution):
    """Same Generator seed, same search; another seed, another search."""
    space = checks.SPACE

    def run(seed):
        return solution["random_search"](checks._objective, space, 30,
                                         np.random.default_rng(seed))

    a, b, c = run(3), run(3), run(4)
    assert a[2] == b[2] and a[0] == b[0]
    assert a[2] != c[2]


# --- task 5: the leak -------------------------------------------------------------------------

def _split(X, y, seed):
    return train_test_split(X, y, test_size=checks.TEST_SIZE, random_state=seed, stratify=y)


def honest_named_pipeline(X, y, seed):
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)
    model = Pipeline([("scale", StandardScaler()),
                      ("select", SelectKBest(f_classif, k=checks.K_BEST)),
                      ("clf", LogisticRegression())]).fit(X_tr, y_tr)
    return model, float(np.mean(model.predict(X_te) == y_te))


def test_valid_honest_fit_passes():
    checks.check_honest_fit(honest_named_pipeline)
    checks.check_honest_fit(honest_named_pipeline, seed=3)


def fit_scaler_on_all(X, y, seed):
    scaler = StandardScaler().fit(X)
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)

    class Frozen(StandardScaler):
        def fit(self, X, y=None):
            self.mean_, self.scale_ = scaler.mean_, scaler.scale_
            self.var_, self.n_features_in_ = scaler.var_, scaler.n_features_in_
            return self

    model = make_pipeline(Frozen(), SelectKBest(f_classif, k=checks.K_BEST),
                          LogisticRegression()).fit(X_tr, y_tr)
    return model, model.score(X_te, y_te)


def fit_selection_on_all(X, y, seed):
    chosen = SelectKBest(f_classif, k=checks.K_BEST).fit(X, y)
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)

    class Frozen(SelectKBest):
        def fit(self, X, y=None):
            self.scores_, self.pvalues_ = chosen.scores_, chosen.pvalues_
            self.n_features_in_ = chosen.n_features_in_
            return self

    model = make_pipeline(StandardScaler(), Frozen(f_classif, k=checks.K_BEST),
                          LogisticRegression()).fit(X_tr, y_tr)
    return model, model.score(X_te, y_te)


def fit_on_everything(X, y, seed):
    _, X_te, _, y_te = _split(X, y, seed)
    model = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=checks.K_BEST),
                          LogisticRegression()).fit(X, y)
    return model, model.score(X_te, y_te)


def score_on_train(X, y, seed):
    X_tr, _, y_tr, _ = _split(X, y, seed)
    model, _ = honest_named_pipeline(X, y, seed)
    return model, model.score(X_tr, y_tr)


def only_the_classifier(X, y, seed):
    model, score = honest_named_pipeline(X, y, seed)
    return model[-1], score


def standardize_all_then_split(X, y, seed):
    """The most common form of the leak: X standardized as a whole, then split."""
    X_tr, X_te, y_tr, y_te = _split(StandardScaler().fit_transform(X), y, seed)
    model = make_pipeline(SelectKBest(f_classif, k=checks.K_BEST),
                          LogisticRegression()).fit(X_tr, y_tr)
    return model, model.score(X_te, y_te)


def no_scaler(X, y, seed):
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)
    model = make_pipeline(SelectKBest(f_classif, k=checks.K_BEST),
                          LogisticRegression()).fit(X_tr, y_tr)
    return model, model.score(X_te, y_te)


LEAK_MISTAKES = {
    "standardized before the split": (standardize_all_then_split,
                                      "X was standardized as a whole before the split"),
    "no scaler": (no_scaler, "the Pipeline has no StandardScaler step"),
    "scaler on all data": (fit_scaler_on_all, "a scaler fitted on all the data"),
    "selection on all data": (fit_selection_on_all, "feature selection was fitted on all the"),
    "fitted on everything": (fit_on_everything, "the test set was used for fitting"),
    "scored on train": (score_on_train, "accuracy on the training split"),
    "classifier only": (only_the_classifier, "Return the whole fitted Pipeline"),
    "leaky score": (lambda X, y, s: (honest_named_pipeline(X, y, s)[0],
                                     checks.leaky_score(X, y, s)), "the leaky pipeline's score"),
    "score only": (lambda X, y, s: honest_named_pipeline(X, y, s)[1], "got float"),
}


@pytest.mark.parametrize("case", LEAK_MISTAKES, ids=list(LEAK_MISTAKES))
def test_leak_mistakes_are_named(case):
    fn, message = LEAK_MISTAKES[case]
    rejects(checks.check_honest_fit, fn, message)


def _honest(X, y, s):
    return honest_named_pipeline(X, y, s)[1]


INFLATION_MISTAKES = {
    "sign": (lambda X, y, seeds: np.mean([_honest(X, y, s) - checks.leaky_score(X, y, s)
                                          for s in seeds]), "the sign is flipped"),
    "first seed": (lambda X, y, seeds: checks.leaky_score(X, y, seeds[0])
                   - _honest(X, y, seeds[0]), "only the first seed"),
    "leaky mean": (lambda X, y, seeds: np.mean([checks.leaky_score(X, y, s) for s in seeds]),
                   "the mean leaky score"),
}


@pytest.mark.parametrize("case", INFLATION_MISTAKES, ids=list(INFLATION_MISTAKES))
def test_inflation_mistakes_are_named(case):
    fn, message = INFLATION_MISTAKES[case]
    rejects(checks.check_leak_inflation, fn, message)


# --- task 6: select on validation, test once ----------------------------------------------------

def select_refit(Cs, X_tr, y_tr, X_va, y_va, X_te, y_te):
    val = [LogisticRegression(C=C).fit(X_tr, y_tr).score(X_va, y_va) for C in Cs]
    C = Cs[int(np.argmax(val))]
    model = LogisticRegression(C=C).fit(np.vstack([X_tr, X_va]), np.r_[y_tr, y_va])
    return C, model.score(X_te, y_te)


def test_refit_on_train_and_validation_is_accepted():
    checks.check_select_then_test(select_refit)


def _select_by(split):
    def fn(Cs, X_tr, y_tr, X_va, y_va, X_te, y_te):
        data = {"train": (X_tr, y_tr), "val": (X_va, y_va), "test": (X_te, y_te)}[split]
        models = [LogisticRegression(C=C).fit(X_tr, y_tr) for C in Cs]
        i = int(np.argmax([m.score(*data) for m in models]))
        return Cs[i], models[i].score(X_te, y_te)
    return fn


def _report_validation(Cs, X_tr, y_tr, X_va, y_va, X_te, y_te):
    models = [LogisticRegression(C=C).fit(X_tr, y_tr) for C in Cs]
    val = [m.score(X_va, y_va) for m in models]
    i = int(np.argmax(val))
    return Cs[i], val[i]


def _select_last_of_ties(Cs, X_tr, y_tr, X_va, y_va, X_te, y_te):
    models = [LogisticRegression(C=C).fit(X_tr, y_tr) for C in Cs]
    val = [m.score(X_va, y_va) for m in models]
    i = len(val) - 1 - int(np.argmax(val[::-1]))
    return Cs[i], models[i].score(X_te, y_te)


SELECT_MISTAKES = {
    "selected on test": (_select_by("test"), "the test set was used for selection"),
    "selected on train": (_select_by("train"), "best TRAINING accuracy"),
    "validation score reported": (_report_validation, "is the validation accuracy"),
    "last of tied C": (_select_last_of_ties, "on a tie take the first C"),
}


def test_a_tie_broken_the_other_way_is_not_called_test_set_selection():
    # seed 17: the last of the tied C values is also the best on the test split; the learner
    # chose on validation, so the message must speak of the tie, not of the test set
    rejects(checks.check_select_then_test, _select_last_of_ties, "on a tie take the first C",
            seed=17)


@pytest.mark.parametrize("case", SELECT_MISTAKES, ids=list(SELECT_MISTAKES))
def test_select_mistakes_are_named(case):
    fn, message = SELECT_MISTAKES[case]
    rejects(checks.check_select_then_test, fn, message)
