"""The course's additions to the Jupyter server: a learner's Validate dialog and clean saves.

A Jupyter server extension, enabled by the configuration in ``jupyter-config/`` (``make lab``,
``make lab-instructor``):

* :func:`keep_kernel_metadata`, a ``ContentsManager.pre_save_hook``: saving a notebook keeps
  the ``language_info`` (and the kernelspec, unless another kernel was chosen) that the file
  already has on disk. The kernel of every Python version rewrites that metadata when a
  notebook opens, and autosave would then show an untouched exercise as modified in git.
* :func:`keep_snapshots`, another pre-save hook: an output that shows a live widget and also
  carries a static picture of it (the explorers of :mod:`mlopt.widgets` do) is saved with the
  picture only, and widget state that no output uses any more is dropped. A widget's view
  points to models that live in the kernel; once the notebook is closed or the kernel
  restarted, a saved (hence trusted) notebook would show "Error displaying widget: model not
  found" where the snapshot belongs. The open page keeps its live widget. ``python -m
  mlopt._lab FILE...`` stores executed notebooks the same way (the lessons are committed so).
* :class:`ValidateHandler`, nbgrader's ``/assignments/validate`` with a learner's report:
  a summary ("2 of 6 tasks need work; 4 passed.") and one line per failing task (its title
  from the exercise, with its points, then the first sentence of the check's message, see
  :mod:`mlopt.checks._feedback`), and "nothing to grade" on a lesson. It replaces
  nbgrader's ``validate_assignment`` server extension, which this configuration disables;
  nbgrader's lab extension (the Validate button and its dialog) is unchanged.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from nbgrader.server_extensions.validate_assignment.handlers import (
    NbGraderVersionHandler,
    ValidateAssignmentHandler,
)

__all__ = ["keep_kernel_metadata", "keep_snapshots", "store_snapshots", "ValidateHandler",
           "task_titles", "failure_line", "learner_report", "lesson_report"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def keep_kernel_metadata(model, path, contents_manager, **kwargs):
    """Pre-save hook: keep the kernel metadata the notebook already has on disk.

    Parameters
    ----------
    model : dict
        The contents model being saved (``model["content"]`` is the notebook).
    path : str
        API path of the file.
    contents_manager : jupyter_server.services.contents.manager.ContentsManager
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    try:
        os_path = contents_manager._get_os_path(path)
        with open(os_path, encoding="utf-8") as file:
            on_disk = json.load(file).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return  # a new file, or not ours to judge
    metadata = model["content"].setdefault("metadata", {})
    if "language_info" in on_disk:
        metadata["language_info"] = on_disk["language_info"]
    old, new = on_disk.get("kernelspec"), metadata.get("kernelspec")
    if old and (not new or new.get("name") == old.get("name")):
        metadata["kernelspec"] = old


def store_snapshots(nb):
    """Keep the static picture of every widget output that has one; drop unused widget state.

    Parameters
    ----------
    nb : dict
        A notebook (nbformat JSON), changed in place.

    Returns
    -------
    bool
        Whether anything was dropped.

    Notes
    -----
    An output whose bundle holds both ``application/vnd.jupyter.widget-view+json`` and
    ``image/png`` loses the widget view. The notebook's ``widgets`` metadata (the widget
    state nbclient stores) is dropped when no output shows a widget any more: it only serves
    widget views. Front ends without the widget's models (a closed notebook reopened, a
    restarted kernel, GitHub) then show the picture, whether the notebook is trusted or not.

    Examples
    --------
    >>> out = {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
    ...        "data": {WIDGET_VIEW: {"model_id": "f00"}, "image/png": "iVBO",
    ...                 "text/plain": "snapshot: run the cell to use the sliders"}}
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [out]}],
    ...       "metadata": {"widgets": {WIDGET_STATE: {"state": {}}}}}
    >>> store_snapshots(nb), sorted(out["data"]), nb["metadata"]
    (True, ['image/png', 'text/plain'], {})
    >>> store_snapshots(nb)
    False
    """
    changed, views = False, 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data")
            if not isinstance(data, dict) or WIDGET_VIEW not in data:
                continue
            if "image/png" in data:
                del data[WIDGET_VIEW]
                changed = True
            else:
                views += 1
    metadata = nb.get("metadata", {})
    if not views and "widgets" in metadata:
        del metadata["widgets"]
        changed = True
    return changed


def keep_snapshots(model, path, contents_manager, **kwargs):
    """Pre-save hook: :func:`store_snapshots` on the notebook being saved.

    Parameters
    ----------
    model : dict
        The contents model being saved (``model["content"]`` is the notebook).
    path : str
        API path of the file.
    contents_manager : jupyter_server.services.contents.manager.ContentsManager
    """
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        store_snapshots(model["content"])


def task_titles(nb):
    """The title of the task each graded cell belongs to: the nearest heading above it, no `$`.

    Parameters
    ----------
    nb : dict
        A notebook (nbformat JSON).

    Returns
    -------
    dict
        ``{stripped source of a graded cell: title}``, e.g. ``"1. One step downhill (1 point)"``.
    """
    titles, current = {}, None
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                if re.match(r"#{2,3} ", line):
                    current = line.lstrip("#").strip().replace("$", "")  # no TeX in a dialog
                    break
        elif cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            titles[source.strip()] = current
    return titles


def _is_graded(nb):
    return any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.get("cells", []))


_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s+[A-Z`(]|\s*$)")
_BLOCKED = re.compile(r"could not be checked: it calls (\w+), which is not answered yet")
_USES_FAILED = re.compile(r"^\w+ uses (\w+), whose check failed above")
_RAISED = re.compile(r"^(\w+) raised (\w+) while \w+ was running it:$")
# nbgrader's dialog puts a fixed heading above each entry and shows the entry in <pre> blocks
# that do not wrap: the single entry below hides the heading (its summary says more) and
# wraps long lines. A <style> in the entry's HTML is the one hook the dialog offers; where it
# does not apply, the heading shows and the lines scroll, nothing is lost.
_DIALOG_STYLE = ("<style>#validation-message.validation-failed > div > p {display: none}"
                 " #validation-message.validation-failed pre {white-space: pre-wrap}</style>")


def _first_sentence(text):
    match = _SENTENCE.match(text.strip())
    return (match.group(1) if match else text.strip()).rstrip(".")


def failure_line(raw_error):
    r"""One line saying why a task's test cell failed, from the cell's error output.

    Parameters
    ----------
    raw_error : str
        The traceback text nbgrader read from the cell (ANSI colours allowed): the lines of
        :func:`mlopt.checks._feedback.feedback_lines` under a check, IPython's traceback
        otherwise.

    Returns
    -------
    str
        "not answered yet"; "knock-on failure: ..." when the cell failed because of another
        answer; "<function> raised <error>: <message>" for an error in the learner's code;
        otherwise the first sentence of the check's message.

    Examples
    --------
    >>> failure_line("✗ check_gd_step(gd_step)\ngd_step is not answered yet: replace ...")
    'not answered yet'
    >>> failure_line("✗ check_gd_step(gd_step)\ngd_step(w, grad, lr) is wrong: you stepped "
    ...              "uphill. Subtract the gradient.")
    'gd_step(w, grad, lr) is wrong: you stepped uphill'
    """
    lines = [line for line in _ANSI.sub("", raw_error).splitlines() if line.strip()]
    if not lines:
        return "the test cell failed"
    if not lines[0].startswith("✗ "):  # not under a check: IPython's last line, "Name: text"
        return _first_sentence(lines[-1])
    body = lines[1:] or [lines[0][2:]]  # the failing call, then the message
    blocked = _BLOCKED.search(body[0])
    if blocked:
        return f"knock-on failure: it calls {blocked.group(1)}, which is not answered yet"
    if "not answered yet" in body[0]:
        return "not answered yet"
    raised = _RAISED.match(body[0])
    if raised:
        return f"{raised.group(1)} raised {_first_sentence(body[-1])}"
    uses = [m.group(1) for m in map(_USES_FAILED.match, body) if m]
    message = [line for line in body if not _USES_FAILED.match(line)]
    line = _first_sentence(message[0]) if message else "its check failed"
    if uses:
        return f"knock-on failure: fix {uses[0]} first ({line})"
    return line


def learner_report(result, nb):
    """Rewrite nbgrader's validation result for the learner: a summary, one line per task.

    Parameters
    ----------
    result : dict
        What :meth:`nbgrader.validator.Validator.validate` returned.
    nb : dict
        The notebook that was validated, for the task titles.

    Returns
    -------
    dict
        ``result`` with its ``failed`` list replaced by a single entry: its ``source`` is the
        summary ("2 of 6 tasks need work; 4 passed."), its ``error`` one line per failing
        task, "✗ Task <title with points>: <:func:`failure_line`>" (HTML-escaped). A task
        is the heading above its test cells; several failing cells of one task make one line.
        Without failures ``result`` is returned as it is (nbgrader's "Success!").
    """
    if not result.get("failed"):
        return result
    titles = task_titles(nb)
    tasks = list(dict.fromkeys(t for t in titles.values() if t))
    failing = {}
    for cell in result["failed"]:
        source = cell.get("source", "").strip()
        title = titles.get(source) or (source.splitlines() or ["a test cell"])[0]
        failing.setdefault(title, []).append(failure_line(cell.get("raw_error", "")))
    total = len(set(tasks) | set(failing))
    summary = (f"{len(failing)} of {total} task{'s' if total != 1 else ''} need"
               f"{'s' if len(failing) == 1 else ''} work; {total - len(failing)} passed.")
    lines = []
    for title, reasons in failing.items():
        more = f" (and {len(reasons) - 1} more test cell)" if len(reasons) > 1 else ""
        lines.append(f"✗ Task {title}: {reasons[0]}{more}")
    text = "\n".join(lines)
    return {**result, "failed": [{"source": summary, "error": _DIALOG_STYLE + html.escape(text),
                                  "raw_error": f"{summary}\n{text}"}]}


def lesson_report(path, root):
    """What Validate says on a lesson: nothing to grade, and where the chapter's exercise is.

    Parameters
    ----------
    path : str
        API path of the lesson, e.g. ``"notebooks/03_gradient_descent.ipynb"``.
    root : path-like
        The course's root folder (the server's ``root_dir``).

    Returns
    -------
    dict
        A validation result with one ``failed`` entry, as :func:`learner_report` writes them:
        ``source`` "Nothing to grade here: <name> is a lesson, not an exercise.", ``error``
        where to go instead. nbgrader's dialog shows a result that is not ``success`` under
        "There was an error running the validate command", which a lesson is not.
    """
    chapter = Path(path).stem.split("_")[0]
    exercises = sorted(Path(root).glob(f"exercises/{chapter}_*/*.ipynb"))
    where = (f"The graded exercise of this chapter is {exercises[0].relative_to(root)}: "
             "open it and press Validate there." if exercises else
             "The graded exercises are in the exercises/ folder.")
    summary = f"Nothing to grade here: {Path(path).name} is a lesson, not an exercise."
    return {"failed": [{"source": summary, "error": _DIALOG_STYLE + html.escape(where),
                        "raw_error": f"{summary}\n{where}"}]}


class ValidateHandler(ValidateAssignmentHandler):
    """nbgrader's Validate endpoint, answering with :func:`learner_report`."""

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        try:
            nb = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            nb = None
        if nb is not None and target.is_relative_to(root) and not _is_graded(nb):
            return {"success": True, "value": lesson_report(path, root)}
        answer = super().validate_notebook(path)
        if answer.get("success") and isinstance(answer.get("value"), dict) and nb is not None:
            answer["value"] = learner_report(answer["value"], nb)
        return answer


def _jupyter_server_extension_points():
    return [{"module": "mlopt._lab"}]


def _load_jupyter_server_extension(serverapp):
    from jupyter_server.utils import url_path_join

    webapp = serverapp.web_app
    webapp.settings["root_dir"] = serverapp.root_dir
    base = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [
        (url_path_join(base, "/assignments/validate"), ValidateHandler),
        (url_path_join(base, "/nbgrader_version"), NbGraderVersionHandler),
    ])
    contents = serverapp.contents_manager
    contents.register_pre_save_hook(keep_kernel_metadata)
    contents.register_pre_save_hook(keep_snapshots)
    serverapp.log.info("mlopt: learner Validate report, clean notebook saves and stored "
                       "widget snapshots enabled")


def main(paths):
    """``python -m mlopt._lab NOTEBOOK...``: store executed notebooks as a save would."""
    import nbformat

    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if store_snapshots(nb):
            nbformat.write(nb, path)
            print(f"{path}: widget views with a snapshot dropped")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
