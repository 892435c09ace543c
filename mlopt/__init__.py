"""mlopt: the reference implementations of the mlopt course on model training and optimization.

Modules, in the order data flows through them: ``losses``, ``surfaces``, ``gradcheck``,
``optimizers``, ``schedules``, ``training``, ``linear_model``, ``datasets``; ``plotting`` and
``widgets`` draw what the others computed. ``checks`` holds the graded exercises' checks.
"""

__version__ = "0.1.0"
