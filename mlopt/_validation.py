"""Input checks shared by the library: clear ``ValueError`` messages naming shapes and values."""

from __future__ import annotations

import numbers

import numpy as np


def check_Xy(w, X, y, *, w_ndim=1):
    """Return ``w, X, y`` as float arrays after checking that their shapes agree.

    Parameters
    ----------
    w : array_like, shape (n_features,) or (n_features, n_classes) when ``w_ndim=2``
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    w_ndim : {1, 2}
        Expected number of dimensions of ``w``.

    Raises
    ------
    ValueError
        If a shape is wrong or an entry is not finite; the message names the shapes.
    """
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (n_samples, n_features), got X.shape={X.shape}")
    if w.ndim != w_ndim:
        expected = "(n_features,)" if w_ndim == 1 else "(n_features, n_classes)"
        raise ValueError(f"w must have shape {expected}, got w.shape={w.shape}")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D with shape (n_samples,), got y.shape={y.shape}")
    if X.shape[1] != w.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features but w has {w.shape[0]} entries: "
            f"X.shape={X.shape}, w.shape={w.shape}"
        )
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: X.shape={X.shape}, y.shape={y.shape}"
        )
    for name, a in (("w", w), ("X", X), ("y", y)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or infinity")
    return w, X, y


def check_positive(name, value, *, allow_zero=False):
    """Raise ``ValueError`` unless ``value`` is a finite real number > 0 (>= 0 if allowed)."""
    ok = isinstance(value, numbers.Real) and np.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {name}={value!r}")
    return float(value)


def check_interval(name, value, low, high, *, closed="left"):
    """Raise ``ValueError`` unless ``low <= value < high`` (``closed`` picks the closed ends).

    ``closed`` is one of ``"left"`` ([low, high)), ``"right"`` ((low, high]), ``"both"``,
    ``"neither"``.
    """
    if not (isinstance(value, numbers.Real) and np.isfinite(value)):
        raise ValueError(f"{name} must be a finite number, got {name}={value!r}")
    lo_ok = value >= low if closed in ("left", "both") else value > low
    hi_ok = value <= high if closed in ("right", "both") else value < high
    if not (lo_ok and hi_ok):
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed in ("right", "both") else ")"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {name}={value!r}")
    return float(value)


def check_int(name, value, minimum):
    """Raise ``ValueError`` unless ``value`` is an integer >= ``minimum``; return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def check_classification_data(estimator, X, y):
    """Validate ``X, y`` for a classifier's ``fit``: float ``X``, class labels with at least two
    classes. Returns ``X, y, classes, y_index`` (``classes[y_index] == y``).

    Raises
    ------
    ValueError
        Through scikit-learn's ``validate_data`` (shapes, NaN, infinity), for continuous
        targets, or for a single class (named in the message).
    """
    # imported here: every mlopt module imports this file, only estimators need scikit-learn
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import validate_data

    X, y = validate_data(estimator, X, y, dtype=np.float64)
    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes in the data, got "
            f"only one class: {classes[0]!r}"
        )
    return X, y, classes, y_index
