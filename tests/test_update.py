"""`make update` after a day of study: the newest course comes in, no answer is lost.

The learner's work is uncommitted, committed, or both; the course changes lessons the learner
ran and an exercise the learner answered. A throwaway clone of this repository plays the
learner's checkout, a bare clone the course's public repository; a maintainer's clone pushes a
fake change to it.
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
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = source.replace("raise NotImplementedError()", "return 42  # mine")


def answers(notebook):
    """``{grade_id: source}`` of a notebook's nbgrader answer cells (a path, or its bytes)."""
    nb = json.loads(notebook if isinstance(notebook, bytes) else Path(notebook).read_bytes())
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("solution")}


def assert_course_with_answers(path, course, expected):
    """``path`` is the course's notebook ``course`` except for its answer cells: ``expected``."""
    got, want = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (path, course))
    assert answers(path) == expected
    for cell in (*got["cells"], *want["cells"]):
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = []
    assert got == want
    assert Path(path).read_text(encoding="utf-8").endswith("\n}\n")  # as Jupyter writes


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
    for path in (LESSON1, "NEWS.md"):
        assert (learner / path).read_bytes() == (maintainer / path).read_bytes(), path
    # ... with the answers carried into the exercise the course changed ...
    mine_answers = answers(learner / EX1.replace(".ipynb", ".mine.ipynb"))
    assert_course_with_answers(learner / EX1, maintainer / EX1, mine_answers)
    assert all("# mine" in a for a in mine_answers.values())
    assert done.stdout.count("carried into the new exercise: your answer to") == len(mine_answers)
    assert "needs your attention" not in done.stdout
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
        f" M {EX1}", f" M {EX3}", f" M {LESSON4}", "?? exercises/scratch.py",
        f"?? {EX1.replace('.ipynb', '.mine.ipynb')}"])
    assert "Yours is kept whole" in done.stdout and "only outputs changed" in done.stdout

    again = make_update(learner)
    assert again.returncode == 0 and "Already up to date" in again.stdout


def course_update(maintainer, *changes):
    """The course moves on: each change is ``(path, edit)`` or ``(path, text)`` for a new file."""
    for path, change in changes:
        if callable(change):
            edit(maintainer / path, change)
        else:
            (maintainer / path).write_text(change)
    git("add", "-A", cwd=maintainer)
    git("commit", "-q", "-m", "course update", cwd=maintainer)
    git("push", "-q", "origin", "HEAD", cwd=maintainer)
    return git("rev-parse", "HEAD", cwd=maintainer).strip()


def snapshot(learner):
    """Every file of the learner's checkout (but .git and backups/) and where HEAD is."""
    files = {str(p.relative_to(learner)): p.read_bytes() for p in learner.rglob("*")
             if p.is_file() and p.relative_to(learner).parts[0] not in {".git", "backups"}}
    return files, git("rev-parse", "HEAD", cwd=learner).strip()


def test_update_merges_the_course_into_a_learners_own_commits(checkouts):
    upstream, learner, maintainer = checkouts
    # a day of study, committed as `make exercises` advises ...
    edit(learner / EX1, answer)
    edit(learner / EX3, answer)
    edit(learner / LESSON1, run_all)                   # ran, and committed with the rest
    edit(learner / LESSON4, add_markdown("my notes"))  # notes in a lesson, committed too
    git("commit", "-q", "-am", "my answers", cwd=learner)
    mine_head = git("rev-parse", "HEAD", cwd=learner).strip()
    committed = {p: (learner / p).read_bytes() for p in (EX1, EX3, LESSON1, LESSON4)}
    # ... and more since: lessons run, an answer not committed yet
    edit(learner / LESSON2, run_all)
    edit(learner / LESSON4, run_all)                   # the annotated lesson, run
    lesson4 = (learner / LESSON4).read_bytes()
    edit(learner / EX3, add_markdown("more notes"))
    readme = (learner / "README.md").read_text()
    (learner / "README.md").write_text("My own title\n" + readme.split("\n", 1)[1])
    since = {p: (learner / p).read_bytes() for p in (LESSON2, EX3, "README.md")}
    since_kept = {EX3: since[EX3]}
    # the course changes a lesson the learner ran, an exercise the learner answered, the README
    new_head = course_update(maintainer, (LESSON1, add_markdown("new in the course")),
                             (EX1, add_markdown("a clearer task")), ("NEWS.md", "news\n"),
                             ("README.md", readme + "A line from the course.\n"),
                             (LESSON4, add_markdown("new in the course")))

    done = make_update(learner)
    assert done.returncode == 0, done.stderr
    # the annotated lesson: the course's in place, the learner's (notes and run) beside it
    assert (learner / LESSON4).read_bytes() == (maintainer / LESSON4).read_bytes()
    assert (learner / LESSON4.replace(".ipynb", ".mine.ipynb")).read_bytes() == lesson4
    # a merge commit on top of the learner's: their commit and the course's are both in it
    parents = git("rev-parse", "HEAD^1", "HEAD^2", cwd=learner).split()
    assert parents == [mine_head, new_head]
    assert git("branch", "--list", "backup-*", "--format=%(objectname)", cwd=learner).split() \
        == [mine_head]
    # the course's versions where only outputs (or nothing) of the learner's were at stake ...
    for path in (LESSON1, "NEWS.md"):
        assert (learner / path).read_bytes() == (maintainer / path).read_bytes(), path
    # ... the committed answers carried into the changed exercise, in the merge commit ...
    assert_course_with_answers(learner / EX1, maintainer / EX1, answers(committed[EX1]))
    assert git("show", f"HEAD:{EX1}", cwd=learner) == (learner / EX1).read_text()
    # ... every answer kept: committed, uncommitted, and the one the course changed beside it
    assert (learner / EX1.replace(".ipynb", ".mine.ipynb")).read_bytes() == committed[EX1]
    for path, content in since_kept.items():
        assert (learner / path).read_bytes() == content, path
    assert (learner / LESSON2).read_bytes() == (maintainer / LESSON2).read_bytes()  # only ran
    assert (learner / "README.md").read_text() == (  # both changes, merged by git merge-file
        "My own title\n" + readme.split("\n", 1)[1] + "A line from the course.\n")
    assert "return 42  # mine" in (learner / EX3).read_text()
    assert "only outputs changed" in done.stdout and "Yours is kept whole" in done.stdout
    (backup,) = (learner / "backups").iterdir()
    for path, content in {**committed, **since, LESSON4: lesson4}.items():  # newest of each
        assert (backup / path).read_bytes() == content, path
    status = git("status", "--porcelain", cwd=learner).splitlines()
    assert sorted(status) == sorted([f" M {EX3}", " M README.md",
                                     f"?? {EX1.replace('.ipynb', '.mine.ipynb')}",
                                     f"?? {LESSON4.replace('.ipynb', '.mine.ipynb')}"])
    assert "Already up to date" in make_update(learner).stdout


def answer_task(grade_id, body):
    """Answer one task: its stub's `raise NotImplementedError()` becomes ``body``."""
    def change(nb):
        (cell,) = [c for c in nb["cells"]
                   if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
        source = "".join(cell["source"])
        assert "raise NotImplementedError()" in source
        cell["source"] = source.replace("raise NotImplementedError()", body)
    return change


def change_cell(grade_id, old, new):
    def change(nb):
        (cell,) = [c for c in nb["cells"]
                   if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
        source = "".join(cell["source"])
        assert old in source
        cell["source"] = source.replace(old, new, 1)
    return change


def test_answers_are_carried_into_an_exercise_the_course_changed(checkouts):
    """Exercise 03 as the learner has it: tasks 1-3 answered and committed, task 4 answered
    since, a note of their own. The course rewords task 2, changes task 3's stub and task 1's
    test, and adds a cell: answers 1 and 4 are carried over, 2 and 3 are named."""
    upstream, learner, maintainer = checkouts
    for grade_id in ("gd_step", "gradient_descent", "max_stable_lr"):
        edit(learner / EX3, answer_task(grade_id, f"return '{grade_id}: committed'  # mine"))
    git("commit", "-q", "-am", "tasks 1-3", cwd=learner)
    committed = (learner / EX3).read_bytes()
    edit(learner / EX3, answer_task("standardize", "return 'standardize: since'  # mine"))
    edit(learner / EX3, add_markdown("my own note"))
    since = (learner / EX3).read_bytes()
    course_update(
        maintainer,
        (EX3, change_cell("md-03", "## 2. The loop", "## 2. The loop, reworded")),
        (EX3, change_cell("max_stable_lr", '"""', '"""(Changed.) ')),
        (EX3, change_cell("test_gd_step", "check_gd_step(gd_step)",
                          "check_gd_step(gd_step)  # stricter")),
        (EX3, add_markdown("new in the course")))
    course = answers(maintainer / EX3)

    done = make_update(learner)
    assert done.returncode == 0, done.stderr
    expected = {**course, "gd_step": answers(committed)["gd_step"],
                "standardize": answers(since)["standardize"]}
    assert_course_with_answers(learner / EX3, maintainer / EX3, expected)
    # the merge commit holds the committed answer that could be carried, not the later one
    assert answers(git("show", f"HEAD:{EX3}", cwd=learner).encode()) == {
        **course, "gd_step": answers(committed)["gd_step"]}
    # the learner's whole version is beside it (the committed one too, on the backup branch)
    assert (learner / EX3.replace(".ipynb", ".mine.ipynb")).read_bytes() == since
    assert git("show", f"HEAD^1:{EX3}", cwd=learner).encode() == committed
    # and the printout says exactly what was carried and what needs attention
    lines = [line.strip() for line in done.stdout.splitlines()]
    carried = [line for line in lines if line.startswith("carried into the new exercise")]
    attention = [line for line in lines if line.startswith("needs your attention")]
    assert carried == [
        "carried into the new exercise: your answer to 1. One step downhill (1 point) [gd_step]",
        "carried into the new exercise: your answer to 4. Standardize with the training "
        "statistics (2 points) [standardize]"]
    mine = "03_gradient_descent.mine.ipynb"
    assert attention == [
        "needs your attention: 2. The loop, reworded (2 points) [gradient_descent]: the task "
        f"changed in the course: copy what still fits from {mine}",
        "needs your attention: 3. How large can the step be? (1 point) [max_stable_lr]: the "
        f"task changed in the course: copy what still fits from {mine}",
        "needs your attention: 1 cell(s) you added or edited outside the answer cells: copy "
        f"what still fits from {mine}"]
    assert f"{EX3}: the course changed this exercise. Yours is kept whole as " \
        f"{EX3.replace('.ipynb', '.mine.ipynb')}." in lines


def test_the_newest_courses_updater_does_the_update(checkouts):
    """A checkout's updater may be older than the course's: the course's newest one runs."""
    upstream, learner, maintainer = checkouts
    edit(learner / EX3, answer)
    mine = (learner / EX3).read_bytes()
    source = (maintainer / "mlopt" / "_update.py").read_text()
    assert source.count("Updated to the newest course (") == 1
    new_head = course_update(maintainer, ("mlopt/_update.py", source.replace(
        "Updated to the newest course (", "Updated by the newest updater to the course (")))

    done = make_update(learner)
    assert done.returncode == 0, done.stderr
    assert "Running the newest course's updater" in done.stdout
    assert f"Updated by the newest updater to the course ({new_head[:7]})" in done.stdout
    assert git("rev-parse", "HEAD", cwd=learner).strip() == new_head
    assert (learner / EX3).read_bytes() == mine
    again = make_update(learner)
    assert again.returncode == 0 and "Already up to date" in again.stdout


def test_a_conflict_git_cannot_merge_stops_and_changes_nothing(checkouts):
    upstream, learner, maintainer = checkouts
    readme = learner / "README.md"
    readme.write_text("My own title\n" + readme.read_text().split("\n", 1)[1])
    git("commit", "-q", "-am", "my title", cwd=learner)
    edit(learner / EX3, answer)                        # not committed
    edit(learner / LESSON1, run_all)                   # not committed
    (learner / "exercises" / "scratch.py").write_text("mine = 1\n")
    before = snapshot(learner)
    status = git("status", "--porcelain", cwd=learner)
    text = (maintainer / "README.md").read_text()
    course_update(maintainer, ("README.md", "The course's title\n" + text.split("\n", 1)[1]),
                  (LESSON1, add_markdown("new in the course")))

    done = make_update(learner)
    assert done.returncode != 0
    assert "README.md" in done.stderr and "Nothing was changed" in done.stderr
    assert "git merge" in done.stderr
    assert snapshot(learner) == before
    assert git("status", "--porcelain", cwd=learner) == status
    assert git("branch", "--list", "backup-*", cwd=learner) == ""
    (backup,) = (learner / "backups").iterdir()
    assert (backup / EX3).read_bytes() == before[0][EX3]


def test_carry_answers_names_removed_and_changed_tasks_and_skips_blank_ones():
    """carry_answers on exercise 03 itself: tasks renamed away, added, reworded, left blank."""
    from mlopt._update import carry_answers

    course = (ROOT / EX3).read_text(encoding="utf-8")
    old = json.loads(course)
    mine = json.loads(course)
    answer_task("gd_step", "return 'a'  # mine")(mine)
    answer_task("standardize", "return 'b'  # mine")(mine)
    answer_task("choose_lr", "return 'c'  # mine")(mine)
    mine["cells"].append({"cell_type": "code", "execution_count": None, "id": "my-cell",
                          "metadata": {}, "outputs": [], "source": ["scratch = 1"]})
    new = json.loads(course)
    for cell in new["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "choose_lr":
            meta["grade_id"] = "choose_learning_rate"   # the task was replaced
        if meta.get("grade_id") == "md-07":           # standardize's description changed
            cell["source"] = "".join(cell["source"]).replace("training statistics",
                                                              "training mean and SD", 1)
    text, carried, attention = carry_answers(course, json.dumps(mine), json.dumps(new))
    assert carried == ["1. One step downhill (1 point) [gd_step]"]
    assert attention == [
        "4. Standardize with the training mean and SD (2 points) [standardize]: the task "
        "changed in the course",
        "6. Choose a learning rate, knowing only the loss (2 points) [choose_lr]: no longer in "
        "the course",
        "1 cell(s) you added or edited outside the answer cells"]
    got = answers(text.encode())
    assert got["gd_step"].endswith("return 'a'  # mine")
    assert got["standardize"] == answers(json.dumps(old).encode())["standardize"]
    assert "# mine" not in "".join(v for k, v in got.items() if k != "gd_step")
    # without the course's old version, the learner's own copy stands in for it
    _, carried, attention = carry_answers(None, json.dumps(mine), course)
    assert carried == ["1. One step downhill (1 point) [gd_step]",
                       "4. Standardize with the training statistics (2 points) [standardize]",
                       "6. Choose a learning rate, knowing only the loss (2 points) [choose_lr]"]
    assert attention == []
