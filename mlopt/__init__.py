"""mlopt: the reference implementations of the mlopt course on model training and optimization.

Modules, in the order data flows through them: ``losses``, ``surfaces``, ``gradcheck``,
``optimizers``, ``schedules``, ``line_search`` (step sizes: power iteration for L, Armijo
backtracking), ``training``; the solvers ``proximal`` (ISTA, FISTA),
``coordinate_descent`` and ``newton``; ``linear_model`` (scikit-learn-compatible estimators);
``neural_network`` (layers with forward and backward passes, initializers, ``MLPClassifier``);
``datasets`` (offline only); ``metrics`` and ``model_selection`` (evaluation and
cross-validation written out, equal to scikit-learn's), ``search`` (hyper-parameter search at
equal budget, Optuna studies shared by worker processes); ``plotting`` and ``widgets`` draw
what the others computed. ``checks`` and ``grading`` serve the graded exercises.
"""

__version__ = "0.1.0"
