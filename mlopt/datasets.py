r"""Offline data: scikit-learn's bundled data sets and small generators. Nothing is downloaded.

The loaders return a :class:`sklearn.utils.Bunch` (``data``, ``target``, ``feature_names``,
``DESCR``) or, with ``return_X_y=True``, the pair ``(X, y)``, as scikit-learn's do.
"""

from __future__ import annotations

import numpy as np
import sklearn.datasets
from sklearn.utils import Bunch

__all__ = ["load_diabetes", "make_house_prices"]


def load_diabetes(*, return_X_y=False, scaled=True):
    """The diabetes regression data bundled with scikit-learn (442 patients, 10 features).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    scaled : bool, default=True
        scikit-learn's default: each feature mean-centered and scaled to unit Euclidean norm
        (so each column has standard deviation :math:`1/\\sqrt{442}`). ``False`` gives the raw
        values (age in years, BMI, blood pressure, ...).

    Returns
    -------
    Bunch or tuple
        ``data`` shape (442, 10), ``target`` shape (442,): disease progression one year later.

    References
    ----------
    .. [1] Efron, Hastie, Johnstone, Tibshirani, "Least Angle Regression", *Annals of
       Statistics* 32(2), 2004.

    Examples
    --------
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X.shape, y.shape
    ((442, 10), (442,))
    """
    return sklearn.datasets.load_diabetes(return_X_y=return_X_y, scaled=scaled)


def make_house_prices(n_samples=100, *, noise=20.0, random_state=0, return_X_y=False):
    r"""Synthetic house prices from living area and number of rooms, in raw units.

    The features are deliberately left unscaled (areas in the thousands, rooms in single
    digits): this is the data on which the classic tutorial "gradient descent with lr=0.01"
    diverges, and on which feature scaling is learned.

    Parameters
    ----------
    n_samples : int, default=100
        Number of houses, >= 1.
    noise : float, default=20.0
        Standard deviation of the Gaussian noise on the price, in thousands of dollars.
    random_state : int or numpy.random.Generator, default=0
        Seed; the same seed gives the same houses.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` shape (n_samples, 2): area in square feet (1000–3000) and rooms (2–6);
        ``target`` shape (n_samples,): price in thousands of dollars; ``coef`` and
        ``intercept``: the true model :math:`\text{price} = 50 + 0.12\,\text{area} +
        15\,\text{rooms} + \varepsilon`.

    Raises
    ------
    ValueError
        If ``n_samples < 1`` or ``noise < 0``.

    Examples
    --------
    >>> X, y = make_house_prices(5, return_X_y=True)
    >>> X.shape, y.shape
    ((5, 2), (5,))
    >>> bool(X[:, 0].min() >= 1000 and X[:, 0].max() <= 3000)
    True
    """
    if not (isinstance(n_samples, (int, np.integer)) and n_samples >= 1):
        raise ValueError(f"n_samples must be a positive integer, got {n_samples=}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise=}")
    rng = np.random.default_rng(random_state)
    area = rng.uniform(1000.0, 3000.0, size=n_samples)
    rooms = rng.integers(2, 7, size=n_samples).astype(float)
    coef, intercept = np.array([0.12, 15.0]), 50.0
    X = np.column_stack([area, rooms])
    y = intercept + X @ coef + rng.normal(0.0, noise, size=n_samples)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        feature_names=["area_sqft", "rooms"],
        coef=coef,
        intercept=intercept,
        DESCR="Synthetic house prices (thousands of dollars) from area (sq ft) and rooms.",
    )
