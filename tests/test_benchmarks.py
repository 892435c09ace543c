"""Every benchmark runs (tiny sizes) and reports ratios; speed itself is never asserted."""

import importlib
import math

import pytest

from benchmarks.__main__ import modules


@pytest.mark.parametrize("name", modules())
def test_benchmark_runs_quick(name):
    mod = importlib.import_module(f"benchmarks.{name}")
    rows = mod.run(quick=True)
    assert rows and all("ratio" in r for r in rows)
    assert all(math.isfinite(r["ratio"]) and r["ratio"] > 0 for r in rows)


def test_mlopt_follows_scikit_learn_iteration_by_iteration(tmp_path):
    """The convergence curves of the README: same algorithm, so the same iterates."""
    from benchmarks.convergence import curves, plot

    panels = curves(quick=True)
    for runs in panels.values():
        labels = list(runs)
        for ours, theirs in zip(labels[::2], labels[1::2]):
            (ks, a), (_, b) = runs[ours], runs[theirs]
            for k, x, y in zip(ks, a, b):
                if max(x, y) > 1e-9:  # below that, rounding decides
                    assert x == pytest.approx(y, rel=1e-3), (ours, theirs, k)
    plot(panels, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 0
