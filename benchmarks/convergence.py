"""Convergence against iterations on the benchmark problems, mlopt beside scikit-learn.

The solvers are deterministic, so fitting with ``max_iter = k`` gives the k-th iterate; the
same quality is then measured on both fits: the duality gap for the Lasso (coordinate descent,
one sweep per iteration), ``max|grad|`` of the shared objective for LogisticRegression
(L-BFGS, and Newton against scikit-learn's ``newton-cholesky``). Same curves mean the same
algorithm, not merely the same answer.

``python -m benchmarks.convergence [--quick] [--out PATH]`` writes the figure shown in the README
(``benchmarks/convergence_linear_models.png``) and prints the curves as a table.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import sklearn.linear_model as sk
from matplotlib.ticker import MaxNLocator
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from benchmarks._timing import markdown_table
from benchmarks.bench_linear_models import _classification, _gap, _max_grad, _regression
from mlopt import linear_model as ml
from mlopt.coordinate_descent import alpha_grid

OUT = Path(__file__).with_name("convergence_linear_models.png")


def _curve(make_model, quality, X, y, iterations):
    values = []
    for k in iterations:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = make_model(k).fit(X, y)
        values.append(quality(model, X, y))
    return values


def curves(quick=False):
    """The convergence curves: {panel: {label: (iterations, values)}}."""
    n, p = (2_000, 40) if quick else (20_000, 200)
    X, y = _regression(n, p)
    alpha = float(alpha_grid(X - X.mean(0), y - y.mean(), n_alphas=2, eps=1 / 20)[-1])
    sweeps = list(range(1, 8))

    def gap(model, X, y):
        return _gap(model, X, y, 1.0)

    lasso = {
        "mlopt Lasso (cd)": (sweeps, _curve(
            lambda k: ml.Lasso(alpha=alpha, max_iter=k, tol=0.0, precompute=False),
            gap, X, y, sweeps)),
        "scikit-learn Lasso": (sweeps, _curve(
            lambda k: sk.Lasso(alpha=alpha, max_iter=k, tol=0.0), gap, X, y, sweeps)),
    }
    Xc, yc = _classification(n, p)
    solvers = [  # label, estimator class, solver, iterations shown
        ("mlopt L-BFGS", ml.LogisticRegression, "lbfgs", 20),
        ("scikit-learn lbfgs", sk.LogisticRegression, "lbfgs", 20),
        ("mlopt Newton", ml.LogisticRegression, "newton", 6),
        ("scikit-learn newton-cholesky", sk.LogisticRegression, "newton-cholesky", 6),
    ]
    logistic = {}
    for label, estimator, solver, last in solvers:
        steps = list(range(1, last + 1))
        logistic[label] = (steps, _curve(
            lambda k, e=estimator, s=solver: e(solver=s, max_iter=k, tol=0.0),
            _max_grad, Xc, yc, steps))
    return {f"Lasso, {n:,} × {p}, α = α_max/20": lasso,
            f"LogisticRegression, {n:,} × {p}, C = 1": logistic}


def plot(panels, out):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = {"mlopt": dict(lw=2.5, alpha=0.6), "scikit-learn": dict(ls="--", marker="o", ms=3)}
    for ax, (title, runs) in zip(axes, panels.items()):
        for label, (ks, values) in runs.items():
            ax.semilogy(ks, values, label=label, **styles[label.split()[0]])
        ax.set_title(title)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    axes[0].set_xlabel("coordinate-descent sweep")
    axes[1].set_xlabel("L-BFGS or Newton step")
    axes[0].set_ylabel("duality gap")
    axes[1].set_ylabel("max |gradient| of the objective")
    fig.suptitle("mlopt (solid) follows scikit-learn (dashed) iteration by iteration")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.convergence")
    parser.add_argument("--quick", action="store_true", help="a small problem")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with threadpool_limits(1):
        panels = curves(quick=args.quick)
    plot(panels, args.out)
    for title, runs in panels.items():
        print(f"\n### {title}\n")
        rows = [{"iteration": k, **{label: f"{values[i]:.3g}" for label, (ks, values)
                                    in runs.items() if i < len(ks)}}
                for i, k in enumerate(max((ks for ks, _ in runs.values()), key=len))]
        print(markdown_table(rows))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
