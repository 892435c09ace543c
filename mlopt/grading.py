"""Validate one notebook (learners) or autograde a class (instructors), with nbgrader.

Command line (from the repository root, as the Makefile does)::

    python -m mlopt.grading validate exercises/01_.../01_....ipynb
    python -m mlopt.grading grade [--output grades.csv] [--cell-timeout 120]
                                  [--submission-timeout 600] [--root .] [--gradebook FILE]

``validate`` runs the learner's own notebook in one kernel, like nbgrader's Validate button: it
is their own code, no sandbox needed.

``grade`` autogrades ``submitted/<student>/<chapter>/<chapter>.ipynb`` with nbgrader, designed
for hostile and broken submissions (issue 9):

Why this design
---------------
* **Trusted checks, sandboxed answers.** Running the learner's code in the same process as the
  tests cannot be made safe: an answer can rebind ``check_*``, patch ``mlopt.checks`` (even from
  inside the function a check calls) or read the check's frames. So nbgrader's ``Execute`` step
  is replaced by :class:`SandboxedExecute`: the *definitions* of the learner's cells (imports,
  functions, classes, assignments; loops and calls at top level are the learner's experiments
  and are skipped, and named in the reason of a failed test that reads a name they set) run,
  one statement after another as in a kernel, in a separate process (:mod:`mlopt.sandbox`);
  the setup and test cells, taken from the release by nbgrader, run in the grader, where the
  names the task asks for (those the release's answer cells define, taken from the learner's
  latest definition) are proxies that call into the sandbox. Results
  come back as data (numbers, arrays, tuples, ...) decoded without pickle, so a submission can
  only return values; it cannot change the code that judges them. Scores are written by
  nbgrader (``SaveAutoGrades`` into its gradebook) and exported by ``nbgrader export``.
* **Isolation with the tools that exist.** As root (CI, a JupyterHub host) the sandbox runs as
  the unprivileged user ``mlopt-grader`` (``setpriv``), in new PID, network and mount
  namespaces (util-linux ``unshare``: no network; the course folder read-only; ``submitted/``
  and the grader's working folders hidden), with ``prlimit`` limits (processes, memory, file
  size, CPU), in a fresh working copy that is the only place it can write. The grader's copy of
  the course and gradebook live in a folder only root can enter; ``mlopt`` is imported in the
  sandbox from a read-only snapshot. Not root: the same split, limits without namespaces, and a
  warning.
* **Every submission graded or explained.** Each submission is graded on its own (nbgrader's
  API, one call per student and chapter) with a per-cell and a per-submission time limit; a
  timeout or crash restarts the learner's process and the remaining tests still run. Before
  nbgrader sees a notebook, it is read and repaired against the release: deleted or edited
  setup and test cells are put back, a missing answer cell becomes the stub, and each repair
  is a reason. ``grades.csv`` is nbgrader's export plus a ``points_lost`` column and a
  ``reason`` column naming every lost point (test cell, points, the check's message or the
  root cause: a definition that failed, a skipped loop) and every repair. The run exits 0 whenever
  the course itself is sound; only a broken course (no ``submitted/``, nbgrader cannot
  generate the release) is an error.
* **Learner files are never modified.** ``submitted/`` is read once and copied; printed output
  is capped, so autograded copies stay small.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import csv
import hashlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer, List, Unicode

__all__ = ["validate", "grade", "SandboxedExecute", "hash_tree"]

OUTPUT_CAP = 20_000          # characters of printed output kept per cell in autograded copies
NOTEBOOK_OUTPUT_CAP = 200_000   # ... and per notebook (errors included)
ERROR_CAP = 2_000            # characters of an error message kept in an output
MAX_NOTEBOOK = 200 * 2**20   # bytes: a bigger submitted notebook is not read


def validate(path):
    """Run a notebook and its test cells like nbgrader's Validate button.

    Parameters
    ----------
    path : str or Path
        The notebook.

    Returns
    -------
    (bool, str)
        Whether every test cell passed, and a report for the learner.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    """
    from nbgrader.validator import Validator

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    result = Validator().validate(str(path))
    if not result:
        return True, f"{path.name}: success, every test cell passes."
    lines = [f"{path.name}: some test cells fail."]
    for kind, cells in result.items():
        for cell in cells:
            source = cell.get("source", "") if isinstance(cell, dict) else str(cell)
            error = cell.get("error", "") if isinstance(cell, dict) else ""
            first = source.strip().splitlines()[0] if source.strip() else "(empty cell)"
            lines.append(f"- {kind}: {first}\n    {_last_error_line(error)}")
    return False, "\n".join(lines)


def _last_error_line(error):
    """The exception line of nbgrader's HTML traceback, as plain text for a terminal."""
    text = html.unescape(re.sub(r"<[^>]+>", "", error or "")).strip()
    last = text.splitlines()[-1].strip() if text else "(no error message)"
    if last.startswith("NotImplementedError"):
        return "NotImplementedError: not answered yet (replace `raise NotImplementedError()`)"
    return last


# --------------------------------------------------------------------------------------------
# executing one notebook: checks in the grader, answers in the sandbox


def _nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _transform(source):
    """IPython syntax (magics, ``!cmd``) to plain Python, as a kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


CAUSE = "\nCause: "           # separates a failed test's message from what made it fail


def _loaded_names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _set_names(node, modules=()):
    """Global names a statement binds or changes in place: ``x = ...``, ``for x in``,
    ``x[k] = ...``, ``x.a = ...``, ``x.append(...)`` (not for imported modules: ``np.f()``)."""
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.add(sub.id)
            continue
        if isinstance(sub, (ast.Subscript, ast.Attribute)) and isinstance(sub.ctx, ast.Store):
            base = sub.value
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            base = sub.func.value
        else:
            continue
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name) and base.id not in modules:
            out.add(base.id)
    return out


_STATEMENT = {"Expr": "expression", "AsyncFor": "for", "AsyncWith": "with", "TryStar": "try"}


def _describe_cell(cell, meta):
    if meta.get("solution"):
        return f"answer cell '{meta.get('grade_id')}'"
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"the added cell `{first[:40]}{'...' if len(first) > 40 else ''}`"


class _Alarm:
    """Raise :class:`~mlopt.sandbox.SandboxTimeout` in the grader at ``deadline`` (main thread)."""

    def __init__(self, deadline):
        self.deadline = deadline

    def _fire(self, signum, frame):
        from mlopt.sandbox import SandboxTimeout

        raise SandboxTimeout("time limit reached")

    def __enter__(self):
        self.active = hasattr(signal, "setitimer") and \
            __import__("threading").current_thread() is __import__("threading").main_thread()
        if self.active:
            self.old = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.01))

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)


def _stream(name, text):
    from nbformat.v4 import new_output

    return new_output("stream", name=name, text=text)


def _cap(text, cap):
    text = str(text)
    return text if len(text) <= cap else f"{text[:cap]}... ({len(text) - cap} more characters)"


def _error(ename, evalue, extra=()):
    """An error output whose message and traceback are capped (nbgrader's LimitOutput trims
    lines, not a message of millions of characters on one line)."""
    from nbformat.v4 import new_output

    ename, evalue = _cap(ename, 200), _cap(evalue, ERROR_CAP)
    traceback, room = [f"{ename}: {evalue}"], 2 * ERROR_CAP
    for line in extra:
        line = _cap(line, room)
        room -= len(line)
        traceback.append(line)
        if room <= 0:
            break
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def _snapshot_library(dest):
    """Copy the ``mlopt`` package to ``dest/mlopt``, readable by everyone, writable by nobody."""
    import mlopt

    src = Path(mlopt.__file__).parent
    target = Path(dest) / "mlopt"
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in [Path(dest), *Path(dest).rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return Path(dest)


class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader's Execute step, with the learner's code in a :class:`mlopt.sandbox.Sandbox`.

    Put it in place of ``nbgrader.preprocessors.Execute`` in
    ``Autograde.autograde_preprocessors``: :func:`grade` does, and ``nbgrader autograde`` (e.g.
    on a JupyterHub) does with these lines in ``nbgrader_config.py``::

        from nbgrader.converters.autograde import Autograde
        from nbgrader.preprocessors import Execute
        from mlopt.grading import SandboxedExecute

        c.Autograde.autograde_preprocessors = [
            SandboxedExecute if p is Execute else p
            for p in Autograde.class_traits()["autograde_preprocessors"].default()]
        c.SandboxedExecute.hide = ["/path/to/course/submitted"]     # as root: hidden from answers

    Test and setup cells run in the grader; answer cells (and cells the learner added) run,
    definitions only, in the sandbox. The tests see the task's names as the learner's last
    definition before them, whether in the answer cell or in a cell added after it, as in a
    run from top to bottom (what Validate does). A failed test cell gets an error output whose
    message is the check's, so nbgrader's scores and feedback show it. Not supported by the proxies:
    changing an attribute of a learner's object in place from a check (``obj.W[0] = 1``; assign
    ``obj.W = ...`` instead) and partial credit from a test cell's last expression.
    """

    cell_timeout = Float(120.0, help="seconds per cell").tag(config=True)
    submission_timeout = Float(600.0, help="seconds per notebook").tag(config=True)
    memory = Integer(4 * 2**30, help="address-space limit of the learner's process, bytes"
                     ).tag(config=True)
    processes = Integer(64, help="process limit of the sandbox user").tag(config=True)
    file_size = Integer(64 * 2**20, help="largest file the learner's code may write").tag(
        config=True)
    library = Unicode("", help="folder with a read-only snapshot of mlopt (made if empty)"
                      ).tag(config=True)
    scratch = Unicode("", help="folder for the learner's working copies (a temp dir if empty)"
                      ).tag(config=True)
    output_cap = Integer(NOTEBOOK_OUTPUT_CAP, help="characters of output kept per notebook"
                         ).tag(config=True)
    hide = List(Unicode(), help="folders hidden from the learner's code").tag(config=True)
    read_only = List(Unicode(), help="folders mounted read-only for the learner's code"
                     ).tag(config=True)

    def preprocess(self, nb, resources):
        from mlopt.sandbox import Sandbox, SandboxError, bound_names

        info = resources.get("nbgrader", {})
        expected = self._expected_names(nb, info)
        protected = self._locked_names(nb)
        with contextlib.ExitStack() as stack:
            scratch = Path(self.scratch) if self.scratch else Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="mlopt-box-")))
            scratch.chmod(0o711)
            library = self.library or _snapshot_library(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="mlopt-lib-")))
            workdir = Path(tempfile.mkdtemp(dir=scratch, prefix="work-"))
            src = Path(resources.get("metadata", {}).get("path") or ".")
            for item in src.iterdir() if src.is_dir() else []:
                if item.suffix != ".ipynb" and item.is_file() and not item.is_symlink():
                    shutil.copy2(item, workdir / item.name)
            self.sandbox = Sandbox(workdir, library, hide=self.hide, read_only=self.read_only,
                                   memory=self.memory, processes=self.processes,
                                   cpu=int(self.submission_timeout) + 30,
                                   file_size=self.file_size)
            stack.callback(self.sandbox.stop)
            stack.callback(shutil.rmtree, workdir, True)
            self.namespace = {"__name__": "__main__", "__builtins__": builtins,
                              "get_ipython": lambda: _NoMagics()}
            self.replay = []            # learner-side sources that ran, for restarts
            self.notes = []             # per learner cell: what went wrong, for the reasons
            self.uses = {}              # learner function -> the global names it reads
            self.modules = set()        # names bound by imports
            self.exported = set()       # names of the namespace that are proxies
            self.expected, self.protected = expected, protected
            self.bound_names = bound_names
            self.end = time.monotonic() + self.submission_timeout
            self.restart_pending = False
            try:
                self.sandbox.start()
            except SandboxError as err:
                self.broken = f"the learner's process could not start: {err}"
            else:
                self.broken = None
            self.room = self.output_cap     # characters of output the notebook may still get
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
                    self._run(cell, index)
                    self._limit(cell)
        return nb, resources

    def _limit(self, cell):
        """Keep the notebook's outputs under ``output_cap`` characters in all. A test cell's error
        always stays (it is what costs the points), shortened once the room is used up."""
        kept = []
        graded = bool(_nbgrader_meta(cell).get("grade"))
        for output in cell.outputs:
            if output.get("output_type") == "error":
                if self.room <= 0:
                    if not graded:
                        continue
                    output = _error(output.ename, _cap(output.evalue, 300))
                self.room -= len(output.evalue) + sum(len(t) for t in output.traceback)
                kept.append(output)
                continue
            text = output.get("text", "")
            if self.room <= 0:
                continue
            if len(text) > self.room:
                output["text"] = text[:self.room] + (
                    f"\n... output truncated: the notebook's output limit of {self.output_cap} "
                    "characters was reached; later outputs are not kept ...\n")
            self.room -= len(text)
            kept.append(output)
        cell.outputs = kept

    # -- which names come from the learner

    def _expected_names(self, nb, info):
        """Per answer cell, the names the release's version defines (what tests may use)."""
        from mlopt.sandbox import bound_names

        names = {}
        try:
            from nbgrader.api import Gradebook

            with Gradebook(info["db_url"]) as gb:
                for cell in nb.cells:
                    meta = _nbgrader_meta(cell)
                    if meta.get("solution") and cell.cell_type == "code":
                        source = gb.find_source_cell(meta["grade_id"], info["notebook"],
                                                     info["assignment"]).source
                        names[meta["grade_id"]] = bound_names(ast.parse(_transform(source)))
        except Exception as err:  # noqa: BLE001 -- no gradebook: fall back to the cells
            self.log.warning("answer names from the cells themselves (%s)", err)
            return None
        return names

    def _locked_names(self, nb):
        """Names bound by the locked cells: never taken from the learner."""
        from mlopt.sandbox import bound_names

        names = set(dir(builtins))
        for cell in nb.cells:
            if cell.cell_type == "code" and _nbgrader_meta(cell).get("locked"):
                with contextlib.suppress(SyntaxError, ValueError):
                    names.update(bound_names(ast.parse(_transform(cell.source))))
        return names

    # -- cells

    def _deadline(self, course_code=False):
        """End of the current cell. The course's own setup cells may take longer than a
        learner's cell on a loaded machine (imports): they get at least a minute."""
        limit = max(self.cell_timeout, 60.0) if course_code else self.cell_timeout
        return min(time.monotonic() + limit, self.end)

    def _restart_later(self):
        """The learner's process is gone; start a fresh one only if another cell needs it."""
        self.sandbox.stop()
        self.restart_pending = True

    def _run(self, cell, index):
        meta = _nbgrader_meta(cell)
        learner = meta.get("solution") or not meta.get("locked")
        if getattr(self, "restart_pending", False) and time.monotonic() < self.end:
            self.restart_pending = False
            self._restart()
        if time.monotonic() >= self.end:
            if meta.get("grade"):
                cell.outputs.append(_error(
                    "TimeLimit", f"not run: the submission's time limit of "
                    f"{self.submission_timeout:g} s was reached before this cell"))
            return
        if learner and not meta.get("grade"):
            self._run_learner(cell, meta)
        elif meta.get("grade"):
            self._run_trusted(cell, meta)
        else:
            # the course's setup cells (imports) are the grader's time, not the learner's
            started = time.monotonic()
            self._run_learner(cell, meta, replay_only=True)
            self._run_trusted(cell, meta)
            self.end += time.monotonic() - started

    def _note(self, cell, meta, source):
        """What a learner cell is meant to define and which of its statements will not run."""
        from mlopt.sandbox import KEPT_STATEMENTS, bound_names

        note = {"label": _describe_cell(cell, meta), "error": None, "skipped": []}
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            names = set((self.expected or {}).get(meta.get("grade_id"), []))
            names.update(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", source, re.M))
            names.update(re.findall(r"^(\w+)\s*[:=]", source, re.M))
            note["defines"] = names
            return note
        note["defines"] = set(bound_names(tree))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.modules.update(bound_names(ast.Module(body=[node], type_ignores=[])))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.uses[node.name] = _loaded_names(node)
            elif not isinstance(node, KEPT_STATEMENTS):
                kind = type(node).__name__
                note["skipped"].append((_STATEMENT.get(kind, kind.lower()), node.lineno,
                                        _set_names(node, self.modules)))
        return note

    def _run_learner(self, cell, meta, replay_only=False):
        """Definitions of a learner (or setup) cell, in the sandbox; export the task's names."""
        from mlopt.sandbox import SandboxError, SandboxTimeout

        try:
            source = _transform(cell.source)
        except Exception as err:  # noqa: BLE001
            source = cell.source
            self.log.debug("could not transform a cell: %s", err)
        note = None
        if not replay_only:
            note = self._note(cell, meta, source)
            self.notes.append(note)
        if self.broken:
            return
        self.sandbox.deadline = self._deadline(course_code=replay_only)
        try:
            result = self.sandbox.exec_cell(source, f"<cell {meta.get('grade_id', 'added')}>")
        except SandboxTimeout:
            message = (f"its definitions took longer than {self.cell_timeout:g} s (an endless "
                       "loop in an assignment?) and were skipped")
            cell.outputs.append(_error("TimeLimit", f"the definitions in this cell took longer "
                                       f"than {self.cell_timeout:g} s; they were skipped"))
            if note is not None:
                note["error"] = message
            self._restart_later()
            return
        except SandboxError as err:
            cell.outputs.append(_error("LearnerProcessDied", str(err)))
            if note is not None:
                note["error"] = f"the learner's process died while defining it ({err})"
            self._restart_later()
            return
        finally:
            self.sandbox.deadline = None
        if not replay_only and result["stdout"]:
            cell.outputs.append(_stream("stdout", result["stdout"][:OUTPUT_CAP]))
        if result["error"]:
            if not replay_only:
                cell.outputs.append(_error("AnswerCellError", result["error"]))
                note["error"] = result["error"]
        self.replay.append((source, meta))      # what ran before an error stays defined
        for earlier in self.notes:              # names defined now no longer depend on them
            earlier["defines"] -= set(result["names"])
        self._export(result["names"], meta)

    def _cause(self, source):
        """Why a failed test may have failed besides a wrong answer: a learner cell it depends on
        did not define what it should (an error, a time limit), or top-level statements that set
        a name it reads were skipped. None if nothing points there."""
        try:
            used = _loaded_names(ast.parse(_transform(source)))
        except Exception:  # noqa: BLE001
            return None
        used -= self.protected       # the course's names (np, check_*) are the grader's own
        todo = list(used)
        while todo:                  # the learner's functions the test calls, and what they read
            for name in self.uses.get(todo.pop(), ()):
                if name not in used:
                    used.add(name)
                    todo.append(name)
        causes = []
        for note in self.notes:
            if note["error"] and note["defines"] & used:
                causes.append(f"{note['label']}: {note['error'][:300]}")
            for kind, line, names in note["skipped"]:
                hit = sorted(names & used)
                if hit:
                    causes.append(
                        f"the top-level `{kind}` statement at line {line} of {note['label']} "
                        "was not run by the grader (only imports, definitions and assignments "
                        f"are); it sets {', '.join(hit[:5])}: set it in an assignment or "
                        "inside a function")
        return "; ".join(dict.fromkeys(causes[:3])) or None

    def _export(self, names, meta):
        from mlopt.sandbox import SandboxError

        if meta.get("locked") and not meta.get("solution"):
            return                      # setup cells: the grader ran its own copy
        # The task's names (those the release's answer cells define), from whichever learner
        # cell defined them last, as in a run from top to bottom: an answer written in a cell
        # added below the stub replaces the stub, and a stub run later replaces the answer.
        if self.expected is not None:
            wanted = list(dict.fromkeys(n for group in self.expected.values() for n in group))
        else:
            wanted = [n for n in names if n not in self.protected]
        for name in wanted:
            if name in names and name not in self.protected:
                try:
                    self.namespace[name] = self.sandbox.lookup(name)
                    self.exported.add(name)
                except (NameError, SandboxError):
                    self.namespace.pop(name, None)

    def _restart(self):
        """A fresh learner process, with the definitions that worked so far."""
        from mlopt.sandbox import SandboxError, SandboxTimeout

        for name in self.exported:
            self.namespace.pop(name, None)
        self.exported = set()
        started, end = time.monotonic(), self.end
        self.end = float("inf")       # restarting is the grader's time, not the learner's
        try:
            self.sandbox.start()
            for source, meta in self.replay:
                course_code = bool(meta.get("locked")) and not meta.get("solution")
                self.sandbox.deadline = self._deadline(course_code)
                result = self.sandbox.exec_cell(source, f"<cell {meta.get('grade_id', 'added')}>")
                self._export(result["names"], meta)
        except (SandboxError, SandboxTimeout) as err:
            self.broken = f"the learner's process could not be restarted: {err}"
            self.sandbox.stop()
        finally:
            self.sandbox.deadline = None
            self.end = end + (time.monotonic() - started)

    def _run_trusted(self, cell, meta):
        """A setup or test cell, in the grader's namespace, with the cell's time limit."""
        from mlopt.sandbox import CappedWriter, LearnerException, SandboxError, SandboxTimeout

        out, err = CappedWriter(OUTPUT_CAP), CappedWriter(OUTPUT_CAP)
        deadline = self._deadline(course_code=not meta.get("grade"))
        failure = None
        try:
            code = compile(_transform(cell.source), f"<test cell {meta.get('grade_id')}>", "exec")
        except SyntaxError as error:
            failure = _error("SyntaxError", str(error))
            code = None
        if code is not None:
            self.sandbox.deadline = deadline
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                        warnings.catch_warnings(), _Alarm(deadline + 1.0):
                    warnings.simplefilter("default")
                    exec(code, self.namespace)
            except SandboxTimeout:
                limit = (f"the cell's time limit of {self.cell_timeout:g} s"
                         if deadline < self.end else
                         f"the submission's time limit of {self.submission_timeout:g} s")
                failure = _error("TimeLimit", f"{limit} was reached (an endless loop, or much "
                                 "too slow?); the learner's process was stopped")
                self._restart_later()
            except SandboxError as error:
                failure = _error("LearnerProcessDied", f"{error}. "
                                 "It ran out of memory or crashed")
                self._restart_later()
            except Exception as error:  # noqa: BLE001 -- the test failed: its message is data
                ename = type(error).__name__
                evalue = str(error)
                if isinstance(error, NameError) and self.broken:
                    evalue += f" ({self.broken})"
                extra = []
                learner_tb = getattr(error, "learner_traceback", "")
                if learner_tb and not isinstance(error, AssertionError):
                    extra = ["", "raised in your code:", learner_tb]
                if isinstance(error, LearnerException):
                    ename = f"{ename} (raised in your code)"
                cause = self._cause(cell.source)
                if cause:
                    evalue += CAUSE + cause
                failure = _error(ename, evalue, extra)
            finally:
                self.sandbox.deadline = None
        if out.getvalue():
            cell.outputs.append(_stream("stdout", out.getvalue()))
        if err.getvalue() and meta.get("grade"):
            # Warnings go to stdout: in nbgrader any stderr output costs a test all its points.
            cell.outputs.append(_stream("stdout", err.getvalue()))
        if failure is not None:
            cell.outputs.append(failure)


class _NoMagics:
    """``get_ipython()`` for transformed magics: they are ignored while grading."""

    def __getattr__(self, name):
        return lambda *a, **k: None


# --------------------------------------------------------------------------------------------
# a class: read, repair, autograde, export


def hash_tree(folder):
    """``{relative path: sha256}`` of every file under ``folder`` (symlinks by target text)."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _nbgrader(args, cwd):
    exe = Path(sys.executable).with_name("nbgrader")
    env = dict(os.environ)
    env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader calls alembic
    cmd = [str(exe), *args, "--log-level=WARN"]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _kind(meta):
    if meta.get("grade") and not meta.get("solution"):
        return "test cell"
    if meta.get("solution"):
        return "answer cell"
    return "locked cell"


def _repair(path, release):
    """Read a submitted notebook and line it up with the release.

    Returns
    -------
    (notebook or None, list of str)
        The notebook to grade (None if it cannot be read) and the reasons: what was wrong and
        what was done about it.
    """
    import nbformat

    try:
        if path.is_symlink() or not path.is_file():
            return None, [f"{path.name} is not a regular file"]
        if path.stat().st_size > MAX_NOTEBOOK:
            return None, [f"{path.name} is larger than {MAX_NOTEBOOK >> 20} MB; not graded"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, encoding="utf-8") as f:
                nb = nbformat.read(f, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as err:  # noqa: BLE001 -- whatever is wrong with the file, say it
        text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, [f"not a readable notebook ({type(err).__name__}: {text[:200]}); "
                      "nothing could be graded"]
    reasons = []
    learner = {}
    extras = {None: []}             # free cells, keyed by the grade_id they follow
    last = None
    released = {_nbgrader_meta(c).get("grade_id") for c in release.cells} - {None}
    for cell in nb.cells:
        meta = _nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid in released and gid not in learner:
            learner[gid] = cell
            last = gid
        else:
            # An added cell (or a copy of a released one) is an ordinary learner cell: nbgrader
            # metadata on it (copied with a cell, or written by hand) would make nbgrader fail
            # the notebook, or a cell the grader trusts of it.
            if isinstance(cell.get("metadata"), dict):
                cell.metadata.pop("nbgrader", None)
            extras.setdefault(last, []).append(cell)
    cells = list(extras[None])
    for ref in release.cells:
        meta = _nbgrader_meta(ref)
        gid = meta.get("grade_id")
        mine = learner.get(gid)
        if gid is None:
            continue
        if meta.get("solution"):
            if mine is None or mine.cell_type != ref.cell_type:
                reasons.append(f"answer cell '{gid}' is missing; graded as unanswered")
                mine = nbformat.from_dict(ref)
            mine.metadata["nbgrader"] = dict(meta)
            cells.append(mine)
        else:
            if mine is None:
                if ref.cell_type == "code":
                    reasons.append(f"{_kind(meta)} '{gid}' was deleted; graded with the original")
                cells.append(nbformat.from_dict(ref))
            else:
                if mine.cell_type == "code" and mine.source.strip() != ref.source.strip():
                    reasons.append(f"{_kind(meta)} '{gid}' was edited; graded with the original")
                cells.append(nbformat.from_dict(ref))
        cells.extend(extras.get(gid, []))
    nb.cells = cells
    nb.metadata = nbformat.from_dict(dict(release.metadata))
    return nb, reasons


def _stand_in(release, why):
    """The released chapter, headed by a note saying why it is graded instead of the learner's."""
    import copy

    import nbformat

    nb = copy.deepcopy(release)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"**Your submission could not be graded:** {'; '.join(why)}. The chapter as released "
        "was graded in its place, so every task scores 0."))
    return nb


def _failed_cells(path):
    """Reasons for the test cells of an autograded notebook that lost points."""
    import nbformat

    reasons = []
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001
        return ["the autograded notebook could not be read"]
    for cell in nb.cells:
        meta = _nbgrader_meta(cell)
        if not (meta.get("grade") and cell.cell_type == "code"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message, _, cause = str(output.get("evalue", "")).partition(CAUSE)
                message = " ".join(message.split())
                if output.get("ename") == "NotImplementedError" or \
                        "NotImplementedError" in str(output.get("traceback", "")):
                    message = "not answered (raise NotImplementedError() is still there)"
                elif len(message) > 300:
                    message = message[:297] + "..."
                message = f"{output.get('ename')}: {message}"
                if cause:     # the root cause first: "answer cell 'mse': SyntaxError ...; so"
                    message = f"{' '.join(cause.split())[:600]}; so {message}"
                reasons.append(f"{meta.get('grade_id')} (0/{meta.get('points', 0):g}): {message}")
                break
    return reasons


_BOILERPLATE = ("Please see the", "There was an error processing", "Traceback (most recent")


def _nbgrader_failure(result):
    """The first real error in nbgrader's report of a failed autograde, as one line.

    nbgrader logs the traceback of what went wrong, then raises ``NbGraderException: Please
    see the above traceback``: that last line says nothing, so the log is read first.
    """
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    where = ""
    for line in text.splitlines():
        line = line.strip()
        frame = re.match(r'File "([^"]+)", line (\d+)', line)
        if frame:
            where = f"{Path(frame[1]).name}, line {frame[2]}"
            continue
        line = re.sub(r"^\[(ERROR|CRITICAL)\]\s*", "", line)
        if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)(:|$)", line) \
                and not any(b in line for b in _BOILERPLATE):
            return line[:300] + (f" (in nbgrader's {where})" if where else "")
    for line in text.splitlines():       # no exception: nbgrader's own first error message
        if re.match(r"\s*\[(ERROR|CRITICAL)\]", line) and \
                not any(b in line for b in _BOILERPLATE):
            return re.sub(r"^\s*\[\w+\]\s*", "", line)[:300]
    last = (result.get("error") or "").strip().splitlines()[-1:] or ["unknown error"]
    return last[0][:300]


def _private_dir(path, mode=0o700):
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    return path


def grade(course_root=".", output="grades.csv", *, cell_timeout=120.0, submission_timeout=600.0,
          memory=4 * 2**30, processes=64, gradebook=None):
    """Autograde ``submitted/<student>/<chapter>/`` into a CSV with a reason for each lost point.

    Parameters
    ----------
    course_root : str or Path, default="."
        Folder with ``solutions/``, ``submitted/`` and ``nbgrader_config.py``.
    output : str or Path, default="grades.csv"
        CSV to write, relative to ``course_root``: nbgrader's export (one row per student and
        chapter, ``score`` and ``max_score``) plus ``points_lost`` (``max_score - score``) and
        ``reason`` (each lost point: the test cell, its points and why) columns. Beside it,
        ``autograded/`` (each executed notebook) and ``feedback/<student>/<chapter>/`` (an HTML
        report per notebook, ready for ``nbgrader release_feedback``). When root grades a
        course folder another user owns (an instructor's, on a hub), these are written by a
        process running as that user, and the course's ``nbgrader_config.py`` is not run
        (:data:`GRADER_CONFIG` is used instead).
    cell_timeout, submission_timeout : float
        Seconds allowed per cell and per submitted notebook.
    memory : int
        Address-space limit of a learner's process, in bytes.
    processes : int
        Process limit of the sandbox user.
    gradebook : str or Path, optional
        The course's nbgrader database (e.g. ``gradebook.db``), relative to ``course_root``. The
        grader then starts from a copy of it (the instructor's chapters, students and manual
        grades), out of the learners' reach like the rest of its work, and when every submission
        is graded it writes the whole copy back, so that the instructor's ``nbgrader export``,
        formgrader and ``generate_feedback`` / ``release_feedback`` see the scores. Changes the
        instructor makes to the gradebook while grading runs are lost. Not given (``make
        grade``): a fresh gradebook in the grader's temporary folder, discarded at the end. A
        submission with no readable notebook is graded as the released chapter headed by a
        note saying why (0 points), so that it counts as autograded and gets feedback.

    Returns
    -------
    Path
        The CSV written.

    Raises
    ------
    FileNotFoundError
        If there is no ``submitted/`` folder or it is empty.
    RuntimeError
        If the course itself is broken: nbgrader cannot generate the release or export.
    ValueError
        If ``gradebook`` exists but is not a regular file (e.g. a symbolic link).
    """
    from mlopt.sandbox import isolation_level

    root = Path(course_root).resolve()
    submitted = root / "submitted"
    if not submitted.is_dir() or not any(submitted.iterdir()):
        raise FileNotFoundError(
            f"nothing to grade: put submissions in {submitted}/<student>/<chapter>/<chapter>.ipynb"
        )
    course_db = None
    if gradebook is not None:
        course_db = root / gradebook
        if course_db.is_symlink() or (course_db.exists() and not course_db.is_file()):
            raise ValueError(f"the gradebook {course_db} is not a regular file; not graded")
    if isolation_level() != "user+namespaces":
        print("warning: not running as root, so learners' code runs as your own user, without "
              "its own network and filesystem view (time, memory and process limits still "
              "apply). Grade as root (as CI does) for full isolation.", file=sys.stderr)
    before = hash_tree(submitted)
    with tempfile.TemporaryDirectory(prefix="mlopt-grade-") as tmp:
        top = _private_dir(Path(tmp), 0o711)
        work = _private_dir(top / "course")
        library = _snapshot_library(top / "lib")
        scratch = _private_dir(top / "box", 0o711)
        wanted = {p.name for s in submitted.iterdir() if s.is_dir() for p in s.iterdir()}
        for source in sorted((root / "solutions").iterdir()):
            # generate only what is graded; links are not followed (as root, the course folder
            # may be someone else's)
            if source.is_dir() and not source.is_symlink() and source.name in wanted:
                shutil.copytree(source, work / "solutions" / source.name, ignore=_links)
        if not (work / "solutions").is_dir():
            (work / "solutions").mkdir()
        if _runs_for_someone_else(root):
            # Root grading an instructor's course: their nbgrader_config.py is Python, so it
            # is not run as root; the grader's own settings (those of this repository's) are.
            (work / "nbgrader_config.py").write_text(GRADER_CONFIG)
        else:
            shutil.copy2(root / "nbgrader_config.py", work / "nbgrader_config.py")
        if course_db is not None and course_db.exists():
            _copy_gradebook(course_db, work / "gradebook.db")
        # Record every chapter (its cells, points and hidden tests) in the gradebook: a fresh
        # one, or the copy of the course's.
        _nbgrader(["generate_assignment", "*", "--force",
                   f"--CourseDirectory.release_directory={work / 'release'}"], cwd=work)
        chapters = sorted(p.name for p in (work / "release").iterdir() if p.is_dir())
        reasons = {}
        extra_rows = []
        plan = []
        stand_ins = set()
        for student_dir in sorted(submitted.iterdir()):
            student = student_dir.name
            if not student_dir.is_dir() or student_dir.is_symlink():
                continue
            for chapter_dir in sorted(student_dir.iterdir()):
                chapter = chapter_dir.name
                if chapter not in chapters:
                    extra_rows.append((student, chapter, "not a chapter of this course; "
                                       "nothing graded"))
                    continue
                target = _private_dir(work / "submitted" / student / chapter)
                notebook = chapter_dir / f"{chapter}.ipynb"
                release = _read_release(work, chapter)
                if chapter_dir.is_symlink() or not chapter_dir.is_dir():
                    nb, why = None, [f"submitted/{student}/{chapter} is not a folder (a link or "
                                     "a file); nothing graded"]
                elif notebook.exists() or notebook.is_symlink():
                    nb, why = _repair(notebook, release)
                else:
                    nb, why = None, [f"no {chapter}.ipynb in the submission"]
                reasons[(student, chapter)] = list(why)
                if chapter_dir.is_dir() and not chapter_dir.is_symlink():
                    for item in chapter_dir.iterdir():
                        if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
                            shutil.copy2(item, target / item.name)
                if nb is None:
                    # Nothing readable: grade the chapter as released in its place, so that the
                    # gradebook holds it as autograded (0 points, not "needs autograding") and
                    # its feedback says why.
                    nb = _stand_in(release, why)
                    stand_ins.add((student, chapter))
                import nbformat

                nbformat.write(nb, str(target / f"{chapter}.ipynb"))
                plan.append((student, chapter))
        api = _api(work, library, scratch, root, top, cell_timeout, submission_timeout, memory,
                   processes)
        started = time.monotonic()
        for student, chapter in plan:
            t0 = time.monotonic()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")      # SQLAlchemy's chatter inside nbgrader
                result = api.autograde(chapter, student)
            if not result.get("success"):
                if reasons[(student, chapter)] == []:
                    reasons[(student, chapter)].append(
                        f"autograding failed: {_nbgrader_failure(result)}")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _zero(api, chapter, student)
            notebook = work / "autograded" / student / chapter / f"{chapter}.ipynb"
            if notebook.exists() and (student, chapter) not in stand_ins:
                reasons[(student, chapter)].extend(_failed_cells(notebook))
            lost = len([r for r in reasons[(student, chapter)] if "(0/" in r])
            print(f"graded {student}/{chapter} in {time.monotonic() - t0:.1f} s"
                  + (f": {lost} test cell(s) failed" if lost else ""), file=sys.stderr)
        print(f"graded {len(plan)} notebook(s) in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
        # One HTML report per learner and chapter (nbgrader's feedback): points per task and,
        # for a failed one, the check's message. On a hub, `nbgrader release_feedback` sends
        # feedback/ to the learners.
        for student, chapter in plan:
            if (work / "autograded" / student / chapter).is_dir():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    api.generate_feedback(chapter, student)
        csv_path = work / "grades.csv"
        _nbgrader(["export", f"--to={csv_path}"], cwd=work)
        results = _private_dir(top / "results")
        _write_with_reasons(csv_path, results / "grades.csv", reasons, extra_rows)
        for item in ("autograded", "feedback", "gradebook.db"):
            if (work / item).exists():
                shutil.move(work / item, results / item)
        _hand_over(results, root, output, gradebook)
        out = root / output
    if hash_tree(submitted) != before:   # pragma: no cover -- the sandbox cannot write there
        print("warning: files under submitted/ changed while grading", file=sys.stderr)
    return out


#: nbgrader settings of the grader's working copy when the course's own nbgrader_config.py must
#: not run (root grading an instructor's course): those of this repository's nbgrader_config.py
#: that generating and exporting use (tests/hub/test_exchange.py checks they agree).
GRADER_CONFIG = """\
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.getcwd()
c.CourseDirectory.course_id = "mlopt"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(os.getcwd(), "gradebook.db")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
"""


def _copy_gradebook(src, dest):
    """Copy an SQLite gradebook with SQLite's backup API (consistent even while it is open)."""
    import sqlite3

    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(str(dest))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _links(folder, names):
    """``shutil.copytree`` ignore-callable: leave out symbolic links."""
    return [n for n in names if os.path.islink(os.path.join(folder, n))]


def _runs_for_someone_else(root):
    """Whether this is root grading a course folder that another user owns (a hub's instructor)."""
    return os.geteuid() == 0 and root.stat().st_uid != 0


def _hand_over(results, root, output, gradebook):
    """Put the results (CSV, ``autograded/``, ``feedback/``, gradebook) in the course folder.

    As root grading another user's course, they are written by a process running as that user
    (``setpriv``): they are theirs, and a link planted in the course folder cannot make root
    write anywhere else.
    """
    if not _runs_for_someone_else(root):
        _copy_results(results, root, output, gradebook or "")
        return
    st = root.stat()
    for path in [results, *results.rglob("*")]:
        os.chown(path, st.st_uid, st.st_gid, follow_symlinks=False)
    script = ("import sys; from mlopt.grading import _copy_results; "
              "_copy_results(*sys.argv[1:])")
    proc = subprocess.run(["setpriv", f"--reuid={st.st_uid}", f"--regid={st.st_gid}",
                           "--init-groups", "--", sys.executable, "-c", script, str(results),
                           str(root), str(output), str(gradebook or "")],
                          cwd=results, capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    if proc.returncode != 0:
        raise RuntimeError(f"could not write the results into {root} as its owner:\n"
                           f"{proc.stdout}{proc.stderr}")


def _copy_results(results, root, output, gradebook=""):
    """Copy the grader's results into the course folder (run as the folder's owner)."""
    results, root = Path(results), Path(root)
    shutil.copyfile(results / "grades.csv", root / output)
    for folder in ("autograded", "feedback"):
        if (results / folder).is_dir():
            shutil.copytree(results / folder, root / folder, dirs_exist_ok=True)
    if gradebook:
        _copy_gradebook(results / "gradebook.db", root / gradebook)


def _read_release(work, chapter):
    import nbformat

    return nbformat.read(str(work / "release" / chapter / f"{chapter}.ipynb"), as_version=4)


def _api(work, library, scratch, root, top, cell_timeout, submission_timeout, memory, processes):
    """nbgrader's API on the grader's copy of the course, executing with SandboxedExecute."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters.autograde import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(work)
    c.CourseDirectory.course_id = "mlopt"
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "release"
    c.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
    preprocessors = [SandboxedExecute if p is Execute else p
                     for p in Autograde.class_traits()["autograde_preprocessors"].default()]
    c.Autograde.autograde_preprocessors = preprocessors
    c.SandboxedExecute.cell_timeout = float(cell_timeout)
    c.SandboxedExecute.submission_timeout = float(submission_timeout)
    c.SandboxedExecute.memory = int(memory)
    c.SandboxedExecute.processes = int(processes)
    c.SandboxedExecute.library = str(library)
    c.SandboxedExecute.scratch = str(scratch)
    c.SandboxedExecute.read_only = [str(root)]
    hidden = [root / "submitted", root / "autograded", root / "feedback", work]
    c.SandboxedExecute.hide = [str(p) for p in hidden]
    c.LimitOutput.max_lines = 200
    # Feedback: nbgrader's HTML report, hidden tests kept hidden (the check's message shows).
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
    coursedir = CourseDirectory(config=c)
    return NbGraderAPI(coursedir=coursedir, config=c)


def _zero(api, chapter, student):
    """Make sure a submission nbgrader could not grade counts as submitted with 0 points."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        try:
            gb.find_submission(chapter, student)
        except Exception:  # noqa: BLE001 -- MissingEntry
            gb.add_submission(chapter, student)
        for notebook in gb.find_submission(chapter, student).notebooks:
            for g in notebook.grades:
                g.auto_score = 0
                g.needs_manual_grade = False
        gb.db.commit()


def _points_lost(row):
    """``max_score - score`` as nbgrader writes numbers (``"4.0"``), or "" if unknown."""
    try:
        return str(max(float(row["max_score"]) - float(row["score"]), 0.0))
    except (KeyError, TypeError, ValueError):
        return ""


def _write_with_reasons(src, dest, reasons, extra_rows):
    """nbgrader's export plus ``points_lost`` (``max_score - score``: what a review of the
    reasons could still give) and ``reason`` (why each point was lost)."""
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys()) if rows else ["assignment", "student_id", "score",
                                                       "max_score"]
    for row in rows:
        key = (row.get("student_id"), row.get("assignment"))
        why = reasons.get(key)
        if why is None:
            why = ["no submission"]
        row["points_lost"] = _points_lost(row)
        row["reason"] = "; ".join(why)
    for student, chapter, why in extra_rows:
        rows.append({**{k: "" for k in fields}, "assignment": chapter, "student_id": student,
                     "score": "0", "points_lost": "", "reason": why})
    with open(dest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*fields, "points_lost", "reason"])
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mlopt.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_val = sub.add_parser("validate", help="run a notebook's tests, as the Validate button does")
    p_val.add_argument("notebook", nargs="?", default=None)
    p_grade = sub.add_parser("grade", help="autograde submitted/ into a CSV")
    p_grade.add_argument("--output", default="grades.csv")
    p_grade.add_argument("--root", default=".")
    p_grade.add_argument("--gradebook", default=None,
                         help="the course's nbgrader database, relative to --root (e.g. "
                              "gradebook.db): start from it and write the scores into it, for "
                              "nbgrader export, the formgrader and release_feedback (default: "
                              "a temporary gradebook, discarded)")
    p_grade.add_argument("--cell-timeout", type=float, default=120.0,
                         help="seconds per cell (default: 120, as nbgrader_config.py)")
    p_grade.add_argument("--submission-timeout", type=float, default=600.0,
                         help="seconds per submitted notebook (default: 600)")
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            if not args.notebook:
                parser.error(
                    "name the notebook: make validate NB=exercises/<chapter>/<chapter>.ipynb"
                )
            ok, report = validate(args.notebook)
            print(report)
            return 0 if ok else 1
        out = grade(args.root, args.output, cell_timeout=args.cell_timeout,
                    submission_timeout=args.submission_timeout, gradebook=args.gradebook)
    except (FileNotFoundError, RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
