r"""What a learner sees when a check fails: its message, not a traceback through mlopt.

Importing any chapter's checks (every exercise's first code cell does) calls :func:`install`,
which registers :func:`feedback_lines` with IPython (``InteractiveShell.set_custom_exc``). The
kernel then reports an exception raised under a check in a few plain lines; nbgrader's
Validate and ``make validate`` read the same lines, because they run the notebook in the
same kind of kernel. Every other exception keeps IPython's usual traceback.

What is shown, with the exception name unchanged (nbgrader and the tests still see
``AssertionError`` or ``NotImplementedError``):

* a failed check: the call that failed, then the check's own message (what is wrong, why,
  what to try);
* an answer left as the stub: "``gd_step`` is not answered yet: replace
  ``raise NotImplementedError()`` with your code";
* a task that fails only because another answer is missing: "``gradient_descent`` could not
  be checked: it calls ``gd_step``, which is not answered yet: ...";
* a task whose function uses another one whose check failed in this session: first a line
  naming that function ("fix it first"), then the check's message;
* an error raised in the learner's own code while a check runs it: the learner's lines of the
  traceback only.
"""

from __future__ import annotations

import ast
import linecache
import re
import sys
import types
from pathlib import Path

__all__ = ["NOT_ANSWERED", "feedback_lines", "install"]

NOT_ANSWERED = "not answered yet: replace `raise NotImplementedError()` with your code"

_CHECKS_DIR = str(Path(__file__).resolve().parent)
_CELL = re.compile(r"ipykernel_\d+[/\\]\d+\.py$|^<ipython-input-")
_RED, _RESET = "\x1b[1;31m", "\x1b[0m"

#: Names of the learner's functions whose check failed last time it ran in this kernel.
_failed: set[str] = set()
_HANDLER_SHOWS = True


def _kind(frame):
    filename = frame.f_code.co_filename
    if _CELL.search(filename):
        return "cell"
    try:
        if str(Path(filename).resolve()).startswith(_CHECKS_DIR):
            return "check"
    except (OSError, ValueError):
        pass
    return "other"


def _frames(tb):
    """The traceback's (frame, line number) pairs from the first notebook cell inwards."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno, tb))
        tb = tb.tb_next
    for i, (frame, _, _) in enumerate(frames):
        if _kind(frame) == "cell":
            return frames[i:]
    return []


def _called_functions(frame, lineno, test=None):
    """The learner's functions passed to a call on this line of a cell, by name."""
    test = test or _is_learner_function
    line = linecache.getline(frame.f_code.co_filename, lineno).strip()
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and test(frame.f_globals.get(arg.id)):
                    names.append(arg.id)
    return names


def _is_learner_function(obj):
    code = getattr(obj, "__code__", None)
    return code is not None and bool(_CELL.search(code.co_filename))


def _names_used(function):
    """Global names a function's code refers to, nested functions included."""
    names, todo = set(), [function.__code__]
    while todo:
        code = todo.pop()
        names.update(code.co_names)
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return names


def _learner_traceback(frames):
    """A traceback of the learner's frames only (and libraries they called), no mlopt.checks."""
    kept = [(f, n, tb) for f, n, tb in frames if _kind(f) != "check"]
    new = None
    for frame, lineno, tb in reversed(kept):
        new = types.TracebackType(new, frame, tb.tb_lasti, lineno)
    return new


def feedback_lines(shell, etype, value, tb):
    """The lines to show for an exception, or None for IPython's usual traceback.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell or None
        Used to format the learner's own frames; may be None when there are none to format.
    etype, value, tb
        The exception, as from :func:`sys.exc_info`.

    Returns
    -------
    list of str or None
        Lines with ANSI colours, as IPython's structured tracebacks; None when the exception
        did not happen under a check nor in an unanswered stub.
    """
    frames = _frames(tb)
    if not frames:
        return None
    kinds = [_kind(f) for f, _, _ in frames]
    top, top_line, _ = frames[0]
    call = linecache.getline(top.f_code.co_filename, top_line).strip()
    inner, _, _ = frames[-1]
    stub = etype is NotImplementedError and kinds[-1] == "cell" and not str(value)

    if "check" not in kinds:
        if stub and inner.f_code.co_name != "<module>":
            return [f"{_RED}✗ {inner.f_code.co_name} is {NOT_ANSWERED}.{_RESET}"]
        return None

    first_check = kinds.index("check")
    check = frames[first_check][0].f_code.co_name
    learner = [f for (f, _, _), k in zip(frames[first_check:], kinds[first_check:])
               if k == "cell"]
    tested = learner[0].f_code.co_name if learner else None
    checked = _called_functions(top, top_line)
    header = f"{_RED}✗ {call}{_RESET}"

    if stub:
        raiser = inner.f_code.co_name
        if tested is None or raiser == tested:
            return [header, f"{raiser} is {NOT_ANSWERED}."]
        return [header, f"{tested} could not be checked: it calls {raiser}, which is "
                        f"{NOT_ANSWERED} (in the cell that defines {raiser})."]
    if etype is NotImplementedError and not str(value) and not learner:
        # raised by the learner's code out of our sight (run in another process or module)
        passed = checked or _called_functions(top, top_line, callable)
        if passed:
            return [header, f"{passed[0]} is {NOT_ANSWERED}."]

    if kinds[-1] == "check" and issubclass(etype, AssertionError):
        _failed.update(checked)
        knock_on = [f"{name} uses {other}, whose check failed above: fix {other} first."
                    for name in checked
                    for other in sorted(_names_used(top.f_globals[name]) & (_failed - {name}))]
        return [header, *knock_on, str(value)]  # the cause first, then what the check saw

    if learner and shell is not None:  # the learner's code raised while a check ran it
        _failed.update(checked)
        where = f"{tested} raised {etype.__name__} while {check} was running it:"
        stb = shell.InteractiveTB.structured_traceback(etype, value, _learner_traceback(frames))
        return [header, where, *stb]
    return [header, f"{check} could not check the answer: {etype.__name__}: {value}"]


def _handler(shell, etype, value, tb, tb_offset=None):
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # %debug still works
    try:
        lines = feedback_lines(shell, etype, value, tb)
    except Exception:  # never hide the learner's error behind a bug of ours
        lines = None
    if lines is None:
        lines = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    if _HANDLER_SHOWS:
        shell._showtraceback(etype, value, lines)
        return None
    return lines


def _handler_must_show():
    """IPython 9 shows nothing of what a custom handler returns; earlier versions show it."""
    import inspect

    from IPython.core.interactiveshell import InteractiveShell

    return "_showtraceback" not in inspect.getsource(InteractiveShell.set_custom_exc)


def _forget_passed(result):
    """A cell that ran without error clears the failures of the functions it checked."""
    if not result.success or not result.info or not result.info.raw_cell:
        return
    try:
        tree = ast.parse(result.info.raw_cell)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    _failed.discard(arg.id)


def install(shell=None):
    """Show check failures as plain messages in this IPython kernel (once; no-op elsewhere).

    Returns
    -------
    bool
        Whether a kernel was found and the display is active.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover (IPython comes with Jupyter)
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    global _HANDLER_SHOWS
    _HANDLER_SHOWS = _handler_must_show()
    shell.set_custom_exc((Exception,), _handler)
    if not getattr(shell, "_mlopt_feedback", False):
        shell.events.register("post_run_cell", _forget_passed)
        shell._mlopt_feedback = True
    return True
