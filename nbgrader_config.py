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
