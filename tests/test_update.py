"""`make update` after a day of study: the newest course comes in, no answer is lost.

A throwaway clone of this repository plays the learner's checkout, a bare clone the course's
public repository; a maintainer's clone pushes a fake change to it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "advice.detachedHead=0"]
EX1 = "exercises/01_loss_functions_and_gradients/01_loss_functions_and_gradients.ipynb"
EX3 = "exercises/03_gradient_descent/03_gradient_descent.ipynb"
LESSON1 = "notebooks/01_loss_functions_and_gradients.ipynb"
LESSON2 = "notebooks/02_linear_regression_closed_form.ipynb"
LESSON4 = "notebooks/04_stochastic_gradient_descent.ipynb"


def git(*args, cwd):
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def edit(path, change):
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_all(nb):
    """What running a lesson does to the file: new outputs and counts, same sources."""
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = 100 + i
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]


def answer(nb):
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if "raise NotImplementedError()" in source:
            cell["source"] = source.replace("raise NotImplementedError()", "return 42  # mine")


def add_markdown(text):
    return lambda nb: nb["cells"].append(
        {"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": [text]})


@pytest.fixture
def checkouts(tmp_path):
    if git("status", "--porcelain", "--", "mlopt/_update.py", "Makefile", cwd=ROOT):
        pytest.skip("mlopt/_update.py or the Makefile has uncommitted changes: the clone "
                    "would test the committed version")
    upstream, learner, maintainer = (tmp_path / n for n in ("course.git", "learner", "maint"))
    git("clone", "--quiet", "--bare", str(ROOT), str(upstream), cwd=tmp_path)
    git("clone", "--quiet", str(upstream), str(learner), cwd=tmp_path)
    git("clone", "--quiet", str(upstream), str(maintainer), cwd=tmp_path)
    return upstream, learner, maintainer


def make_update(learner):
    return subprocess.run(["make", "--no-print-directory", "update", f"PYTHON={sys.executable}"],
                          cwd=learner, capture_output=True, text=True)


def test_update_brings_the_course_and_keeps_every_answer(checkouts):
    upstream, learner, maintainer = checkouts
    # a day of study
    edit(learner / LESSON1, run_all)                       # ran: outputs only
    edit(learner / LESSON2, run_all)                       # ran: outputs only
    edit(learner / LESSON4, add_markdown("my notes"))      # a real edit of a lesson
    edit(learner / EX1, answer)                            # answers, and the course fixes it
    edit(learner / EX3, answer)                            # answers
    (learner / "exercises" / "scratch.py").write_text("mine = 1\n")
    mine = {p: (learner / p).read_bytes() for p in (LESSON1, LESSON2, LESSON4, EX1, EX3)}
    # meanwhile the course moves on: a lesson and an exercise change, a file is added
    edit(maintainer / LESSON1, add_markdown("new in the course"))
    edit(maintainer / EX1, add_markdown("a clearer task"))
    (maintainer / "NEWS.md").write_text("news\n")
    git("add", "-A", cwd=maintainer)
    git("commit", "-q", "-m", "course update", cwd=maintainer)
    git("push", "-q", "origin", "HEAD", cwd=maintainer)
    new_head = git("rev-parse", "HEAD", cwd=maintainer).strip()

    done = make_update(learner)
    assert done.returncode == 0, done.stderr
    assert git("rev-parse", "HEAD", cwd=learner).strip() == new_head
    # the newest course is in place ...
    for path in (LESSON1, EX1, "NEWS.md"):
        assert (learner / path).read_bytes() == (maintainer / path).read_bytes(), path
    # ... lessons that were only run are back to the course's outputs ...
    assert (learner / LESSON2).read_bytes() == (maintainer / LESSON2).read_bytes()
    # ... and every answer and edit is still there
    assert (learner / EX3).read_bytes() == mine[EX3]
    assert (learner / LESSON4).read_bytes() == mine[LESSON4]
    assert (learner / EX1.replace(".ipynb", ".mine.ipynb")).read_bytes() == mine[EX1]
    assert (learner / "exercises" / "scratch.py").read_text() == "mine = 1\n"
    (backup,) = (learner / "backups").iterdir()
    for path, content in mine.items():
        assert (backup / path).read_bytes() == content, path
    status = git("status", "--porcelain", cwd=learner).splitlines()
    assert sorted(status) == sorted([
        f" M {EX3}", f" M {LESSON4}", "?? exercises/scratch.py",
        f"?? {EX1.replace('.ipynb', '.mine.ipynb')}"])
    assert "yours is now" in done.stdout and "only outputs changed" in done.stdout

    again = make_update(learner)
    assert again.returncode == 0 and "Already up to date" in again.stdout


def test_update_refuses_and_changes_nothing_when_the_checkout_has_its_own_commits(checkouts):
    upstream, learner, maintainer = checkouts
    edit(learner / EX3, answer)
    git("commit", "-q", "-am", "my answers", cwd=learner)
    edit(learner / LESSON1, run_all)
    before = (learner / LESSON1).read_bytes()
    (maintainer / "NEWS.md").write_text("news\n")
    git("add", "-A", cwd=maintainer)
    git("commit", "-q", "-m", "course update", cwd=maintainer)
    git("push", "-q", "origin", "HEAD", cwd=maintainer)

    done = make_update(learner)
    assert done.returncode != 0
    assert "commits of its own" in done.stderr and "Nothing was changed" in done.stderr
    assert (learner / LESSON1).read_bytes() == before
    assert not (learner / "backups").exists()
