"""Checks for the graded exercises, one module per chapter.

A check takes the learner's function, calls it on small problems, and compares with the
reference implementation in :mod:`mlopt`. When the answer is wrong it raises
:class:`AssertionError` with a sentence a learner can act on; before the generic "wrong
value" message it recognises the typical mistakes (sign error, missing ``1/n``, transposed
shapes, ...) by computing what each mistake would have returned.

The exercise notebooks' test cells call these checks; ``tests/test_checks.py`` feeds them the
typical wrong answers and asserts that every one is rejected with the right message.
"""

from mlopt.checks._core import Mistake, call_on_copies, check_array, check_scalar

__all__ = ["Mistake", "call_on_copies", "check_array", "check_scalar"]

# A failed check shows its message, not a traceback through mlopt (in a Jupyter kernel).
from mlopt.checks import _feedback  # noqa: E402

_feedback.install()
