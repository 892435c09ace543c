"""nbgrader configuration. nbgrader reads it from the current folder: run it from the repo root."""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

root = os.getcwd()
c.CourseDirectory.root = root
c.CourseDirectory.course_id = "mlopt"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = f"sqlite:///{os.path.join(root, 'gradebook.db')}"
# Stubs raise NotImplementedError, so a learner who runs everything sees which tasks are left.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
# Executing a notebook while grading: generous, a chapter runs in seconds.
c.ExecutePreprocessor.timeout = 120

# Exercises carry the metadata the course's kernel writes when a notebook opens (Python 3.11.7,
# the version constraints.txt was measured on): opened and saved in JupyterLab on that Python,
# an untouched exercise stays unchanged for git. Other versions: mlopt._lab keeps the metadata
# on disk when saving (make lab, the hub). See mlopt/_exercises.py; tests/test_make_exercises.py.
from nbgrader.converters import GenerateAssignment  # noqa: E402

from mlopt._exercises import CourseKernelMetadata  # noqa: E402

c.GenerateAssignment.preprocessors = [
    *GenerateAssignment.class_traits()["preprocessors"].default(), CourseKernelMetadata]
c.CourseKernelMetadata.kernelspec = {
    "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
c.CourseKernelMetadata.language_info = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}
