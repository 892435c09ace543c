"""The course in a real browser: Debian's Chromium driven by Playwright, on JupyterLab.

The suite copies the course (every file git tracks or would track) to a temporary git
repository, starts ``make lab`` there on loopback with a fixed token and fresh workspace and
settings folders, and drives one Chromium page per test. Nothing is downloaded: Playwright
runs the system's ``chromium`` (``apt-get install chromium``); without it every test skips
with one line saying so.

Screenshots of failing tests go to ``$BROWSER_SCREENSHOTS`` (default
``.browser-screenshots/`` in the repository), printed in pytest's header.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.lab_server import serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "mlopt-browser-tests"
INSTALL = "apt-get install -y chromium (Debian/Ubuntu, as root)"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
# seconds for one lesson's Run All; lessons take seconds, a machine shared by many takes longer
RUN_TIMEOUT = float(os.environ.get("BROWSER_RUN_TIMEOUT", 400))
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / ".browser-screenshots"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def _load():
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min) on {} cores".format(
        *os.getloadavg(), os.cpu_count())


def pytest_report_header(config):
    if not CHROMIUM:
        return f"browser tests: no chromium found; to run them: {INSTALL}"
    return [f"browser tests: {CHROMIUM}; screenshots of failures in {SHOTS}",
            f"browser tests start at {_load()}"]


def pytest_terminal_summary(terminalreporter):
    """The redraw latencies the explorer tests recorded, and the machine's load."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    lines = [value for r in reports if r.when == "call"
             for key, value in r.user_properties if key == "redraw"]
    if lines:
        terminalreporter.section("explorer redraws (seconds from the key or click to the "
                                 "new picture)")
        for line in lines:
            terminalreporter.line(line)
        terminalreporter.line(f"at the end: {_load()}")


def pytest_collection_modifyitems(config, items):
    """Without chromium: one skipped test saying how to install it, the others deselected."""
    if CHROMIUM:
        return
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(item.path).parents]
    if not ours:
        return
    ours[0].add_marker(pytest.mark.skip(reason=f"no chromium, so no browser tests: {INSTALL}"))
    config.hook.pytest_deselected(items=ours[1:])
    items[:] = [item for item in items if item not in ours[1:]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM:
        pytest.skip(f"no chromium to drive: {INSTALL}")
    pytest.importorskip("playwright", reason="Playwright missing: make install (dev extra)")
    return CHROMIUM


def _copy_course(dest):
    """The course as a fresh clone would have it (plus uncommitted work), in a new git repo."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git = ["git", "-c", "user.name=browser tests", "-c", "user.email=tests@localhost"]
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], cwd=dest, check=True)


@pytest.fixture(scope="session")
def course(tmp_path_factory, chromium_path):
    dest = tmp_path_factory.mktemp("course")
    _copy_course(dest)
    return dest


@pytest.fixture(scope="session")
def lab(course, tmp_path_factory):
    """``make lab`` (the learner view) on loopback: yields the base URL."""
    home = tmp_path_factory.mktemp("jupyter")
    env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    args = "--LabApp.expose_app_in_browser=True --MappingKernelManager.cull_idle_timeout=0"
    with serve("lab", cwd=course, token=TOKEN, log=home / "lab.log", extra_args=args, env=env,
               wait=120) as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path, args=FLAGS, headless=True,
            viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
        yield context
        context.close()


class _Pages:
    """One JupyterLab page per worker, kept from test to test: loading JupyterLab costs
    Chromium seconds of CPU, and the suite is CPU-bound on 2 cores. A test that fails leaves
    the page closed, so that the next test starts on a fresh load."""

    page = None


@pytest.fixture
def page(browser, request):
    if _Pages.page is None or _Pages.page.is_closed():
        _Pages.page = browser.new_page()
        _Pages.page.set_default_timeout(60_000)
    page = _Pages.page
    yield page
    if getattr(request.node, "failed_call", False):
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        shot = SHOTS / f"{name}.png"
        try:
            page.screenshot(path=str(shot), full_page=False)
            print(f"\nscreenshot of the failure: {shot}")
        except Exception as error:  # the page may be gone
            print(f"\nno screenshot: {error}")
        page.close()
        return
    try:  # close what the test opened, without saving, and stop its kernels
        page.evaluate(CLOSE_ALL)
    except Exception:  # a page that cannot do this is not reused
        page.close()


# Every document in the main area closed unsaved (dispose asks nothing), its kernel shut down.
CLOSE_ALL = """async () => {
    const app = window.jupyterapp;
    if (!app) return;
    for (const widget of Array.from(app.shell.widgets('main'))) {
        if (widget.sessionContext && widget.sessionContext.session) {
            await widget.sessionContext.shutdown();
        }
        widget.dispose();
    }
}"""


class Notebook:
    """One open notebook in JupyterLab, driven through the page as a learner does, and read
    through the JupyterLab application object (``--LabApp.expose_app_in_browser``)."""

    def __init__(self, page, base, path, *, reload=False):
        """Open ``path``: in the JupyterLab already on the page, as the file browser does, or
        by loading ``/lab/tree/PATH`` (a new page load) when the page is elsewhere or when
        ``reload``. Waits until the notebook's kernel is idle."""
        self.page, self.base, self.path = page, base, path
        if reload or not page.url.startswith(f"{base}/lab"):
            page.goto(f"{base}/lab/tree/{path}?token={TOKEN}&reset")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
            page.evaluate("() => window.jupyterapp.restored")
        self.id = page.evaluate("""async (path) => {
            const app = window.jupyterapp;
            const widget = await app.commands.execute(
                'docmanager:open', {path, factory: 'Notebook'});
            app.shell.activateById(widget.id);
            await widget.context.ready;
            return widget.id; }""", path)
        self.panel = page.locator(f"[id='{self.id}']")
        self.panel.locator(".jp-Cell").first.wait_for()
        self.until("""const session = panel.sessionContext.session;
                      return session && session.kernel && session.kernel.status === 'idle';""",
                   timeout=120)

    def js(self, body, arg=None):
        """Evaluate ``body`` with ``panel`` (the notebook panel) and ``arg`` in scope."""
        return self.page.evaluate(
            "async ([id, arg]) => { const panel = Array.from(window.jupyterapp.shell.widgets("
            f"'main')).find(w => w.id === id); {body} }}", [self.id, arg])

    def until(self, body, arg=None, timeout=60):
        """Wait until ``body`` (as in :meth:`js`) returns true, looking every 0.1 s in the page."""
        if not self.js(f"""const deadline = Date.now() + {timeout * 1000};
                          const ok = async () => {{ {body} }};
                          while (!(await ok())) {{
                              if (Date.now() > deadline) return false;
                              await new Promise(resolve => setTimeout(resolve, 100)); }}
                          return true;""", arg):
            raise AssertionError(f"{self.path}: not within {timeout} s: {body}")

    def restart_and_run_all(self, timeout=RUN_TIMEOUT):
        """Kernel menu > Restart Kernel and Run All Cells..., confirm, wait until done.

        Returns the error outputs as (cell index, ename, evalue); stops at the first error
        (as Run All does).
        """
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
        self.page.locator(".lm-Menu-itemLabel",
                          has_text="Restart Kernel and Run All Cells").click()
        self.page.locator(".jp-Dialog .jp-mod-accept").click()
        # Run All first queues every code cell (its count becomes null: "[*]"); it is done when
        # every code cell has a count again and the kernel is idle, or at the first error.
        try:
            self.until("""
                const cells = panel.model.cells, errors = [];
                let counted = true;
                for (let i = 0; i < cells.length; i++) {
                    const cell = cells.get(i);
                    if (cell.type !== 'code') continue;
                    if (cell.executionCount === null) { counted = false; panel.mloptQueued = true; }
                    for (let j = 0; j < cell.outputs.length; j++) {
                        const out = cell.outputs.get(j).toJSON();
                        if (out.output_type === 'error') errors.push([i, out.ename, out.evalue]);
                    }
                }
                panel.mloptErrors = errors;
                return errors.length > 0 || (panel.mloptQueued && counted
                    && panel.sessionContext.session.kernel.status === 'idle');""",
                       timeout=timeout)
        except AssertionError as late:
            self.js("""const busy = Array.from(panel.content.node.querySelectorAll(
                           '.jp-InputPrompt')).find(p => p.textContent.includes('*'));
                       if (busy) busy.scrollIntoView();""")  # for the screenshot
            raise AssertionError(
                f"{self.path}: Run All did not finish within {timeout} s") from late
        return [tuple(e) for e in self.js("return panel.mloptErrors;")]

    def cell(self, source_fragment):
        """The code cell whose source contains ``source_fragment`` (a Playwright locator)."""
        return self.panel.locator(".jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea", has_text=source_fragment)).last

    def kernel_eval(self, code):
        """Run ``code`` in the notebook's kernel without touching the notebook; its stdout."""
        return self.js("""
            const kernel = panel.sessionContext.session.kernel;
            const future = kernel.requestExecute({code: arg, store_history: false});
            let out = '';
            future.onIOPub = msg => {
                if (msg.header.msg_type === 'stream') out += msg.content.text;
                if (msg.header.msg_type === 'error') out += msg.content.ename + ': '
                                                           + msg.content.evalue;
            };
            await future.done;
            return out;""", code)

    def save(self):
        """Ctrl+S in command mode; waits until the server has written the file (its
        last-modified time changed), so that a test looks at the saved file, not the old one."""
        before = self.js("return panel.context.contentsModel.last_modified;")
        self.panel.locator(".jp-Notebook").first.click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("Control+s")
        self.until("""return panel.context.contentsModel.last_modified !== arg
                             && !panel.context.model.dirty;""", before)


@pytest.fixture
def open_notebook(page, lab):
    return lambda path: Notebook(page, lab, path)
