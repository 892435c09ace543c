r"""Classification metrics written from their definitions, each equal to ``sklearn.metrics``.

Lesson 11 derives every function here and checks it against scikit-learn; the course uses
scikit-learn's versions everywhere else. The names, arguments and edge cases (``pos_label``,
``average``, ``zero_division``, ties in the scores, a single class present, no predicted
positive) follow scikit-learn, so that a learner can read either.

Counting convention: with the positive class :math:`c`, a sample is a true positive (TP) if
its label and prediction are both :math:`c`, a false positive (FP) if only the prediction is,
a false negative (FN) if only the label is. Then

.. math::

    \text{precision} = \frac{TP}{TP + FP},\qquad
    \text{recall} = \frac{TP}{TP + FN},\qquad
    F_\beta = \frac{(1 + \beta^2)\,TP}{(1 + \beta^2)\,TP + \beta^2 FN + FP}.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

__all__ = [
    "confusion_matrix",
    "accuracy_score",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "f1_score",
    "roc_curve",
    "roc_auc_score",
    "precision_recall_curve",
    "average_precision_score",
    "brier_score_loss",
    "calibration_curve",
    "threshold_for_recall",
]

_AVERAGES = (None, "binary", "micro", "macro", "weighted")


def _labels_pair(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D, got shapes {y_true.shape} and "
                         f"{y_pred.shape}")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred have different lengths: {y_true.shape[0]} and "
                         f"{y_pred.shape[0]}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: a metric needs at least one sample")
    return y_true, y_pred


def confusion_matrix(y_true, y_pred, *, labels=None):
    """Count how often each true label was predicted as each label.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n_samples,)
        True and predicted labels.
    labels : array_like, shape (n_classes,), optional
        The labels, in the order of the rows and columns; default: the sorted union of the
        labels in ``y_true`` and ``y_pred``. Samples whose labels are not listed are ignored.

    Returns
    -------
    ndarray of int, shape (n_classes, n_classes)
        ``C[i, j]`` = number of samples with true label ``labels[i]`` predicted as
        ``labels[j]``: rows are the truth, columns the prediction. For two classes
        ``[0, 1]`` this reads ``[[TN, FP], [FN, TP]]``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D, differ in length, or are empty.

    References
    ----------
    .. [1] ``sklearn.metrics.confusion_matrix``;
       ``notebooks/11_generalization_and_model_selection.ipynb``, section 3.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 0], [0, 1, 0, 1])
    array([[1, 1],
           [1, 1]])
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    k = len(labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    t = np.array([index.get(v, -1) for v in y_true.tolist()], dtype=int)
    p = np.array([index.get(v, -1) for v in y_pred.tolist()], dtype=int)
    keep = (t >= 0) & (p >= 0)
    return np.bincount(t[keep] * k + p[keep], minlength=k * k).reshape(k, k)


def accuracy_score(y_true, y_pred):
    """The fraction of samples predicted correctly, ``mean(y_true == y_pred)``.

    Examples
    --------
    >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def _divide(num, den, zero_division):
    """``num / den`` entrywise; where ``den == 0`` the value of ``zero_division``
    (``"warn"`` means 0.0, as in scikit-learn)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = num / np.where(den == 0, 1.0, den)
    value = 0.0 if isinstance(zero_division, str) else float(zero_division)
    return np.where(den == 0, value, out)


def _nanaverage(a, weights=None):
    keep = ~np.isnan(a)
    if not keep.any():
        return float("nan")
    if weights is None or np.sum(np.asarray(weights)[keep]) == 0:
        return float(np.mean(a[keep]))
    return float(np.average(a[keep], weights=np.asarray(weights)[keep]))


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, average=None, pos_label=1,
                                    zero_division="warn"):
    r"""Precision, recall, :math:`F_\beta` and support, per class or averaged.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n_samples,)
        True and predicted labels.
    beta : float, default=1.0
        Weight of recall in the F-score (:math:`\beta = 1`: the harmonic mean :math:`F_1`).
    average : {None, "binary", "micro", "macro", "weighted"}, default=None
        ``None``: one value per class (the sorted union of the labels). ``"binary"``: the
        class ``pos_label`` only (at most two labels may be present). ``"micro"``: pool the
        TP, FP, FN counts of all classes, then divide (for single-label data, micro precision
        = micro recall = micro F = accuracy). ``"macro"``: the plain mean of the per-class
        values (each class counts the same, however rare). ``"weighted"``: their mean
        weighted by the support (the number of true samples of each class).
    pos_label : int or str, default=1
        The positive class for ``average="binary"``.
    zero_division : {"warn", 0.0, 1.0, nan}, default="warn"
        The value of a ratio whose denominator is 0 (no predicted positive for precision, no
        true positive sample for recall, neither for F). ``"warn"`` gives 0.0 and an
        ``UndefinedMetricWarning``. Averages ignore NaN entries.

    Returns
    -------
    precision, recall, fbeta : float or ndarray of shape (n_classes,)
    support : ndarray of int, shape (n_classes,), or None when averaged

    Raises
    ------
    ValueError
        For an unknown ``average``; for ``average="binary"`` with more than two labels, or
        with two labels present of which none is ``pos_label``.

    Notes
    -----
    For each class :math:`c` (one against the rest): :math:`TP_c`, :math:`FP_c`,
    :math:`FN_c` from the confusion matrix :math:`C` (rows = truth): :math:`TP_c = C_{cc}`,
    :math:`FP_c = \sum_i C_{ic} - C_{cc}`, :math:`FN_c = \sum_j C_{cj} - C_{cc}`. The
    F-score is computed from the counts, :math:`(1+\beta^2)TP / ((1+\beta^2)TP + \beta^2 FN
    + FP)`, which equals the weighted harmonic mean of precision and recall whenever both
    are defined.

    References
    ----------
    .. [1] ``sklearn.metrics.precision_recall_fscore_support``.
    .. [2] ``notebooks/11_generalization_and_model_selection.ipynb``, section 3.

    Examples
    --------
    >>> y_true = [0, 0, 0, 0, 1, 1, 2, 2]
    >>> y_pred = [0, 0, 1, 2, 1, 1, 2, 0]
    >>> p, r, f, s = precision_recall_fscore_support(y_true, y_pred)
    >>> p, r, s
    (array([0.6667, 0.6667, 0.5   ]), array([0.5, 1. , 0.5]), array([4, 2, 2]))
    >>> precision_recall_fscore_support(y_true, y_pred, average="macro")[:3]
    (0.6111, 0.6667, 0.6)
    >>> precision_recall_fscore_support(y_true, y_pred, average="micro")[:3]
    (0.625, 0.625, 0.625)
    """
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    if not (zero_division == "warn" or zero_division in (0, 1) or np.isnan(zero_division)):
        raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or nan, got {zero_division!r}")
    y_true, y_pred = _labels_pair(y_true, y_pred)
    present = np.union1d(y_true, y_pred)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"average='binary' needs at most two labels, got {len(present)}: "
                             f"{present}. Choose average='micro', 'macro' or 'weighted'.")
        if pos_label not in present.tolist() and len(present) == 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one "
                             f"of {present}")
        labels = np.array([pos_label])
    else:
        labels = present
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels])
    pred = np.array([np.sum(y_pred == c) for c in labels])
    true = np.array([np.sum(y_true == c) for c in labels])
    if average == "micro":
        tp, pred, true = tp.sum(keepdims=True), pred.sum(keepdims=True), true.sum(keepdims=True)
    precision = _divide(tp, pred, zero_division)
    recall = _divide(tp, true, zero_division)
    b2 = beta ** 2
    fscore = _divide((1 + b2) * tp, b2 * true + pred, zero_division)
    if zero_division == "warn":
        for name, den, why in (("Precision", pred, "predicted"), ("Recall", true, "true")):
            if np.any(den == 0):
                warnings.warn(f"{name} is ill-defined and being set to 0.0: no {why} samples "
                              "in some label. Use `zero_division` to control this.",
                              UndefinedMetricWarning, stacklevel=2)
    if average is None:
        return precision, recall, fscore, true
    weights = true if average == "weighted" else None
    return (_nanaverage(precision, weights), _nanaverage(recall, weights),
            _nanaverage(fscore, weights), None)


def precision_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division="warn"):
    """TP / (TP + FP): of the samples predicted positive, the fraction that are.

    See :func:`precision_recall_fscore_support` for the arguments.

    Examples
    --------
    >>> precision_score([0, 1, 1, 0], [1, 1, 1, 0])
    0.6667
    """
    return precision_recall_fscore_support(y_true, y_pred, average=average, pos_label=pos_label,
                                           zero_division=zero_division)[0]


def recall_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division="warn"):
    """TP / (TP + FN): of the positive samples, the fraction predicted positive.

    See :func:`precision_recall_fscore_support` for the arguments.

    Examples
    --------
    >>> recall_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return precision_recall_fscore_support(y_true, y_pred, average=average, pos_label=pos_label,
                                           zero_division=zero_division)[1]


def f1_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division="warn"):
    """2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall.

    See :func:`precision_recall_fscore_support` for the arguments.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return precision_recall_fscore_support(y_true, y_pred, average=average, pos_label=pos_label,
                                           zero_division=zero_division)[2]


def _binary_scores(y_true, y_score, pos_label):
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    if y_true.ndim != 1 or y_true.shape != y_score.shape:
        raise ValueError(f"y_true and y_score must be 1-D of the same length, got shapes "
                         f"{y_true.shape} and {y_score.shape}")
    if y_true.size == 0:
        raise ValueError("y_true and y_score are empty")
    classes = np.unique(y_true)
    if len(classes) > 2:
        raise ValueError(f"y_true must be binary, got {len(classes)} classes {classes}")
    if len(classes) == 2 and pos_label not in classes.tolist():
        raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one of "
                         f"{classes}")
    if not np.all(np.isfinite(y_score)):
        raise ValueError("y_score contains NaN or infinity")
    return (y_true == pos_label).astype(float), y_score


def _counts_at_thresholds(y, score):
    """FP and TP counts when predicting positive for ``score >= t``, for each distinct score
    ``t``, largest first; and those thresholds."""
    order = np.argsort(score, kind="mergesort")[::-1]
    score, y = score[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score)), y.size - 1]
    tps = np.cumsum(y)[last_of_tie]
    fps = 1 + last_of_tie - tps
    return fps, tps, score[last_of_tie]


def roc_curve(y_true, y_score, *, pos_label=1, drop_intermediate=True):
    r"""The ROC curve: false-positive rate against true-positive rate (recall), per threshold.

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
        Binary labels.
    y_score : array_like, shape (n_samples,)
        Scores or probabilities; a larger score means "more likely positive". A sample is
        predicted positive when ``y_score >= threshold``.
    pos_label : int or str, default=1
    drop_intermediate : bool, default=True
        Drop the thresholds whose point lies on a straight segment between its neighbours
        (they do not change the curve or its area), as scikit-learn does.

    Returns
    -------
    fpr, tpr, thresholds : ndarray, shape (n_thresholds,)
        ``thresholds[0] = inf`` (nothing predicted positive: the point (0, 0)), then the
        distinct scores in decreasing order. A rate whose denominator is 0 (no negative or
        no positive sample) is NaN, with an ``UndefinedMetricWarning``.

    Notes
    -----
    Sort the scores in decreasing order; lowering the threshold past a score turns its
    samples positive, so the TP and FP counts are cumulative sums of :math:`y` and
    :math:`1 - y` taken at the last sample of each group of tied scores. Then
    :math:`\mathrm{TPR} = TP / P` and :math:`\mathrm{FPR} = FP / N`.

    References
    ----------
    .. [1] T. Fawcett, "An introduction to ROC analysis", *Pattern Recognition Letters* 27,
       2006.
    .. [2] ``sklearn.metrics.roc_curve``;
       ``notebooks/11_generalization_and_model_selection.ipynb``, section 3.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr
    array([0. , 0. , 0.5, 0.5, 1. ])
    >>> tpr
    array([0. , 0.5, 0.5, 1. , 1. ])
    >>> thr
    array([ inf, 0.8 , 0.4 , 0.35, 0.1 ])
    """
    y, score = _binary_scores(y_true, y_score, pos_label)
    fps, tps, thresholds = _counts_at_thresholds(y, score)
    if drop_intermediate and fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    rates = []
    for counts, what in ((fps, "negative"), (tps, "positive")):
        if counts[-1] <= 0:
            warnings.warn(f"No {what} samples in y_true, the rate is undefined (NaN)",
                          UndefinedMetricWarning, stacklevel=2)
            rates.append(np.full(counts.shape, np.nan))
        else:
            rates.append(counts / counts[-1])
    return rates[0], rates[1], thresholds


def roc_auc_score(y_true, y_score, *, pos_label=1):
    r"""Area under the ROC curve, by the trapezoidal rule.

    It equals the probability that a random positive sample scores higher than a random
    negative one, ties counting one half (the Mann-Whitney statistic :math:`U / (PN)`).

    Raises
    ------
    ValueError
        If only one class is present in ``y_true`` (the area is then undefined).

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y, _ = _binary_scores(y_true, y_score, pos_label)
    if y.min() == y.max():
        raise ValueError("Only one class is present in y_true. ROC AUC score is not defined "
                         "in that case.")
    fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=pos_label, drop_intermediate=True)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def precision_recall_curve(y_true, y_score, *, pos_label=1, drop_intermediate=False):
    """Precision and recall for each threshold, recall decreasing, ending at (recall 0,
    precision 1).

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
        Binary labels.
    y_score : array_like, shape (n_samples,)
        Scores; predict positive when ``y_score >= threshold``.
    pos_label : int or str, default=1
    drop_intermediate : bool, default=False
        Keep only the first and last threshold of each run of equal TP counts.

    Returns
    -------
    precision, recall : ndarray, shape (n_thresholds + 1,)
        The last entries are 1 and 0 (no sample predicted positive), by convention.
    thresholds : ndarray, shape (n_thresholds,)
        The distinct scores, increasing.

    Notes
    -----
    With no positive sample in ``y_true``, recall is set to 1 at every threshold (with a
    warning), as scikit-learn does.

    Examples
    --------
    >>> p, r, t = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p
    array([0.5   , 0.6667, 0.5   , 1.    , 1.    ])
    >>> r
    array([1. , 1. , 0.5, 0.5, 0. ])
    >>> t
    array([0.1 , 0.35, 0.4 , 0.8 ])
    """
    y, score = _binary_scores(y_true, y_score, pos_label)
    fps, tps, thresholds = _counts_at_thresholds(y, score)
    if drop_intermediate and fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    precision = np.where(predicted != 0, tps / np.where(predicted == 0, 1, predicted), 0.0)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds.", UserWarning, stacklevel=2)
        recall = np.ones_like(tps, dtype=float)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def average_precision_score(y_true, y_score, *, pos_label=1):
    r"""Average precision: :math:`\sum_k (R_k - R_{k-1}) P_k`, the precision averaged over
    the recall levels, without interpolation.

    Examples
    --------
    >>> average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8333
    """
    precision, recall, _ = precision_recall_curve(y_true, y_score, pos_label=pos_label)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def brier_score_loss(y_true, y_proba, *, pos_label=1):
    r"""The Brier score :math:`\frac1n\sum_i (p_i - y_i)^2` of probabilities of the positive
    class; 0 is perfect, 0.25 is what the constant 1/2 scores.

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
        Binary labels.
    y_proba : array_like, shape (n_samples,)
        Predicted probability of ``pos_label``, in [0, 1].

    Raises
    ------
    ValueError
        If a probability lies outside [0, 1], or ``y_true`` has more than two labels.

    Examples
    --------
    >>> brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])
    0.0375
    """
    y, p = _binary_scores(y_true, y_proba, pos_label)
    if p.min() < 0 or p.max() > 1:
        raise ValueError(f"y_proba must lie in [0, 1], got values in [{p.min()}, {p.max()}]")
    return float(np.mean((p - y) ** 2))


def calibration_curve(y_true, y_prob, *, n_bins=5, pos_label=1):
    """The reliability diagram: in each probability bin, the fraction of positives against the
    mean predicted probability.

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
    y_prob : array_like, shape (n_samples,)
        Probabilities in [0, 1].
    n_bins : int, default=5
        Equal-width bins on [0, 1]; empty bins are left out.

    Returns
    -------
    prob_true, prob_pred : ndarray, shape (n_nonempty_bins,)
        Observed frequency of the positive class and mean predicted probability per bin. A
        calibrated model has ``prob_true ≈ prob_pred`` (the diagonal).

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], n_bins=2)
    (array([0., 1.]), array([0.2 , 0.75]))
    """
    y, p = _binary_scores(y_true, y_prob, pos_label)
    if p.min() < 0 or p.max() > 1:
        raise ValueError(f"y_prob must lie in [0, 1], got values in [{p.min()}, {p.max()}]")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], p)
    total = np.bincount(bins, minlength=n_bins)
    full = total != 0
    prob_true = np.bincount(bins, weights=y, minlength=n_bins)[full] / total[full]
    prob_pred = np.bincount(bins, weights=p, minlength=n_bins)[full] / total[full]
    return prob_true, prob_pred


def threshold_for_recall(y_true, y_score, target_recall, *, pos_label=1):
    """The largest threshold whose recall reaches ``target_recall``, with its precision.

    Predicting positive for ``y_score >= threshold``, recall can only grow as the threshold
    falls; the largest threshold that reaches the target keeps the most precision.

    Parameters
    ----------
    y_true : array_like, shape (n_samples,)
        Binary labels with at least one positive.
    y_score : array_like, shape (n_samples,)
    target_recall : float in (0, 1]

    Returns
    -------
    threshold : float
        One of the scores (so that ``y_score >= threshold`` gives the reported rates).
    precision, recall : float
        At that threshold.

    Raises
    ------
    ValueError
        If ``y_true`` has no positive sample or ``target_recall`` is not in (0, 1].

    Examples
    --------
    >>> threshold_for_recall([0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.9], 0.9)
    (0.35, 0.75, 1.0)
    """
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall!r}")
    y, score = _binary_scores(y_true, y_score, pos_label)
    if y.sum() == 0:
        raise ValueError("y_true has no positive sample: recall is undefined")
    fps, tps, thresholds = _counts_at_thresholds(y, score)
    recall = tps / tps[-1]
    k = int(np.flatnonzero(recall >= target_recall)[0])  # thresholds decrease with k
    return float(thresholds[k]), float(tps[k] / (tps[k] + fps[k])), float(recall[k])
