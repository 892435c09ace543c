r"""K-fold and stratified k-fold splits written out, equal to ``sklearn.model_selection``.

Lesson 11 derives them; everywhere else the course uses scikit-learn's ``KFold`` and
``StratifiedKFold``, which these functions reproduce index for index (same fold sizes, same
order, and with ``shuffle=True`` the same permutation for the same integer ``random_state``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils import check_random_state

from mlopt._validation import check_int

__all__ = ["kfold_indices", "stratified_kfold_indices"]


def _fold_sizes(n_samples, n_splits):
    """``n_splits`` sizes that sum to ``n_samples`` and differ by at most one, larger first."""
    sizes = np.full(n_splits, n_samples // n_splits, dtype=int)
    sizes[: n_samples % n_splits] += 1
    return sizes


def kfold_indices(n_samples, n_splits=5, *, shuffle=False, random_state=None):
    """Split ``range(n_samples)`` into ``n_splits`` consecutive test folds.

    Parameters
    ----------
    n_samples : int
        Number of samples, >= ``n_splits``.
    n_splits : int, default=5
        Number of folds, >= 2.
    shuffle : bool, default=False
        Permute the indices before cutting them into folds.
    random_state : int, numpy.random.RandomState or None
        Seeds the permutation when ``shuffle=True`` (scikit-learn's convention, so that the
        folds equal ``KFold(n_splits, shuffle=True, random_state=...)``'s).

    Returns
    -------
    list of (train, test) pairs of int ndarrays
        Each sample is in exactly one test fold; ``train`` is the rest; both sorted.

    Raises
    ------
    ValueError
        If ``n_splits < 2`` or ``n_splits > n_samples``.

    References
    ----------
    .. [1] ``sklearn.model_selection.KFold``;
       ``notebooks/11_generalization_and_model_selection.ipynb``, section 4.

    Examples
    --------
    >>> [test.tolist() for _, test in kfold_indices(7, 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    n_samples = check_int("n_samples", n_samples, 1)
    n_splits = check_int("n_splits", n_splits, 2)
    if n_splits > n_samples:
        raise ValueError(f"Cannot have n_splits={n_splits} greater than the number of "
                         f"samples n_samples={n_samples}.")
    indices = np.arange(n_samples)
    if shuffle:
        check_random_state(random_state).shuffle(indices)
    folds, start = [], 0
    for size in _fold_sizes(n_samples, n_splits):
        in_test = np.zeros(n_samples, dtype=bool)
        in_test[indices[start:start + size]] = True
        folds.append((np.flatnonzero(~in_test), np.flatnonzero(in_test)))
        start += size
    return folds


def stratified_kfold_indices(y, n_splits=5, *, shuffle=False, random_state=None):
    r"""K folds that keep each class's proportion: every test fold gets
    :math:`\lfloor n_c / k\rfloor` or :math:`\lceil n_c / k\rceil` samples of class :math:`c`.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Class labels.
    n_splits : int, default=5
        Number of folds, >= 2 and at most the size of the largest class.
    shuffle : bool, default=False
        Shuffle each class's fold assignment.
    random_state : int, numpy.random.RandomState or None
        As in scikit-learn's ``StratifiedKFold``.

    Returns
    -------
    list of (train, test) pairs of int ndarrays
        Test indices sorted; each sample in exactly one test fold.

    Raises
    ------
    ValueError
        If ``n_splits`` exceeds the number of members of every class.

    Warns
    -----
    UserWarning
        If the smallest class has fewer than ``n_splits`` members (some folds lack it).

    Notes
    -----
    scikit-learn's allocation: sort the (encoded) labels, deal them out to the folds like
    cards (sample :math:`i` of the sorted list goes to fold :math:`i \bmod k`), and count how
    many of each class every fold received. Then, class by class, the samples of that class
    in their original order are assigned to folds 0, 0, ..., 1, 1, ... in those numbers
    (shuffled if ``shuffle=True``). Classes are numbered by first appearance in ``y``.

    References
    ----------
    .. [1] ``sklearn.model_selection.StratifiedKFold``;
       ``notebooks/11_generalization_and_model_selection.ipynb``, section 4.

    Examples
    --------
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    >>> [test.tolist() for _, test in stratified_kfold_indices(y, 2)]
    [[0, 1, 4, 5, 6], [2, 3, 7, 8, 9]]
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    n_splits = check_int("n_splits", n_splits, 2)
    rng = check_random_state(random_state)
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    _, order_of_first = np.unique(first, return_inverse=True)
    encoded = order_of_first[inverse]  # classes numbered by first appearance
    n_classes = len(first)
    counts = np.bincount(encoded)
    if np.all(n_splits > counts):
        raise ValueError(f"n_splits={n_splits} cannot be greater than the number of members "
                         f"in each class (largest class: {counts.max()}).")
    if n_splits > counts.min():
        warnings.warn(f"The least populated class in y has only {counts.min()} members, which "
                      f"is less than n_splits={n_splits}.", UserWarning, stacklevel=2)
    dealt = np.sort(encoded)
    allocation = np.array([np.bincount(dealt[i::n_splits], minlength=n_classes)
                           for i in range(n_splits)])
    test_fold = np.empty(len(y), dtype=int)
    for c in range(n_classes):
        folds_of_c = np.repeat(np.arange(n_splits), allocation[:, c])
        if shuffle:
            rng.shuffle(folds_of_c)
        test_fold[encoded == c] = folds_of_c
    everything = np.arange(len(y))
    return [(everything[test_fold != k], everything[test_fold == k]) for k in range(n_splits)]
