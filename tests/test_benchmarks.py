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
