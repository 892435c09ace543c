"""``make update``: bring the newest course into a checkout where a learner has been working.

Standard library only (it runs before the environment exists, with any Python 3.10+)::

    python3 -m mlopt._update            # from the repository root

Your work may be changes you have not committed (answers typed into ``exercises/``, lessons
you ran, notes, files you added), commits of your own (``git commit -am "my answers"``), or
both. What the update does, in this order, and never anything else:

1. ``git fetch``; stop with an explanation if git is in the middle of a merge or rebase. If
   the newest course has another version of this updater, that one runs instead.
2. Back up every file you changed since the course version you have (committed or not) to
   ``backups/<date-time>/``, same paths; if you made commits, also name them with a branch,
   ``backup-<date-time>``. Nothing below happens before this backup exists.
3. Bring the course in: a fast-forward when you have no commits of your own, otherwise a merge
   commit on top of yours. Where the course changed a file you changed too:

   * a lesson you only ran (its outputs differ, no cell text does) becomes the course's
     version: the update brings freshly executed lessons;
   * an exercise with your answers becomes the course's new version with your answers carried
     into it (:func:`carry_answers`): an answer cell gets your code when its nbgrader
     ``grade_id`` still exists and its task (the cells that describe it, the stub) did not
     change. Yours is kept whole beside it as ``NAME.mine.ipynb``, and the update prints each
     task carried over and each that needs your attention (a task the course changed or
     removed, cells you added or edited outside the answer cells);
   * any other notebook (a lesson with your notes) becomes the course's version, and yours is
     kept whole beside it as ``NAME.mine.ipynb``;
   * any other file is merged by git. If git cannot merge it, the update stops and puts
     everything back as it was (same commits, same files), naming the files to merge by hand.

4. Your uncommitted changes go back in place, by the same rules where the course changed the
   same file (a text file git can merge gets both changes, otherwise yours goes beside it as
   ``NAME.mine.EXT``), except lessons you only ran: they stay reset to the course's freshly
   executed outputs. Everything else of yours is kept exactly as it was.

Nothing of yours is deleted: it is in the backup before anything changes, and the backups
folder is ignored by git. Every step is printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["carry_answers", "main", "only_outputs_differ", "update"]


class UpdateError(RuntimeError):
    """The update cannot go ahead; the message says why and what to do."""


class _HandedOver(Exception):  # noqa: N818 (not an error: the newest updater ran)
    """The course's newest updater did the update; ``args[0]`` is its exit code."""


_NEWEST = "MLOPT_UPDATE_NEWEST"  # set for the newest updater, so that it does not hand over


def _run(args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def _git(*args, cwd, check=True):
    result = _run(args, cwd)
    if check and result.returncode != 0:
        raise UpdateError(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def _show(root, rev, path):
    """The bytes of ``path`` at commit ``rev``, or None if it does not exist there."""
    result = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def _names(root, *args):
    return set(_git("diff", "--name-only", "--no-renames", "-z", *args, cwd=root)
               .split("\0")) - {""}


def _cells(text):
    """A notebook's cells without outputs, execution counts or metadata: what a learner wrote."""
    nb = json.loads(text)
    return [(c.get("cell_type"), "".join(c.get("source", ""))) for c in nb.get("cells", [])]


def only_outputs_differ(old_text, new_text):
    """Whether two versions of a notebook differ in outputs and metadata only.

    Examples
    --------
    >>> a = '{"cells": [{"cell_type": "code", "source": ["x = 1"], "outputs": []}]}'
    >>> b = '{"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [{"a": 1}]}]}'
    >>> only_outputs_differ(a, b), only_outputs_differ(a, b.replace("x = 1", "x = 2"))
    (True, False)
    """
    if old_text is None or new_text is None:
        return False
    try:
        return _cells(old_text) == _cells(new_text)
    except (ValueError, AttributeError, TypeError):
        return False


def _changed_files(root):
    """Uncommitted changes: ``{path: two-letter status}``, modified, deleted or new."""
    out = _git("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", cwd=root)
    changed = {}
    for entry in out.split("\0"):
        if entry:
            changed[entry[3:]] = entry[:2]
    return changed


def _is_lesson(path):
    return path.startswith("notebooks/") and path.endswith(".ipynb")


def _aside(root, path):
    """A free name beside ``path`` for the learner's version: NAME.mine.ipynb, then -2, -3..."""
    target = root / path
    stem, suffix = target.name.split(".", 1) if "." in target.name else (target.name, "")
    suffix = f".{suffix}" if suffix else ""
    for n in range(1, 1000):
        tag = "mine" if n == 1 else f"mine-{n}"
        candidate = target.with_name(f"{stem}.{tag}{suffix}")
        if not candidate.exists():
            return candidate
    raise UpdateError(f"too many copies beside {path}")


class _Update:
    """One run of the update; every method logs what it does to the learner's files."""

    def __init__(self, root, remote_ref, log):
        self.root, self.remote_ref, self.log = root, remote_ref, log

    def git(self, *args, check=True):
        return _git(*args, cwd=self.root, check=check)

    def rel(self, path):
        return Path(path).relative_to(self.root)

    # -- where the course and the learner both changed a file -------------------------------

    def settle(self, path, old, mine, new, stage):
        """The course changed ``path`` and so did the learner: put the right bytes in place.

        ``old``: the file as the learner's version of the course had it; ``mine``: the
        learner's; ``new``: the course's now (None where a side deleted it). Writes the result
        to the working tree (and stages it when ``stage``), keeping the learner's version
        beside it where it is not the result. Returns the path if the file must be staged.
        """
        target = self.root / path
        if mine is None and new is None:
            return None  # deleted on both sides
        if mine is None:  # the learner deleted it, the course changed it: take the course's
            self.log(f"  {path}: deleted by you, changed in the course: the course's version "
                     "is back")
            return self.write(path, new, stage)
        if new is None:  # the course removed it: keep the learner's beside, out of the course
            aside = _aside(self.root, path)
            aside.parent.mkdir(parents=True, exist_ok=True)
            aside.write_bytes(mine)
            if target.exists():
                target.unlink()
            if stage:
                self.git("rm", "--quiet", "--cached", "--ignore-unmatch", "--", path)
            self.log(f"  {path}: the course removed it; yours is now {self.rel(aside)}")
            return None
        if path.endswith(".ipynb"):
            if only_outputs_differ(_text(old), _text(mine)):
                self.log(f"  {path}: only outputs changed (you ran it): the course's new "
                         "version replaces it")
                return self.write(path, new, stage)
            return self.notebook(path, old, mine, new, stage)
        return "merge"  # a text file: git's merge decides

    def notebook(self, path, old, mine, new, stage):
        """A notebook changed on both sides: the course's in place, the learner's beside it;
        in an exercise, the learner's answers are carried into the course's new version."""
        if path.startswith("exercises/"):
            try:
                course_old = _show(self.root, self.base, path)
                text, carried, attention = carry_answers(
                    _text(course_old), _text(mine), _text(_show(self.root, self.new, path)))
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                pass  # not a notebook we can read: handled as any other below
            else:
                aside = _aside(self.root, path)
                aside.write_bytes(mine)
                self.log(f"  {path}: the course changed this exercise. Yours is kept whole as "
                         f"{self.rel(aside)}.")
                for task in carried:
                    self.log(f"    carried into the new exercise: your answer to {task}")
                for task in attention:
                    self.log(f"    needs your attention: {task}: copy what still fits from "
                             f"{aside.name}")
                if not carried:
                    self.log("    no answer could be carried over")
                return self.write(path, text.encode("utf-8"), stage)
        aside = _aside(self.root, path)
        aside.write_bytes(mine)
        self.log(f"  {path}: changed by you and in the course: yours is now "
                 f"{self.rel(aside)}, the new version takes its place")
        return self.write(path, new, stage)

    def write(self, path, data, stage):
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if stage:
            self.git("add", "--", path)
        return path

    def restore(self, changed, saved):
        """Put the learner's uncommitted changes back exactly (after ``git reset --hard``)."""
        for path, code in changed.items():
            if path in saved:
                self.write(path, saved[path], stage=False)
            elif "D" in code:
                (self.root / path).unlink(missing_ok=True)

    # -- the run --------------------------------------------------------------------------------

    def run(self):
        root = self.root
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").strip())
        for busy in ("MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD", "rebase-merge",
                     "rebase-apply"):
            if (git_dir / busy).exists():
                raise UpdateError("git is in the middle of a merge or rebase: finish or abort it "
                                  "(git merge --abort / git rebase --abort), then run make "
                                  "update.")
        try:
            upstream = self.git("rev-parse", "--abbrev-ref", self.remote_ref).strip()
        except UpdateError as error:
            raise UpdateError("this branch follows no remote branch, so there is nothing to "
                              "update from (git branch --set-upstream-to=origin/main).") from error
        self.log(f"Fetching the newest course ({upstream}) ...")
        self.git("fetch", "--quiet")
        head = self.git("rev-parse", "HEAD").strip()
        new = self.git("rev-parse", self.remote_ref).strip()
        if _run(["merge-base", "--is-ancestor", new, head], root).returncode == 0:
            self.log("Already up to date: nothing changed.")
            return None
        self.newest_updater(new)
        base = self.git("merge-base", head, new).strip()
        own_commits = base != head
        self.base, self.new = base, new
        self.deferred = set()  # notebooks changed in commits and since: settled after merging

        self.git("reset", "--quiet")  # unstage (the files themselves are not touched)
        changed = self.changed = _changed_files(root)
        committed = _names(root, base, head) if own_commits else set()
        incoming = _names(root, base, new)

        # 1. the backup, before anything changes
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = root / "backups" / stamp
        saved = {}
        for path in sorted(set(changed) | committed):
            source = root / path
            if source.is_file():
                (backup / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, backup / path)
                saved[path] = (backup / path).read_bytes()
        if saved:
            self.log(f"Backed up {len(saved)} file(s) you changed to "
                     f"{backup.relative_to(root)}/")
        branch = f"backup-{stamp}" if own_commits else None
        if branch:
            self.git("branch", branch, head)
            self.log(f"Your commits are also kept on the branch {branch}.")

        # 2. a clean tree for git; put everything back if anything goes wrong
        blocking = [p for p, code in changed.items() if code == "??" and p in incoming]
        try:
            self.git("reset", "--quiet", "--hard", "HEAD")
            for path in blocking:
                (root / path).unlink()
            if own_commits:
                self.merge(upstream, head, new, base, committed & incoming)
            else:
                self.git("merge", "--ff-only", "--quiet", new)
        except BaseException:
            if (git_dir / "MERGE_HEAD").exists():
                self.git("merge", "--abort", check=False)
            self.git("reset", "--quiet", "--hard", head, check=False)
            self.restore(changed, saved)
            if branch:  # the commits are still where they were
                self.git("branch", "--quiet", "-D", branch, check=False)
            raise

        # 3. the uncommitted changes go back
        try:
            self.put_back(changed, saved, head)
        except Exception as error:
            raise UpdateError(
                f"the course was updated, but putting your changes back failed ({error}). "
                f"Every file you had changed is in {backup.relative_to(root)}/: copy yours "
                "back from there.") from error
        self.log(f"Updated to the newest course ({new[:7]}).")
        return backup if saved else None

    def put_back(self, changed, saved, head):
        """Put the learner's uncommitted changes back on top of the updated course."""
        root = self.root
        moved = _names(root, head, "HEAD")
        for path, code in sorted(changed.items()):
            mine = saved.get(path)
            if path in self.deferred and mine is not None:
                self.notebook(path, None, mine, _show(root, "HEAD", path), stage=False)
                continue
            if (_is_lesson(path) and code == " M"
                    and only_outputs_differ(_text(_show(root, head, path)), _text(mine))):
                self.log(f"  {path}: only outputs changed (you ran it): reset, the update "
                         "brings a fresh run")
                continue
            if path not in moved:
                if mine is None:
                    (root / path).unlink(missing_ok=True)  # deleted by the learner
                else:
                    self.write(path, mine, stage=False)
                self.log(f"  {path}: yours, kept as it is")
                continue
            now = _show(root, "HEAD", path)
            if code[0] == "?" and now is not None:  # a file of the learner's, now in the course
                aside = _aside(root, path)
                aside.write_bytes(mine)
                self.log(f"  {path}: the course now has a file of this name: yours is "
                         f"{self.rel(aside)}")
                continue
            if mine is not None and now is None:
                self.settle(path, _show(root, head, path), mine, None, stage=False)
                continue
            old = _show(root, head, path)
            if self.settle(path, old, mine, now, stage=False) == "merge":
                merged = _merge_file(old, mine, now)
                if merged is not None:
                    self.write(path, merged, stage=False)
                    self.log(f"  {path}: changed by you and in the course: both changes merged")
                    continue
                aside = _aside(root, path)
                aside.write_bytes(mine)
                self.log(f"  {path}: changed by you and in the course: yours is now "
                         f"{self.rel(aside)}, the new version takes its place")

    def newest_updater(self, new):
        """Hand over to the course's newest version of this file, if it differs from this one.

        A checkout runs the updater it has, which may be older than the course's; the newest
        one knows the newest course best (and fixes of its own). Its exit code ends the run.
        """
        newest = _show(self.root, new, "mlopt/_update.py")
        if os.environ.get(_NEWEST) or not newest or newest == Path(__file__).read_bytes():
            return
        self.log("Running the newest course's updater ...")
        with tempfile.TemporaryDirectory(prefix="mlopt-update-") as tmp:
            script = Path(tmp) / "_update.py"
            script.write_bytes(newest)
            code = subprocess.run([sys.executable, str(script), str(self.root)],
                                  env={**os.environ, _NEWEST: new}).returncode
        raise _HandedOver(code)

    def merge(self, upstream, head, new, base, both):
        """Merge the course into the learner's commits, settling the files both changed."""
        message = f"Update the course to {upstream} ({new[:7]}), by make update"
        ident = []
        if _run(["var", "GIT_COMMITTER_IDENT"], self.root).returncode != 0:
            ident = ["-c", "user.name=make update", "-c", "user.email=learner@localhost"]
        result = _run([*ident, "merge", "--no-ff", "--no-commit", "--quiet", new], self.root)
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir").strip())
        if not (git_dir / "MERGE_HEAD").exists():
            raise UpdateError(f"git merge {upstream} failed:\n{result.stderr.strip()}")
        self.log(f"Merging the newest course into your {len(_commits(self.root, base, head))} "
                 "commit(s) ...")
        for path in sorted(both):
            mine, theirs = _show(self.root, head, path), _show(self.root, new, path)
            if (path.endswith(".ipynb") and path in self.changed and mine is not None
                    and theirs is not None and (self.root / path).is_file()):
                # changed since the commit too: the version on disk, a superset of the
                # committed one, is settled (and kept beside) after the merge
                self.deferred.add(path)
                if path.startswith("exercises/"):
                    with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError,
                                             IndexError):
                        theirs = carry_answers(_text(_show(self.root, base, path)),
                                               _text(mine), _text(theirs))[0].encode("utf-8")
                self.write(path, theirs, stage=True)
                continue
            self.settle(path, _show(self.root, base, path), mine, theirs, stage=True)
        conflicts = sorted(set(self.git("diff", "--name-only", "--diff-filter=U", "-z")
                               .split("\0")) - {""})
        if conflicts:
            listed = "\n".join(f"  {p}" for p in conflicts)
            raise UpdateError(
                "git cannot merge your changes to these files with the course's:\n"
                f"{listed}\nNothing was changed: your commits and files are as they were (and "
                "copied to backups/). To merge by hand: git merge "
                f"{upstream}, edit the files listed, git add them, git commit.")
        self.git(*ident, "commit", "--quiet", "--no-edit", "-m", message)


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _graded(cell):
    meta = _nbgrader(cell)
    return bool(meta.get("solution") or meta.get("grade"))


def _tasks(nb):
    """``{grade_id: (index, task text, title)}`` for each answer cell of an nbgrader notebook.

    The task text is what the learner reads for the task: the cells since the previous graded
    cell (the task's description) and the answer cell's stub as the course ships it.
    """
    cells, tasks, title = nb.get("cells", []), {}, None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith(("## ", "### ")):
                    title = line.lstrip("#").strip()
                    break
        meta = _nbgrader(cell)
        if meta.get("solution") and meta.get("grade_id"):
            j = i
            while j > 0 and not _graded(cells[j - 1]):
                j -= 1
            text = [(c.get("cell_type"), _source(c)) for c in cells[j:i + 1]]
            tasks[meta["grade_id"]] = (i, text, title)
    return tasks


def carry_answers(old_course, mine, new_course):
    """The course's new exercise with the learner's answers carried over, by nbgrader grade_id.

    An answer cell of ``new_course`` gets the learner's source when the learner's notebook has
    an answer cell with the same ``grade_id`` that is answered (it differs from the stub the
    course shipped) and the task did not change: the cells describing it and its stub are the
    same in ``old_course`` (the exercise as the learner got it) and ``new_course``.

    Parameters
    ----------
    old_course, mine, new_course : str
        The three notebooks as nbformat JSON text. ``old_course`` may be None (not known):
        then the learner's own copy stands for it, and any answer differing from the new stub
        counts as answered.

    Returns
    -------
    text : str
        ``new_course`` with the carried answers, serialized as Jupyter writes notebooks.
    carried : list of str
        The tasks carried over, e.g. ``"1. One step downhill (1 point) [gd_step]"``.
    attention : list of str
        What the learner must look at in their own copy, one sentence each.

    Examples
    --------
    >>> def nb(*sources):
    ...     return json.dumps({"cells": [
    ...         {"cell_type": "markdown", "metadata": {}, "source": "## 1. Task"},
    ...         {"cell_type": "code", "metadata": {"nbgrader": {"solution": True,
    ...          "grade_id": "f"}}, "source": sources[0], "outputs": []},
    ...         {"cell_type": "markdown", "metadata": {}, "source": "## 2. Task"},
    ...         {"cell_type": "code", "metadata": {"nbgrader": {"solution": True,
    ...          "grade_id": "g"}}, "source": sources[1], "outputs": []}]})
    >>> old, new = nb("def f(): ...", "def g(): ..."), nb("def f(): ...", "def g(x): ...")
    >>> text, carried, attention = carry_answers(old, nb("def f(): 1", "def g(): 2"), new)
    >>> [_source(c) for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    ['def f(): 1', 'def g(x): ...']
    >>> carried, attention
    (['1. Task [f]'], ['2. Task [g]: the task changed in the course'])
    """
    new_nb, mine_nb = json.loads(new_course), json.loads(mine)
    old_nb = json.loads(old_course) if old_course is not None else mine_nb
    new_tasks, mine_tasks, old_tasks = _tasks(new_nb), _tasks(mine_nb), _tasks(old_nb)
    carried, attention = [], []
    known = old_course is not None

    def answered(cell_index, grade_id, *stubs):
        source = _source(mine_nb["cells"][cell_index])
        if known and grade_id in old_tasks:
            stubs = (*stubs, old_tasks[grade_id][1][-1][1])
        return source not in stubs

    for grade_id, (i, text, title) in new_tasks.items():
        name = f"{title} [{grade_id}]" if title else f"[{grade_id}]"
        if grade_id not in mine_tasks or not answered(mine_tasks[grade_id][0], grade_id,
                                                      text[-1][1]):
            continue  # a new task, or one the learner has not answered
        before = old_tasks.get(grade_id)
        if (before is None or before[1][:-1] != text[:-1]
                or known and before[1][-1] != text[-1]):
            attention.append(f"{name}: the task changed in the course")
            continue
        new_nb["cells"][i]["source"] = _source(
            mine_nb["cells"][mine_tasks[grade_id][0]]).splitlines(keepends=True)
        carried.append(name)
    for grade_id, (i, _, title) in mine_tasks.items():
        if grade_id not in new_tasks and answered(i, grade_id):
            attention.append(f"{title} [{grade_id}]: no longer in the course")
    if old_course is not None:
        answers = {mine_nb["cells"][i].get("id") for i, *_ in mine_tasks.values()}
        before = {c.get("id"): _source(c) for c in old_nb.get("cells", [])}
        other = [c for c in mine_nb.get("cells", []) if c.get("id") not in answers
                 and before.get(c.get("id")) != _source(c)]
        if other:
            attention.append(f"{len(other)} cell(s) you added or edited outside the answer "
                             "cells")
    text = json.dumps(new_nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return text, carried, attention


def _merge_file(old, mine, new):
    """Three-way merge of a text file (``git merge-file``); None if the changes overlap."""
    if old is None or b"\0" in old + mine + new:
        return None
    with tempfile.TemporaryDirectory(prefix="mlopt-update-") as tmp:
        paths = []
        for name, data in (("mine", mine), ("old", old), ("new", new)):
            paths.append(Path(tmp) / name)
            paths[-1].write_bytes(data)
        result = subprocess.run(["git", "merge-file", "-p", "--quiet", *map(str, paths)],
                                capture_output=True)
    return result.stdout if result.returncode == 0 else None


def _commits(root, base, head):
    return _git("rev-list", f"{base}..{head}", cwd=root).split()


def _text(data):
    return None if data is None else data.decode("utf-8", errors="replace")


def update(root, *, remote_ref="@{u}", log=print):
    """Run the update in the checkout at ``root``; returns the backup folder (or None).

    Raises
    ------
    UpdateError
        When the update cannot go ahead (no git checkout, git busy, no upstream, a conflict
        git cannot merge); nothing has been changed then.
    """
    root = Path(root).resolve()
    if _run(["rev-parse", "--is-inside-work-tree"], root).returncode != 0:
        raise UpdateError(f"{root} is not a git checkout: download the course again instead.")
    return _Update(root, remote_ref, log).run()


def main(argv=None):
    root = Path(argv[0] if argv else ".")
    try:
        update(root)
    except _HandedOver as handed_over:
        return handed_over.args[0]
    except UpdateError as error:
        print(f"make update: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
