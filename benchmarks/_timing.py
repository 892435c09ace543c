"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import timeit


def best_time(fn, *, repeat=5, number=None, min_time=0.05):
    """Best wall-clock seconds per call of ``fn()`` over ``repeat`` rounds.

    ``number`` calls make a round; by default enough calls for a round to last ``min_time``.
    The minimum over rounds is the least disturbed by other processes (timeit's advice).
    """
    timer = timeit.Timer(fn)
    if number is None:
        number, _ = timer.autorange() if min_time >= 0.2 else (1, None)
        # autorange aims at 0.2 s; scale down for quick runs
        while number > 1 and timer.timeit(number) > min_time * 4:
            number //= 2
    return min(timer.repeat(repeat=repeat, number=number)) / number


def markdown_table(rows, columns=None):
    """Rows (dicts) as a Markdown table; floats with 3 significant digits."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])

    def fmt(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
