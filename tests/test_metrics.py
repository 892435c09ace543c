"""mlopt.metrics and mlopt.model_selection equal scikit-learn's, edge cases included."""

import warnings

import numpy as np
import pytest
import sklearn.calibration
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold, StratifiedKFold

from mlopt import metrics
from mlopt.model_selection import kfold_indices, stratified_kfold_indices

ZERO_DIVISION = ["warn", 0.0, 1.0, np.nan]
AVERAGES = [None, "micro", "macro", "weighted"]


@st.composite
def label_pairs(draw, max_classes=4, min_size=1, max_size=25):
    """Label vectors, often degenerate: one class only, a class only predicted, nothing
    predicted positive."""
    n = draw(st.integers(min_size, max_size))
    k = draw(st.integers(1, max_classes))
    labels = st.integers(0, k - 1)
    y_true = np.array(draw(st.lists(labels, min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(labels, min_size=n, max_size=n)))
    return y_true, y_pred


def _same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, equal_nan=True, atol=1e-12)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@settings(max_examples=150, deadline=None)
@given(label_pairs())
def test_confusion_matrix_equals_sklearn(pair):
    y_true, y_pred = pair
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred),
                          _quiet(skm.confusion_matrix, y_true, y_pred))
    labels = [2, 0, 7, 3, 1]  # another order, and a label that never occurs
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, labels=labels),
                          skm.confusion_matrix(y_true, y_pred, labels=labels))
    assert metrics.accuracy_score(y_true, y_pred) == pytest.approx(
        skm.accuracy_score(y_true, y_pred))


@settings(max_examples=150, deadline=None)
@given(label_pairs(), st.sampled_from(AVERAGES), st.sampled_from(ZERO_DIVISION),
       st.sampled_from([0.5, 1.0, 2.0]))
def test_precision_recall_fscore_equal_sklearn(pair, average, zero_division, beta):
    y_true, y_pred = pair
    ours = _quiet(metrics.precision_recall_fscore_support, y_true, y_pred, beta=beta,
                  average=average, zero_division=zero_division)
    ref = _quiet(skm.precision_recall_fscore_support, y_true, y_pred, beta=beta,
                 average=average, zero_division=zero_division)
    for a, b in zip(ours[:3], ref[:3]):
        assert _same(a, b), (ours, ref)
    assert (ours[3] is None) == (ref[3] is None)
    if ref[3] is not None:
        assert np.array_equal(ours[3], ref[3])


@settings(max_examples=150, deadline=None)
@given(label_pairs(max_classes=2), st.sampled_from(ZERO_DIVISION))
def test_binary_scores_equal_sklearn(pair, zero_division):
    """Binary average, including one class present and no sample predicted positive."""
    y_true, y_pred = pair
    for ours, ref in ((metrics.precision_score, skm.precision_score),
                      (metrics.recall_score, skm.recall_score),
                      (metrics.f1_score, skm.f1_score)):
        a = _quiet(ours, y_true, y_pred, zero_division=zero_division)
        b = _quiet(ref, y_true, y_pred, zero_division=zero_division)
        assert _same(a, b), (ours.__name__, y_true, y_pred, a, b)


@pytest.mark.parametrize("zero_division", ZERO_DIVISION)
def test_named_edge_cases(zero_division):
    cases = [
        (np.zeros(5, int), np.zeros(5, int)),          # a single class, no positive anywhere
        (np.ones(4, int), np.ones(4, int)),            # a single class, all positive
        (np.array([0, 1, 1, 0]), np.zeros(4, int)),   # nothing predicted positive
        (np.array([0, 0, 0]), np.array([0, 1, 0])),   # positives only predicted
        (np.array([1]), np.array([0])),               # one sample
    ]
    for y_true, y_pred in cases:
        for average in ["binary", "micro", "macro", "weighted", None]:
            a = _quiet(metrics.precision_recall_fscore_support, y_true, y_pred,
                       average=average, zero_division=zero_division)
            b = _quiet(skm.precision_recall_fscore_support, y_true, y_pred,
                       average=average, zero_division=zero_division)
            for u, v in zip(a[:3], b[:3]):
                assert _same(u, v), (y_true, y_pred, average, a, b)


def test_warns_like_sklearn_on_zero_division():
    with pytest.warns(skm._classification.UndefinedMetricWarning):
        metrics.precision_score([0, 1], [0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.precision_score([0, 1], [0, 0], zero_division=0.0)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="different lengths"):
        metrics.precision_score([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        metrics.f1_score([], [])
    with pytest.raises(ValueError, match="at most two labels"):
        metrics.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="pos_label=2"):
        metrics.f1_score([0, 1], [0, 1], pos_label=2)
    with pytest.raises(ValueError, match="average"):
        metrics.f1_score([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="Only one class"):
        metrics.roc_auc_score([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.brier_score_loss([0, 1], [0.2, 1.3])
    with pytest.raises(ValueError, match="no positive"):
        metrics.threshold_for_recall([0, 0], [0.2, 0.3], 0.9)


@st.composite
def scored_labels(draw, min_size=1, max_size=30):
    """Binary labels with scores on a coarse grid, so that ties are frequent."""
    n = draw(st.integers(min_size, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    levels = draw(st.integers(2, 12))
    s = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n))) / levels
    return y, s


@settings(max_examples=200, deadline=None)
@given(scored_labels(), st.booleans())
def test_roc_and_pr_curves_equal_sklearn(pair, drop):
    y, s = pair
    for ours, ref in ((metrics.roc_curve, skm.roc_curve),
                      (metrics.precision_recall_curve, skm.precision_recall_curve)):
        a = _quiet(ours, y, s, drop_intermediate=drop)
        b = _quiet(ref, y, s, drop_intermediate=drop)
        for u, v in zip(a, b):
            assert _same(u, v), (ours.__name__, y, s, a, b)
    assert _same(_quiet(metrics.average_precision_score, y, s),
                 _quiet(skm.average_precision_score, y, s))
    if 0 < y.sum() < y.size:
        assert metrics.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
        # AUC = P(score of a positive > score of a negative), ties count 1/2
        pos, neg = s[y == 1], s[y == 0]
        wins = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        assert metrics.roc_auc_score(y, s) == pytest.approx(wins.mean(), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(scored_labels(), st.integers(1, 8))
def test_brier_and_calibration_equal_sklearn(pair, n_bins):
    y, p = pair
    if np.unique(y).size == 2:  # scikit-learn needs both labels to know which one is positive
        assert metrics.brier_score_loss(y, p) == pytest.approx(skm.brier_score_loss(y, p))
    else:
        assert metrics.brier_score_loss(y, p) == pytest.approx(
            skm.brier_score_loss(y, p, pos_label=1))
    a = metrics.calibration_curve(y, p, n_bins=n_bins)
    b = sklearn.calibration.calibration_curve(y, p, n_bins=n_bins, pos_label=1)
    for u, v in zip(a, b):
        assert _same(u, v)


@settings(max_examples=200, deadline=None)
@given(scored_labels(), st.sampled_from([0.5, 0.8, 0.95, 1.0]))
def test_threshold_for_recall_is_the_largest_that_reaches_the_target(pair, target):
    y, s = pair
    if y.sum() == 0:
        return
    t, precision, recall = metrics.threshold_for_recall(y, s, target)
    pred = (s >= t).astype(int)
    assert recall == pytest.approx(skm.recall_score(y, pred)) and recall >= target
    assert precision == pytest.approx(skm.precision_score(y, pred))
    higher = s[s > t]
    if higher.size:  # the next larger score misses the target
        assert skm.recall_score(y, (s >= higher.min()).astype(int)) < target


def test_threshold_for_recall_counts_tied_scores_together():
    # the two samples at 0.5 cross the threshold together: recall jumps from 1/4 to 3/4
    y = np.array([1, 1, 0, 1, 0, 1])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.3, 0.2])
    assert metrics.threshold_for_recall(y, s, 0.5) == pytest.approx((0.5, 0.75, 0.75))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 40), st.integers(2, 6), st.booleans(), st.integers(0, 1000))
def test_kfold_equals_sklearn(n, k, shuffle, seed):
    if k > n:
        with pytest.raises(ValueError, match="n_splits"):
            kfold_indices(n, k)
        return
    ours = kfold_indices(n, k, shuffle=shuffle, random_state=seed if shuffle else None)
    ref = KFold(k, shuffle=shuffle, random_state=seed if shuffle else None).split(np.zeros(n))
    for (a_train, a_test), (b_train, b_test) in zip(ours, ref, strict=True):
        assert np.array_equal(a_train, b_train) and np.array_equal(a_test, b_test)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=2, max_size=40), st.integers(2, 5), st.booleans(),
       st.integers(0, 1000))
def test_stratified_kfold_equals_sklearn(labels, k, shuffle, seed):
    y = np.array(labels)
    rs = seed if shuffle else None
    counts = np.unique(y, return_counts=True)[1]
    if np.all(k > counts):
        with pytest.raises(ValueError, match="n_splits"):
            stratified_kfold_indices(y, k)
        return
    ours = _quiet(stratified_kfold_indices, y, k, shuffle=shuffle, random_state=rs)
    ref = _quiet(lambda: list(StratifiedKFold(k, shuffle=shuffle, random_state=rs)
                              .split(np.zeros(len(y)), y)))
    for (a_train, a_test), (b_train, b_test) in zip(ours, ref, strict=True):
        assert np.array_equal(a_train, b_train) and np.array_equal(a_test, b_test)
    # and the property itself: a partition, each class split as evenly as possible
    tests = np.concatenate([test for _, test in ours])
    assert np.array_equal(np.sort(tests), np.arange(len(y)))
    for c, n_c in zip(*np.unique(y, return_counts=True)):
        per_fold = [np.sum(y[test] == c) for _, test in ours]
        assert max(per_fold) - min(per_fold) <= 1 and sum(per_fold) == n_c


def test_stratified_kfold_warns_on_a_small_class():
    with pytest.warns(UserWarning, match="least populated class"):
        stratified_kfold_indices([0, 0, 0, 0, 1], 3)
