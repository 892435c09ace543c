"""The exercise generator's own step: exercises carry the metadata the course's kernel writes.

``make exercises`` runs ``nbgrader generate_assignment``; ``nbgrader_config.py`` appends
:class:`CourseKernelMetadata` to its preprocessors and sets the metadata there, in one place.

Why: when a notebook opens, JupyterLab asks the kernel for its ``language_info`` (Python's
version, lexer, MIME type, ...) and puts it, with the kernelspec, into the notebook's metadata;
autosave then writes it. An exercise shipped with a bare ``{"name": "python"}`` would show as
modified in ``git status`` after being merely opened, and ``git pull`` would stop on it. So the
exercises are generated with exactly what the course's kernel writes (the Python the pins were
measured on, ``constraints.txt``): opened and saved in any JupyterLab running on that Python,
an untouched exercise stays byte-for-byte the same. On another Python version (a learner's
own 3.12, say) the kernel writes another ``version``; there ``make lab`` and the hub keep the
file clean with :func:`mlopt._lab.keep_kernel_metadata`, which saves the metadata already on
disk. ``tests/test_make_exercises.py`` opens an exercise with a real kernel and checks both.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Dict

__all__ = ["CourseKernelMetadata"]


class CourseKernelMetadata(Preprocessor):
    """Set a notebook's ``kernelspec`` and ``language_info`` to the configured values.

    An empty value (the default) leaves that entry as the source notebook has it.
    """

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled
    kernelspec = Dict(help="The kernelspec JupyterLab writes for the course's kernel.").tag(
        config=True)
    language_info = Dict(help="The kernel's language_info (its kernel_info_reply).").tag(
        config=True)

    def preprocess(self, nb, resources):
        for key in ("kernelspec", "language_info"):
            value = getattr(self, key)
            if value:
                nb.metadata[key] = dict(value)
        return nb, resources
