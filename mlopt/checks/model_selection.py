"""Checks for the graded exercise of chapter 11, generalization and model selection."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlopt.checks._core import Mistake, call_on_copies, check_scalar
from mlopt.metrics import precision_recall_fscore_support, threshold_for_recall

__all__ = [
    "check_stratified_kfold",
    "check_precision_recall_f1_binary",
    "check_precision_recall_f1_macro",
    "check_threshold_for_recall",
    "check_random_search",
    "check_honest_fit",
    "check_leak_inflation",
    "check_select_then_test",
    "leaky_score",
    "make_noise_classification",
    "K_BEST",
    "TEST_SIZE",
]

_FIX = "Do not modify the inputs: work on copies or build new arrays."


def _fmt(x):
    return f"{x:.4f}" if isinstance(x, numbers.Real) else repr(x)


def _type_name(got):
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    if isinstance(got, (tuple, list)):
        return f"a {type(got).__name__} of length {len(got)}"
    return type(got).__name__


def _numbers(got, what, k, names):
    """Unpack the learner's result into ``k`` floats, or explain what came back instead."""
    form = ", ".join(names)
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return {form}`?")
    if isinstance(got, dict):
        raise AssertionError(f"{what} returned a dict; return the {k} numbers as a tuple: "
                             f"`return {form}`.")
    if not (isinstance(got, (tuple, list)) or (isinstance(got, np.ndarray) and got.ndim == 1)):
        raise AssertionError(f"{what} should return the {k} values `{form}`, got "
                             f"{_type_name(got)}.")
    if len(got) != k:
        raise AssertionError(f"{what} should return {k} values `{form}`, got "
                             f"{_type_name(got)}.")
    out = []
    for name, value in zip(names, got):
        if np.ndim(value) != 0 and np.size(value) != 1:
            raise AssertionError(f"{what}: {name} should be a single number, got an array of "
                                 f"shape {np.shape(value)}.")
        try:
            out.append(float(np.asarray(value, dtype=float).reshape(())))
        except (TypeError, ValueError) as err:
            raise AssertionError(f"{what}: {name} should be a number, got "
                                 f"{type(value).__name__}.") from err
    return out


# --- task 1: stratified k-fold -------------------------------------------------------------------

def make_labels(counts=(9, 5, 3), seed=0, sort=True, labels=None):
    """Labels with the given class sizes; sorted by class (the order where plain k-fold fails)
    unless ``sort=False``."""
    rng = np.random.default_rng(seed)
    labels = np.arange(len(counts)) if labels is None else np.asarray(labels)
    y = np.repeat(labels, counts)
    return y if sort else rng.permutation(y)


def _as_indices(a, n, what):
    a = np.asarray(a)
    if a.dtype == bool:
        if a.shape != (n,):
            raise AssertionError(f"{what} is a boolean mask of shape {a.shape}; expected "
                                 f"({n},) or an array of indices.")
        return np.flatnonzero(a)
    if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
        if a.ndim == 1 and a.size and np.issubdtype(a.dtype, np.floating) \
                and np.all(np.mod(a, 1) == 0):
            raise AssertionError(f"{what} holds whole numbers of dtype {a.dtype}; NumPy cannot "
                                 "index an array with floats (X[idx] raises IndexError). "
                                 "Return integer indices, e.g. np.flatnonzero(mask) or "
                                 "idx.astype(int).")
        raise AssertionError(f"{what} should be a 1-D array of integer indices, got "
                             f"{_type_name(a)} of dtype {a.dtype}.")
    return a.astype(int)


def check_stratified_kfold(stratified_kfold, *, counts=(9, 5, 3), n_splits=3, seed=0,
                           sort=True, labels=None):
    """Check ``stratified_kfold(y, n_splits)``: a list of ``n_splits`` pairs ``(train, test)``
    of index arrays; the test folds partition the samples, each train is the complement of
    its test fold, and every fold holds floor or ceil of n_c / n_splits samples of each class
    c."""
    y = make_labels(counts, seed, sort, labels)
    n = len(y)
    what = f"stratified_kfold(y, n_splits={n_splits})"
    sizes = dict(zip(*(a.tolist() for a in np.unique(y, return_counts=True))))
    context = f"y has {n} samples, class sizes {sizes}"
    got = call_on_copies(stratified_kfold, "stratified_kfold", y, n_splits, fix=_FIX)
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return folds`?")
    try:
        got = list(got)
    except TypeError as err:
        raise AssertionError(f"{what} should return a list of (train, test) pairs, got "
                             f"{_type_name(got)}.") from err
    if len(got) != n_splits:
        raise AssertionError(f"{what} returned {len(got)} folds, expected n_splits={n_splits} "
                             f"({context}).")
    folds = []
    for k, pair in enumerate(got):
        if isinstance(pair, np.ndarray) and pair.dtype != object and pair.ndim == 1:
            raise AssertionError(f"{what}: fold {k} is a single index array; each fold is a "
                                 "pair `(train_idx, test_idx)`.")
        if not (isinstance(pair, (tuple, list)) or isinstance(pair, np.ndarray)) or len(pair) != 2:
            raise AssertionError(f"{what}: fold {k} should be a pair `(train_idx, test_idx)`, "
                                 f"got {_type_name(pair)}.")
        train = _as_indices(pair[0], n, f"{what}: the train indices of fold {k}")
        test = _as_indices(pair[1], n, f"{what}: the test indices of fold {k}")
        folds.append((train, test))
    everything = np.arange(n)
    for k, (train, test) in enumerate(folds):
        for name, idx in (("train", train), ("test", test)):
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise AssertionError(f"{what}: the {name} indices of fold {k} go outside "
                                     f"0..{n - 1} ({context}).")
            if len(np.unique(idx)) != len(idx):
                raise AssertionError(f"{what}: the {name} indices of fold {k} repeat a sample.")
        if np.intersect1d(train, test).size:
            raise AssertionError(f"{what}: fold {k} has samples in both train and test "
                                 f"({np.intersect1d(train, test)[:5].tolist()} ...): the model "
                                 "would be scored on samples it was fitted on.")
    tests = np.concatenate([t for _, t in folds])
    seen = np.bincount(tests, minlength=n)
    if np.any(seen > 1):
        i = int(np.flatnonzero(seen > 1)[0])
        owners = [k for k, (_, t) in enumerate(folds) if i in t]
        raise AssertionError(f"{what}: the test folds overlap: sample {i} is in the test folds "
                             f"{owners}. Each sample must be tested exactly once ({context}).")
    if np.any(seen == 0):
        missing = np.flatnonzero(seen == 0)
        raise AssertionError(f"{what}: {missing.size} samples are in no test fold, e.g. "
                             f"{missing[:5].tolist()}. With n = {n} not a multiple of "
                             f"{n_splits}, some folds get one sample more; none is dropped.")
    for k, (train, test) in enumerate(folds):
        if not np.array_equal(np.sort(train), np.setdiff1d(everything, test)):
            raise AssertionError(f"{what}: the train indices of fold {k} should be every "
                                 "sample not in its test fold (the other folds together).")
    for c, n_c in zip(*np.unique(y, return_counts=True)):
        per_fold = [int(np.sum(y[t] == c)) for _, t in folds]
        low, high = n_c // n_splits, -(-n_c // n_splits)
        if min(per_fold) < low or max(per_fold) > high:
            share = f"{low}" if low == high else f"{low} or {high}"
            raise AssertionError(
                f"{what}: the folds are not stratified: class {c} ({n_c} samples) is spread "
                f"{per_fold} over the test folds; each fold should get {share} of them "
                f"({n_c} / {n_splits}). Split each class's indices separately into "
                f"{n_splits} near-equal parts and give part k to fold k ({context}).")


# --- task 2: precision, recall, F1 ----------------------------------------------------------------

def make_predictions(n_samples=40, n_classes=2, seed=0):
    """Imbalanced true labels and imperfect predictions; every class both true and predicted."""
    rng = np.random.default_rng(seed)
    weights = np.geomspace(1.0, 0.3, n_classes)
    y_true = rng.choice(n_classes, size=n_samples, p=weights / weights.sum())
    flip = rng.uniform(size=n_samples) < 0.35
    y_pred = np.where(flip, rng.integers(0, n_classes, size=n_samples), y_true)
    y_true[:n_classes] = np.arange(n_classes)
    y_pred[n_classes:2 * n_classes] = np.arange(n_classes)
    return y_true, y_pred


def _prf(y_true, y_pred, average, **kw):
    return precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0.0,
                                           **kw)[:3]


def _harmonic(p, r):
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _check_prf(fn, y_true, y_pred, average, what, context, mistakes):
    got = call_on_copies(fn, "precision_recall_f1", y_true, y_pred, average, fix=_FIX)
    p, r, f = _numbers(got, what, 3, ("precision", "recall", "f1"))
    expected = _prf(y_true, y_pred, average)
    if any(np.isnan(v) for v in (p, r, f)):
        raise AssertionError(
            f"{what} returned NaN ({_fmt(p)}, {_fmt(r)}, {_fmt(f)}) ({context}). A ratio 0 / 0 "
            "(no sample predicted in a class for precision, none present for recall) counts "
            "as 0 here, as scikit-learn's zero_division=0: test the denominator first.")
    for m in mistakes:
        if np.allclose((p, r, f), m.value, atol=1e-9) and not np.allclose((p, r, f), expected,
                                                                          atol=1e-9):
            raise AssertionError(f"{what} is wrong ({context}): {m.message}. Got "
                                 f"({_fmt(p)}, {_fmt(r)}, {_fmt(f)}), expected "
                                 f"({_fmt(expected[0])}, {_fmt(expected[1])}, "
                                 f"{_fmt(expected[2])}).")
    for name, g, e in zip(("precision", "recall", "f1"), (p, r, f), expected):
        check_scalar(g, e, f"the {name} from {what}", context=context)


def _binary_mistakes(y_true, y_pred):
    p, r, f = _prf(y_true, y_pred, "binary")
    p0, r0, f0 = _prf(y_true, y_pred, "binary", pos_label=0)
    acc = float(np.mean(y_true == y_pred))
    return [
        Mistake((r, p, f), "precision and recall are swapped: precision = TP / (TP + FP) "
                "divides by the samples PREDICTED positive, recall = TP / (TP + FN) by the "
                "samples that ARE positive"),
        Mistake((p, r, (p + r) / 2), "F1 is the harmonic mean 2PR / (P + R), not the "
                "arithmetic mean (P + R) / 2"),
        Mistake((p0, r0, f0), "these are the scores of class 0; the positive class is 1"),
        Mistake((acc, acc, acc), "this is the accuracy; precision and recall count only the "
                "positive class"),
    ]


def check_precision_recall_f1_binary(precision_recall_f1, *, n_samples=40, seed=0):
    """Check ``precision_recall_f1(y_true, y_pred, "binary")`` for the positive class 1, and
    its 0 / 0 cases (no predicted positive, a single class present)."""
    y_true, y_pred = make_predictions(n_samples, 2, seed)
    what = 'precision_recall_f1(y_true, y_pred, "binary")'
    _check_prf(precision_recall_f1, y_true, y_pred, "binary", what,
               f"{n_samples} labels in {{0, 1}}", _binary_mistakes(y_true, y_pred))
    edge = [
        (y_true, np.zeros_like(y_true), "no sample predicted positive"),
        (np.zeros(6, dtype=int), np.zeros(6, dtype=int), "a single class: every label and "
         "prediction is 0"),
        (np.ones(5, dtype=int), np.array([1, 1, 0, 1, 0]), "every label is 1"),
    ]
    for yt, yp, context in edge:
        _check_prf(precision_recall_f1, yt, yp, "binary", what, context,
                   _binary_mistakes(yt, yp))


def check_precision_recall_f1_macro(precision_recall_f1, *, n_samples=60, n_classes=3, seed=0):
    """Check ``precision_recall_f1(y_true, y_pred, "macro")``: the unweighted mean of the
    per-class scores over every label seen in ``y_true`` or ``y_pred``."""
    y_true, y_pred = make_predictions(n_samples, n_classes, seed)
    cases = [(y_true, y_pred, f"{n_samples} labels in 0..{n_classes - 1}, imbalanced")]
    # a label that is only predicted (never true) still counts, with recall 0 / 0 = 0
    y_only_pred = y_pred.copy()
    y_only_pred[-3:] = n_classes
    cases.append((y_true, y_only_pred, f"the label {n_classes} is predicted but never true"))
    what = 'precision_recall_f1(y_true, y_pred, "macro")'
    for yt, yp, context in cases:
        micro = _prf(yt, yp, "micro")
        weighted = _prf(yt, yp, "weighted")
        per_class = _prf(yt, yp, None)
        P, R, _ = _prf(yt, yp, "macro")
        true_labels = np.unique(yt)
        p_true = precision_recall_fscore_support(yt, yp, average=None, zero_division=0.0)
        keep = np.isin(np.union1d(yt, yp), true_labels)
        mistakes = [
            Mistake(micro, "this is the MICRO average (TP, FP, FN pooled over the classes, "
                    "which for one label per sample equals the accuracy); macro averages the "
                    "per-class precision, recall and F1, each class counting the same"),
            Mistake(weighted, "this is the WEIGHTED average (classes weighted by their "
                    "support); macro is the plain mean over the classes"),
            Mistake(tuple(per_class[i][-1] for i in range(3)), "these are the scores of the "
                    "last class only; macro averages over all classes"),
            Mistake((P, R, _harmonic(P, R)), "macro F1 is the mean of the per-class F1 "
                    "scores, not the harmonic mean of macro precision and macro recall"),
            Mistake(tuple(float(np.mean(a[keep])) for a in p_true[:3]), "the average leaves "
                    "out a label that appears only in y_pred; average over the labels of "
                    "y_true and y_pred together (np.union1d)"),
            Mistake((R, P, float(np.mean(per_class[2]))), "precision and recall are swapped: "
                    "precision divides by the samples PREDICTED in the class, recall by the "
                    "samples that ARE in it"),
        ]
        _check_prf(precision_recall_f1, yt, yp, "macro", what, context, mistakes)


# --- task 3: the threshold for a target recall ---------------------------------------------------

def make_scores(n_samples=60, seed=0, ties=True, dtype=float):
    """Scores of an imperfect classifier for imbalanced binary labels, rounded to two decimals
    so that several samples share a score (ties), one tie straddling the answer for a recall
    of 0.95."""
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n_samples) < 0.35).astype(int)
    y[:2] = [0, 1]
    s = 1 / (1 + np.exp(-(1.0 * (2 * y - 1) + rng.normal(size=n_samples))))
    s = np.round(s, 2) if ties else s
    if ties:  # a negative sample tied with the threshold's positive sample, placed last
        t, _, _ = threshold_for_recall(y, s, 0.95)
        negatives = np.flatnonzero((y == 0) & (s < t))
        if negatives.size:
            i = negatives[0]
            s[i] = t
            order = np.r_[np.delete(np.arange(n_samples), i), i]
            y, s = y[order], s[order]
    return y, s.astype(dtype)


def check_threshold_for_recall(threshold_for_recall_fn, *, n_samples=60, seed=0, target=0.95,
                               ties=True, dtype=float):
    """Check ``threshold_for_recall(y_true, scores, target_recall)`` -> ``(threshold,
    precision)``: the largest threshold with recall >= target when predicting
    ``scores >= threshold``, and the precision there. Any threshold giving the same
    predictions is accepted."""
    y, s = make_scores(n_samples, seed, ties, dtype)
    what = f"threshold_for_recall(y_true, scores, {target})"
    got = call_on_copies(threshold_for_recall_fn, "threshold_for_recall", y, s, target, fix=_FIX)
    t, precision = _numbers(got, what, 2, ("threshold", "precision"))
    t_ref, p_ref, r_ref = threshold_for_recall(y, s.astype(float), target)
    distinct = np.unique(s.astype(float))[::-1]  # decreasing
    k_ref = int(np.flatnonzero(distinct == t_ref)[0])
    n_pos = int(y.sum())
    context = (f"{n_samples} samples, {n_pos} positive, scores rounded to 2 decimals so that "
               "several samples share a score" if ties else f"{n_samples} samples")
    # a threshold rounded to float32 is the same threshold
    pred = s.astype(float) >= t - 1e-6 * max(1.0, abs(t))
    pred_ref = s.astype(float) >= t_ref
    if not np.array_equal(pred, pred_ref):
        recall = pred[y == 1].mean()
        n_more = int(pred.sum() - pred_ref.sum())
        if recall < target:
            above = distinct[k_ref - 1] if k_ref > 0 else None
            one = above is not None and np.isclose(t, above) or (
                k_ref > 0 and np.array_equal(pred, s.astype(float) >= distinct[k_ref - 1]))
            raise AssertionError(
                f"{what}: with scores >= {t:.6g} the recall is {recall:.4f} < {target}"
                + ("; your threshold stops one sample too early (off by one). " if one else
                   ". ")
                + f"Lower it to {t_ref:.4g}, where recall = {r_ref:.4f} ({context}). Predict "
                "positive for scores >= threshold: the positives at the threshold count.")
        below = distinct[k_ref + 1] if k_ref + 1 < distinct.size else None
        one = below is not None and np.array_equal(pred, s.astype(float) >= below)
        recalls = [np.mean(s[y == 1].astype(float) >= d) for d in distinct]
        strict = [d for d, r in zip(distinct, recalls) if r > target]
        if (np.isclose(r_ref, target, rtol=0, atol=1e-12) and strict
                and np.array_equal(pred, s.astype(float) >= strict[0])):
            raise AssertionError(
                f"{what}: at threshold {t_ref:.4g} the recall is exactly {target} "
                f"({int(round(r_ref * n_pos))} of {n_pos} positives), which reaches the "
                f"target: recall >= {target}, not > {target}. Your threshold {t:.6g} predicts "
                f"{n_more} more sample{'s' if n_more != 1 else ''} positive than needed "
                f"({context}).")
        raise AssertionError(
            f"{what}: with scores >= {t:.6g}, {n_more} more samples are predicted positive than "
            f"needed; recall {target} is already reached at threshold {t_ref:.4g} with precision "
            f"{p_ref:.4f}. Return the LARGEST threshold that reaches the target"
            + (" (yours is one sample too low: off by one; with `>` instead of `>=` the "
               "threshold's own samples would not count)" if one else "")
            + f" ({context}).")
    tp, pp = int(np.sum(pred & (y == 1))), int(pred.sum())
    mistakes = [
        Mistake(r_ref, "this is the recall at the threshold, not the precision: precision = "
                "TP / (number of samples predicted positive)"),
        Mistake(tp / n_pos, "this is the recall at the threshold: precision divides TP by the "
                "number of samples PREDICTED positive"),
    ]
    strictly = s.astype(float) > t_ref
    if strictly.sum() and strictly.sum() != pp:
        mistakes.append(Mistake(
            np.sum(strictly & (y == 1)) / strictly.sum(),
            "this is the precision of scores > threshold; the samples whose score equals the "
            "threshold (ties) are predicted positive too"))
    mistakes.append(Mistake(tp / len(y), "this divides TP by the number of ALL samples; "
                            "precision divides it by the number of samples PREDICTED positive "
                            "(scores >= threshold)"))
    at_t = s.astype(float) == t_ref
    if at_t.sum() > 1 and not np.isclose(precision, p_ref, rtol=1e-5):
        # the precisions of a walk through the sorted samples that stops inside the tie
        # group: j of its m samples counted, i of them positive
        n_above, tp_above = int(strictly.sum()), int(np.sum(strictly & (y == 1)))
        m, a = int(at_t.sum()), int(np.sum(at_t & (y == 1)))
        partial = [(tp_above + i) / (n_above + j) for j in range(1, m)
                   for i in range(max(0, j - (m - a)), min(a, j) + 1)]
        named = [m_ for m_ in mistakes if np.isclose(precision, m_.value)]
        if not named and any(np.isclose(precision, v, rtol=1e-5) for v in partial):
            raise AssertionError(
                f"the precision from {what} is {precision:.4f}, expected {p_ref:.4f}: mind the "
                f"ties: {int(at_t.sum())} samples share the score {t_ref:.6g}, "
                f"{int(np.sum(at_t & (y == 0)))} of them negative, and all of them are "
                "predicted positive at this threshold. Count the predictions with "
                f"scores >= threshold, not by walking the sorted samples one by one "
                f"({context}).")
    check_scalar(precision, p_ref, "the precision from " + what, mistakes=mistakes,
                 context=context, rtol=1e-5)


# --- task 4: random search under a budget --------------------------------------------------------

SPACE = {"lr": (1e-5, 1e-1, "log"), "alpha": (0.0, 1.0, "linear")}


def _objective(params):
    """A smooth validation score, best at lr = 10^-2.5, alpha = 0.3; higher is better."""
    return -(np.log10(params["lr"]) + 2.5) ** 2 - 4 * (params["alpha"] - 0.3) ** 2


class _Recorder:
    def __init__(self, space):
        self.space = space
        self.calls = []
        self.scores = []

    def __call__(self, params):
        if not isinstance(params, dict):
            raise AssertionError(f"the objective was called with {_type_name(params)}; call it "
                                 "with a dict {name: value} of one trial's hyper-parameters.")
        if set(params) != set(self.space):
            raise AssertionError(f"the objective was called with the keys {sorted(params)}; "
                                 f"expected exactly {sorted(self.space)}.")
        params = {k: float(v) for k, v in params.items()}
        self.calls.append(params)
        score = float(_objective(params))
        self.scores.append(score)
        return score


def _run_search(random_search, space, n_trials, seed):
    rec = _Recorder(space)
    # a bound method, not the instance: graded in a sandbox, the learner's code calls it back
    # here (an instance would be copied, and its record of the calls lost)
    got = call_on_copies(random_search, "random_search", rec.__call__, dict(space), n_trials,
                         np.random.default_rng(seed))
    return rec, got


def check_random_search(random_search, *, n_trials=20, seed=0):
    """Check ``random_search(objective, space, n_trials, rng)`` -> ``(best_params, best_score,
    scores)``: exactly ``n_trials`` calls of the objective (the budget), values inside the
    bounds, log-uniform sampling where asked, the best trial returned, and all randomness
    drawn from ``rng`` (same seed, same trials; another seed, other trials)."""
    what = f"random_search(objective, space, n_trials={n_trials}, rng)"
    rec, got = _run_search(random_search, SPACE, n_trials, seed)
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget "
                             "`return best_params, best_score, scores`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 3):
        raise AssertionError(f"{what} should return `best_params, best_score, scores`, got "
                             f"{_type_name(got)}.")
    best_params, best_score, scores = got
    if len(rec.calls) != n_trials:
        raise AssertionError(f"{what} called the objective {len(rec.calls)} times; the budget "
                             f"is n_trials = {n_trials} evaluations, no more, no fewer.")
    if not isinstance(best_params, dict):
        raise AssertionError(f"{what}: best_params should be a dict {{name: value}}, got "
                             f"{_type_name(best_params)}.")
    try:
        scores = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"{what}: scores should be the list of the {n_trials} "
                             f"objective values, got {_type_name(scores)}.") from err
    if scores.shape != (n_trials,) or not np.allclose(scores, rec.scores):
        raise AssertionError(f"{what}: scores should list the {n_trials} values the objective "
                             "returned, in the order of the trials.")
    for name, (low, high, _) in SPACE.items():
        values = np.array([c[name] for c in rec.calls])
        if values.min() < low or values.max() > high:
            raise AssertionError(f"{what}: {name} was sampled outside its bounds [{low}, "
                                 f"{high}] (values from {values.min():.4g} to "
                                 f"{values.max():.4g}).")
        if len(np.unique(values)) == 1 and n_trials > 1:
            raise AssertionError(f"{what}: every trial used the same {name} = {values[0]:.4g}; "
                                 "draw a new value for each trial.")
    i = int(np.argmax(rec.scores))
    if not np.isclose(float(best_score), rec.scores[i]):
        worst = int(np.argmin(rec.scores))
        why = ("the lowest score: the objective is a validation score, higher is better"
               if np.isclose(float(best_score), rec.scores[worst]) else
               "the last trial's score, not the best" if np.isclose(float(best_score),
                                                                   rec.scores[-1]) else
               "not the largest of the scores")
        raise AssertionError(f"{what}: best_score = {float(best_score):.4f} is {why}; the best "
                             f"trial scored {rec.scores[i]:.4f}.")
    if not any(all(np.isclose(float(best_params.get(k, np.nan)), c[k]) for k in SPACE)
               and np.isclose(s, rec.scores[i]) for c, s in zip(rec.calls, rec.scores)):
        last = rec.calls[-1]
        hint = ""
        if len(rec.calls) > 1 and all(np.isclose(float(best_params.get(k, np.nan)), last[k])
                                      for k in SPACE):
            hint = (" They are the LAST trial's: if one dict is filled again in every trial, "
                    "best_params points to that dict and is overwritten; build a new dict for "
                    "each trial (or store a copy).")
        raise AssertionError(f"{what}: best_params = {best_params} are not the parameters of "
                             f"the best trial, {rec.calls[i]}.{hint}")

    # the randomness comes from rng, and only from rng
    # (a global generator advances between the calls, so it gives other trials)
    again, _ = _run_search(random_search, SPACE, n_trials, seed)
    twice, _ = _run_search(random_search, SPACE, n_trials, seed)
    if again.calls != rec.calls or twice.calls != rec.calls:
        raise AssertionError(
            f"{what}: two runs with the same np.random.default_rng({seed}) tried different "
            "hyper-parameters. The search draws from NumPy's global generator (np.random.rand, "
            "np.random.uniform, random.random ...) instead of its rng argument: use "
            "rng.uniform(...) so that a seed reproduces the search.")
    other, _ = _run_search(random_search, SPACE, n_trials, seed + 1)
    if other.calls == rec.calls:
        raise AssertionError(
            f"{what}: np.random.default_rng({seed}) and np.random.default_rng({seed + 1}) gave "
            "the same trials, so the rng argument is ignored (a default_rng(0) or a fixed seed "
            "inside the function?). Draw every value from the rng you are given.")

    # log scale: half of the log-uniform samples of lr in [1e-5, 1e-1] fall below 1e-3
    many, _ = _run_search(random_search, SPACE, 400, seed + 2)
    lr = np.array([c["lr"] for c in many.calls])
    alpha = np.array([c["alpha"] for c in many.calls])
    below = float(np.mean(lr < 1e-3))
    if not 0.4 < below < 0.6:
        raise AssertionError(
            f"{what}: of 400 trials, {below:.1%} have lr < 1e-3; sampled log-uniformly on "
            "[1e-5, 1e-1] (the middle of the exponents -5 .. -1 is -3), about 50% should. "
            "For a 'log' dimension draw the exponent uniformly: "
            "10 ** rng.uniform(np.log10(low), np.log10(high)).")
    below = float(np.mean(alpha < 0.5))
    if not 0.4 < below < 0.6:
        raise AssertionError(
            f"{what}: of 400 trials, {below:.1%} have alpha < 0.5; a 'linear' dimension on "
            "[0, 1] is sampled uniformly (rng.uniform(low, high)), so about 50% should.")


# --- task 5: find and fix the leak ---------------------------------------------------------------

K_BEST = 10
TEST_SIZE = 0.25


def make_noise_classification(n_samples=100, n_features=300, seed=0):
    """Pure noise: features and labels independent. Any accuracy above 1/2 is an illusion."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5.0, size=n_features) \
        + rng.normal(size=n_features) * 3
    y = rng.permutation(np.arange(n_samples) % 2)
    return X, y


def leaky_score(X, y, seed):
    """A tutorial's pipeline: standardize, keep the K_BEST best features, fit a logistic
    regression; return the accuracy on a held-out test split.

    Exercise 11 (task 5) asks what is wrong with it; ``check_honest_fit`` knows the answer.
    """
    X_scaled = StandardScaler().fit_transform(X)
    X_selected = SelectKBest(f_classif, k=K_BEST).fit_transform(X_scaled, y)
    X_tr, X_te, y_tr, y_te = train_test_split(X_selected, y, test_size=TEST_SIZE,
                                              random_state=seed, stratify=y)
    model = LogisticRegression().fit(X_tr, y_tr)
    return model.score(X_te, y_te)


def _split(X, y, seed):
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)


def _honest_reference(X, y, seed):
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)
    model = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=K_BEST),
                          LogisticRegression()).fit(X_tr, y_tr)
    return model, model.score(X_te, y_te)


def _diagnose_pipeline(model, X, y, X_te):
    """If ``model`` is a Pipeline, name the step that saw more than the training split.

    F-statistics do not change when a feature is shifted and scaled, so the selection can be
    compared on the raw features."""
    for _, step in getattr(model, "steps", None) or []:
        mean = getattr(step, "mean_", None)
        if mean is not None and np.shape(mean) == (X.shape[1],):
            if np.allclose(mean, X.mean(axis=0)):
                return ("its scaler was fitted on all the data (its mean_ is the mean of X, "
                        "test rows included): a scaler fitted on all the data leaks the test "
                        "split's statistics into the training")
            if np.allclose(mean, X_te.mean(axis=0)):
                return "its scaler was fitted on the test split; fit it on the training split"
        support = getattr(step, "get_support", None)
        if support is not None:
            chosen = np.asarray(support())
            on_all = SelectKBest(f_classif, k=K_BEST).fit(X, y).get_support()
            if chosen.shape == on_all.shape and np.array_equal(chosen, on_all):
                return ("its feature selection was fitted on all the data: it chose the "
                        f"{K_BEST} features that best predict the labels of the TEST samples "
                        "too, which is the leak")
    return None


def _diagnose_prescaled(model, X, y, seed):
    """Name the leak of X standardized as a whole before the split (the returned model then
    expects pre-scaled input and has no scaler of its own)."""
    X_all = StandardScaler().fit_transform(X)
    Xs_tr, Xs_te, y_tr, _ = _split(X_all, y, seed)
    leaky = make_pipeline(SelectKBest(f_classif, k=K_BEST), LogisticRegression()).fit(Xs_tr, y_tr)
    try:
        proba = np.asarray(model.predict_proba(Xs_te))
    except Exception:  # noqa: BLE001 - not this mistake
        return None
    if proba.shape == (len(Xs_te), 2) and np.allclose(proba, leaky.predict_proba(Xs_te),
                                                      atol=1e-6):
        return ("X was standardized as a whole before the split, so the scaler was fitted "
                "on all the data, test rows included, and it is not in the returned Pipeline; "
                "split first and put StandardScaler() inside the Pipeline")
    return None


def check_honest_fit(honest_fit, *, n_samples=100, n_features=300, seed=0):
    """Check ``honest_fit(X, y, seed)`` -> ``(model, test_score)``: split first with
    ``train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)``, fit the
    scaler, the selection and the model on the training split only (a Pipeline), and score
    once on the test split."""
    X, y = make_noise_classification(n_samples, n_features, seed)
    what = f"honest_fit(X, y, seed={seed})"
    context = f"X.shape={X.shape}, pure-noise features, balanced labels"
    got = call_on_copies(honest_fit, "honest_fit", X, y, seed, fix=_FIX)
    if got is None:
        raise AssertionError(f"{what} returned None. Did you forget `return model, score`?")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"{what} should return `model, test_score`, got "
                             f"{_type_name(got)}.")
    model, score = got
    if not hasattr(model, "predict_proba"):
        raise AssertionError(f"{what}: the model should be the fitted Pipeline (scaler, "
                             f"selection, logistic regression), got {type(model).__name__}.")
    X_tr, X_te, y_tr, y_te = _split(X, y, seed)
    ref, ref_score = _honest_reference(X, y, seed)
    try:
        proba = np.asarray(model.predict_proba(X_te))
    except Exception as err:  # noqa: BLE001 - any failure means the wrong object came back
        raise AssertionError(
            f"{what}: model.predict_proba(X_test) failed with {type(err).__name__}: "
            f"{str(err).rstrip('.')}. "
            f"Return the whole fitted Pipeline, so that it takes the raw {X.shape[1]} features "
            "(a model fitted on the selected features alone cannot).") from None
    expected = ref.predict_proba(X_te)
    if proba.shape != expected.shape or not np.allclose(proba, expected, atol=1e-6):
        on_all = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=K_BEST),
                               LogisticRegression()).fit(X, y)
        if np.allclose(proba, on_all.predict_proba(X_te), atol=1e-6):
            why = ("it was fitted on all the data, test split included: the test set was "
                   "used for fitting")
        else:
            why = _diagnose_pipeline(model, X, y, X_te) or _diagnose_prescaled(model, X, y, seed)
        if why is None and not any(isinstance(step, StandardScaler)
                                   for _, step in getattr(model, "steps", None) or []):
            why = ("the Pipeline has no StandardScaler step; the three steps are "
                   "StandardScaler -> SelectKBest -> LogisticRegression, all inside it")
        if why is None:
            why = ("its probabilities on the test split differ from those of a Pipeline "
                   "StandardScaler -> SelectKBest(f_classif, k=10) -> LogisticRegression() "
                   "fitted on the training split of train_test_split(X, y, test_size=0.25, "
                   "random_state=seed, stratify=y)")
        raise AssertionError(f"{what}: the model is wrong: {why} ({context}).")
    train_score = ref.score(X_tr, y_tr)
    mistakes = [
        Mistake(train_score, "this is the accuracy on the training split; score once on the "
                "test split"),
        Mistake(leaky_score(X, y, seed), "this is the leaky pipeline's score"),
    ]
    check_scalar(score, ref_score, "the test score from " + what, mistakes=mistakes,
                 context=context)


def _leak_reference(X, y, seeds):
    return float(np.mean([leaky_score(X, y, s) - _honest_reference(X, y, s)[1] for s in seeds]))


def check_leak_inflation(leak_inflation, *, seeds=(0, 1, 2, 3, 4, 5, 6, 7), seed=0):
    """Check ``leak_inflation(X, y, seeds)``: the mean over the seeds of leaky_score minus the
    honest test score. Returns that mean and its standard deviation over the seeds."""
    X, y = make_noise_classification(seed=seed)
    seeds = list(seeds)
    what = f"leak_inflation(X, y, seeds={seeds})"
    got = call_on_copies(leak_inflation, "leak_inflation", X, y, seeds, fix=_FIX)
    expected = _leak_reference(X, y, seeds)
    leaky = [leaky_score(X, y, s) for s in seeds]
    honest = [_honest_reference(X, y, s)[1] for s in seeds]
    mistakes = [
        Mistake(-expected, "the sign is flipped: inflation = leaky score - honest score, "
                "positive when the leak makes the model look better"),
        Mistake(leaky[0] - honest[0], "this uses only the first seed; average over all seeds"),
        Mistake(float(np.mean(leaky)), "this is the mean leaky score; subtract the honest one"),
        Mistake(float(np.mean(honest)), "this is the mean honest score; the inflation is the "
                "leaky score minus it"),
        Mistake(float(np.median(np.subtract(leaky, honest))), "this is the median; take the "
                "mean"),
    ]
    check_scalar(got, expected, what, mistakes=mistakes,
                 context=f"X.shape={X.shape}, {len(seeds)} seeds")
    return expected, float(np.std(np.subtract(leaky, honest), ddof=1))


# --- task 6: select on validation, test once -----------------------------------------------------

def make_selection_problem(seed=0):
    """Train / validation / test splits and candidate C values such that the best C on the
    validation split differs from the best on the test split (so that the two are told
    apart)."""
    Cs = [0.001, 0.01, 0.1, 1.0, 10.0]
    for trial in range(100):
        rng = np.random.default_rng(1000 * seed + trial)
        n, d = 150, 8
        X = rng.normal(size=(n, d))
        w = rng.normal(size=d) * (rng.uniform(size=d) < 0.5)
        y = (X @ w + rng.normal(size=n) * 1.5 > 0).astype(int)
        splits = (X[:60], y[:60], X[60:105], y[60:105], X[105:], y[105:])
        val, test, train = [], [], []
        for C in Cs:
            m = LogisticRegression(C=C).fit(splits[0], splits[1])
            train.append(m.score(splits[0], splits[1]))
            val.append(m.score(splits[2], splits[3]))
            test.append(m.score(splits[4], splits[5]))
        if (int(np.argmax(val)) != int(np.argmax(test))
                and test[int(np.argmax(val))] != max(test)):
            return Cs, splits
    raise RuntimeError("no suitable selection problem found")  # pragma: no cover


def check_select_then_test(select_then_test, *, seed=0):
    """Check ``select_then_test(Cs, X_train, y_train, X_val, y_val, X_test, y_test)`` ->
    ``(best_C, test_score)``: C chosen by validation accuracy, the test split used once, for
    the final score (of the model fitted on the training split, or refitted on training +
    validation)."""
    Cs, (X_tr, y_tr, X_va, y_va, X_te, y_te) = make_selection_problem(seed)
    what = "select_then_test(Cs, X_train, y_train, X_val, y_val, X_test, y_test)"
    got = call_on_copies(select_then_test, "select_then_test", list(Cs), X_tr, y_tr, X_va, y_va,
                         X_te, y_te, fix=_FIX)
    best_C, score = _numbers(got, what, 2, ("best_C", "test_score"))
    fits = [LogisticRegression(C=C).fit(X_tr, y_tr) for C in Cs]
    val = [m.score(X_va, y_va) for m in fits]
    test = [m.score(X_te, y_te) for m in fits]
    train = [m.score(X_tr, y_tr) for m in fits]
    i = int(np.argmax(val))
    if not np.isclose(best_C, Cs[i]):
        tied = [C for C, v in zip(Cs, val) if v == val[i]]
        if any(np.isclose(best_C, C) for C in tied):
            raise AssertionError(
                f"{what}: best_C = {best_C} ties for the best validation accuracy "
                f"({val[i]:.4f}) with C = {', '.join(str(C) for C in tied if C != best_C)}; on a "
                f"tie take the first C in Cs (C = {Cs[i]}), as np.argmax does.")
        if np.isclose(best_C, Cs[int(np.argmax(test))]):
            raise AssertionError(
                f"{what}: best_C = {best_C} is the C with the best TEST accuracy: the test set "
                f"was used for selection, so its score is no longer an unbiased estimate. "
                f"Choose C by validation accuracy (C = {Cs[i]}, validation "
                f"{val[i]:.4f}); touch the test split once, at the end.")
        if np.isclose(best_C, Cs[int(np.argmax(train))]):
            raise AssertionError(f"{what}: best_C = {best_C} has the best TRAINING accuracy, "
                                 "which rewards fitting the training data, not predicting new "
                                 "data; choose C by "
                                 f"validation accuracy (C = {Cs[i]}).")
        raise AssertionError(f"{what}: best_C = {best_C}, but the validation accuracies "
                             f"{[round(v, 4) for v in val]} are highest for C = {Cs[i]}.")
    refit = LogisticRegression(C=Cs[i]).fit(np.vstack([X_tr, X_va]), np.r_[y_tr, y_va])
    valid = [test[i], refit.score(X_te, y_te)]
    if any(np.isclose(score, v) for v in valid):
        return
    if np.isclose(score, val[i]):
        raise AssertionError(f"{what}: test_score = {score:.4f} is the validation accuracy of "
                             f"the chosen C; report the TEST accuracy ({test[i]:.4f}).")
    if np.isclose(score, max(test)):
        raise AssertionError(f"{what}: test_score = {score:.4f} is the best test accuracy over "
                             "all C: the test set was used for selection. Report the test "
                             "accuracy of the C chosen on validation.")
    raise AssertionError(f"{what}: test_score = {score:.4f}, expected {test[i]:.4f} (the model "
                         f"with C = {Cs[i]} fitted on the training split) or "
                         f"{valid[1]:.4f} (refitted on training + validation).")
