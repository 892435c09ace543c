"""Measured comparisons: mlopt against a reference timed in the same run (ratios, not seconds).

Each ``bench_*.py`` module defines ``TITLE`` and ``run(quick=False) -> list[dict]``; a row holds
``case``, the measured values and a ``ratio`` column. ``python -m benchmarks`` (``make bench``)
runs them all and prints Markdown tables for the README; ``tests/test_benchmarks.py`` runs them
with ``quick=True`` so they cannot rot. Timings are never asserted.
"""
