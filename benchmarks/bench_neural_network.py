"""One training epoch of a one-hidden-layer MLP on digits: mlopt against scikit-learn.

Both train ``MLPClassifier(hidden_layer_sizes=(128,), batch_size=200, max_iter=1)`` on the
1437 training digits of a stratified 80/20 split (64 features scaled by 1/16, 10 classes):
8 mini-batches, one forward and backward pass each, one optimizer step each. Same
initialization (same ``random_state``), ``shuffle=False`` so both see the same batches. The
rows are Adam (both defaults) and SGD with Nesterov momentum; ``ratio`` is mlopt's time over
scikit-learn's, timed in alternation in the same run (goal ≤ 1.2). ``loss_gap`` is the relative
difference of the epoch's loss between the two (about 1e-16 for SGD, where the algorithms
agree; larger for Adam, whose eps enters differently, see ``mlopt.neural_network``).
mlopt builds its network from :class:`~mlopt.neural_network.Linear` layers and applies the
pure-function optimizer to one flat parameter vector; scikit-learn updates its arrays in place.
"""

from __future__ import annotations

import math
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP

from mlopt.datasets import load_digits
from mlopt.neural_network import MLPClassifier

TITLE = "One epoch of MLPClassifier on digits (1437 x 64, hidden 128, batch 200) vs scikit-learn"


def _data(n_train):
    X, y = load_digits(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X / 16.0, y, test_size=0.2, random_state=0,
                                              stratify=y)
    return X_train[:n_train], y_train[:n_train]


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(quick=False):
    X, y = _data(300 if quick else 1437)
    hidden = 16 if quick else 128
    rounds = 2 if quick else 15
    rows = []
    for name, kw in (("adam", dict(solver="adam")),
                     ("sgd, nesterov", dict(solver="sgd", learning_rate_init=0.1))):
        common = dict(hidden_layer_sizes=(hidden,), batch_size=200, max_iter=1,
                      shuffle=False, random_state=0, **kw)
        models = {"mlopt": MLPClassifier(**common), "sklearn": SkMLP(**common)}
        best = {k: math.inf for k in models}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(rounds):  # alternate, so both see the same disturbances
                for k, model in models.items():
                    best[k] = min(best[k], _seconds(lambda model=model: model.fit(X, y)))
        a, b = models["mlopt"].loss_curve_[0], models["sklearn"].loss_curve_[0]
        rows.append({"solver": name, "samples": X.shape[0], "hidden": hidden,
                     "mlopt_ms": 1e3 * best["mlopt"], "sklearn_ms": 1e3 * best["sklearn"],
                     "loss_gap": float(abs(a - b) / abs(b)),
                     "ratio": best["mlopt"] / best["sklearn"]})
    return rows


if __name__ == "__main__":
    from benchmarks._timing import markdown_table

    print(markdown_table(run()))
