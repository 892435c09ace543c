"""``make update``: bring the newest course into a checkout where a learner has been working.

Standard library only (it runs before the environment exists, with any Python 3.10+)::

    python3 -m mlopt._update            # from the repository root

What it does, in this order, and never anything else:

1. ``git fetch``, then stop with an explanation if the update cannot be a fast-forward (the
   checkout has commits of its own) or if git is in the middle of something.
2. Back up every file that differs from the last update (your answers in ``exercises/``,
   lessons you ran or edited, files you added) to ``backups/<date-time>/``, same paths.
3. Lessons whose only changes are outputs (you ran them) are reset: the update brings freshly
   executed ones.
4. Every other change of yours that the update would overwrite (an exercise or a lesson that
   changed in the course too) is renamed ``NAME.mine.ipynb`` beside the new version, so the
   new version takes its place and your version stays there to copy answers from.
5. ``git merge --ff-only`` to the newest course. Your other changes stay as they are.

Nothing of yours is deleted: everything changed is in the backup first, and the backups folder
is ignored by git.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main", "only_outputs_differ"]


class UpdateError(RuntimeError):
    """The update cannot go ahead; the message says why and what to do."""


def _git(*args, cwd, check=True):
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise UpdateError(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


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
    try:
        return _cells(old_text) == _cells(new_text)
    except (ValueError, AttributeError, TypeError):
        return False


def _changed_files(root):
    """Files that differ from HEAD: modified, deleted, or new and not ignored."""
    out = _git("status", "--porcelain", "-z", "--untracked-files=all", cwd=root)
    entries, changed = out.split("\0"), {}
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":  # a rename: the next entry is the old name
            i += 1
        changed[path] = code
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


def update(root, *, remote_ref="@{u}", log=print):
    """Run the update in the checkout at ``root``; returns the backup folder (or None)."""
    root = Path(root).resolve()
    if not (root / ".git").exists():
        raise UpdateError(f"{root} is not a git checkout: download the course again instead.")
    for busy in ("MERGE_HEAD", "REBASE_HEAD", "rebase-merge", "rebase-apply"):
        if (root / ".git" / busy).exists():
            raise UpdateError("git is in the middle of a merge or rebase: finish or abort it "
                              "(git merge --abort / git rebase --abort), then run make update.")
    try:
        upstream = _git("rev-parse", "--abbrev-ref", remote_ref, cwd=root).strip()
    except UpdateError as error:
        raise UpdateError("this branch follows no remote branch, so there is nothing to update "
                          "from (git branch --set-upstream-to=origin/main).") from error
    log(f"Fetching the newest course ({upstream}) ...")
    _git("fetch", "--quiet", cwd=root)
    head = _git("rev-parse", "HEAD", cwd=root).strip()
    new = _git("rev-parse", remote_ref, cwd=root).strip()
    if head == new:
        log("Already up to date: nothing changed.")
        return None
    if subprocess.run(["git", "merge-base", "--is-ancestor", "HEAD", remote_ref],
                      cwd=root).returncode != 0:
        raise UpdateError("this checkout has commits of its own, so the newest course cannot "
                          "simply be laid over it. Nothing was changed. Merge by hand "
                          f"(git merge {upstream}) or ask for help.")

    _git("reset", "--quiet", cwd=root)  # unstage (the files themselves are not touched)
    changed = _changed_files(root)
    incoming = set(_git("diff", "--name-only", "-z", "HEAD", remote_ref, cwd=root)
                   .split("\0")) - {""}
    backup = None
    if changed:
        backup = root / "backups" / time.strftime("%Y%m%d-%H%M%S")
        for path in changed:
            source = root / path
            if source.is_file():
                (backup / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, backup / path)
        log(f"Backed up {len(changed)} changed file(s) to {backup.relative_to(root)}/")

    for path, code in sorted(changed.items()):
        source = root / path
        if _is_lesson(path) and code == " M":
            old = _git("show", f"HEAD:{path}", cwd=root)
            if only_outputs_differ(old, source.read_text(encoding="utf-8")):
                _git("checkout", "HEAD", "--", path, cwd=root)
                log(f"  {path}: only outputs changed (you ran it): reset, the update brings "
                    "a fresh run")
                continue
        if path in incoming and source.is_file():
            aside = _aside(root, path)
            shutil.move(source, aside)
            if code != "??":
                _git("checkout", "HEAD", "--", path, cwd=root)
            log(f"  {path}: changed by you and in the course: yours is now "
                f"{aside.relative_to(root)}, the new version takes its place")
        elif path in incoming and code == " D":
            _git("checkout", "HEAD", "--", path, cwd=root)  # deleted by you, changed upstream
        else:
            log(f"  {path}: yours, kept as it is")

    _git("merge", "--ff-only", "--quiet", remote_ref, cwd=root)
    log(f"Updated to the newest course ({new[:7]}).")
    return backup


def main(argv=None):
    root = Path(argv[0] if argv else ".")
    try:
        update(root)
    except UpdateError as error:
        print(f"make update: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
