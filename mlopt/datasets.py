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


# Classification sets bundled with scikit-learn (chapters 08-09). Thin wrappers, offline.

__all__ += ["load_breast_cancer", "load_iris", "load_digits", "load_wine"]


def load_breast_cancer(*, return_X_y=False):
    """The Wisconsin breast-cancer data bundled with scikit-learn (569 tumours, 30 features).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` shape (569, 30): cell-nucleus measurements on very different scales
        (standardize before a penalized fit); ``target`` shape (569,): 0 malignant,
        1 benign.

    References
    ----------
    .. [1] Street, Wolberg, Mangasarian, "Nuclear feature extraction for breast tumor
       diagnosis", *IS&T/SPIE Electronic Imaging* 1905, 1993.

    Examples
    --------
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((569, 30), [0, 1])
    """
    return sklearn.datasets.load_breast_cancer(return_X_y=return_X_y)


def load_iris(*, return_X_y=False):
    """Fisher's iris data bundled with scikit-learn (150 flowers, 4 features, 3 species).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` shape (150, 4): sepal and petal length and width in cm; ``target`` shape
        (150,): species 0, 1, 2 (50 each).

    References
    ----------
    .. [1] Fisher, "The use of multiple measurements in taxonomic problems", *Annals of
       Eugenics* 7(2), 1936.

    Examples
    --------
    >>> X, y = load_iris(return_X_y=True)
    >>> X.shape, np.bincount(y)
    ((150, 4), array([50, 50, 50]))
    """
    return sklearn.datasets.load_iris(return_X_y=return_X_y)


def load_digits(*, return_X_y=False):
    """The 8x8 handwritten digits bundled with scikit-learn (1797 images, 64 pixels, 10 classes).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` shape (1797, 64): grey levels 0-16; ``target`` shape (1797,): digit 0-9.

    References
    ----------
    .. [1] Alpaydin and Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
       Learning Repository, 1998.

    Examples
    --------
    >>> X, y = load_digits(return_X_y=True)
    >>> X.shape, int(X.max())
    ((1797, 64), 16)
    """
    return sklearn.datasets.load_digits(return_X_y=return_X_y)


def load_wine(*, return_X_y=False):
    """The wine recognition data bundled with scikit-learn (178 wines, 13 features, 3 cultivars).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` shape (178, 13): chemical analysis (alcohol, malic acid, ...), on different
        scales; ``target`` shape (178,): cultivar 0, 1, 2.

    References
    ----------
    .. [1] Forina et al., "PARVUS: an extendible package for data exploration,
       classification and correlation", 1988 (UCI Machine Learning Repository).

    Examples
    --------
    >>> X, y = load_wine(return_X_y=True)
    >>> X.shape, np.bincount(y)
    ((178, 13), array([59, 71, 48]))
    """
    return sklearn.datasets.load_wine(return_X_y=return_X_y)
