# mlopt course. `make lab` (default) opens the course; `make test` runs every check.
# Both create .venv on first use and refresh it when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# nbgrader calls alembic through PATH: every recipe sees the venv first.
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NBVAL := --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.DEFAULT_GOAL := lab
.PHONY: hub test-hub lab lab-instructor update install configure-jupyter test test-unit test-notebooks test-browser lint exercises validate grade bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(MAKE) --no-print-directory configure-jupyter
	touch $(STAMP)

# Learners keep nbgrader's Validate button; the instructor and exchange panels need a shared
# exchange folder this course does not use, and fail without one. Conda users:
#   make configure-jupyter JUPYTER=jupyter
JUPYTER ?= $(BIN)/jupyter
configure-jupyter:
	$(JUPYTER) labextension disable --level=sys_prefix @jupyter/nbgrader:assignment-list @jupyter/nbgrader:course-list @jupyter/nbgrader:formgrader >/dev/null 2>&1
	$(JUPYTER) server extension disable --sys-prefix nbgrader.server_extensions.assignment_list nbgrader.server_extensions.course_list nbgrader.server_extensions.formgrader >/dev/null 2>&1
	@# No "get Jupyter news?" pop-up over the first lesson.
	settings="$$($(JUPYTER) lab path | sed -n 's/^Application directory: *//p')/settings" && \
	  mkdir -p "$$settings" && \
	  echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' > "$$settings/overrides.json"

install: $(STAMP)

# LAB_ARGS: extra options, e.g. LAB_ARGS="--no-browser --port=8890" (tests/test_lab.py uses it).
# jupyter-config/ holds the learner and instructor views (see its README).
LAB_ARGS ?=
LAB_CONFIG := $(CURDIR)/jupyter-config
LAB = $(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" \
	--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb $(LAB_ARGS)
lab: $(STAMP)
	@# Serve the whole course (lessons and exercises), opening on the welcome notebook.
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)/learner:$(LAB_CONFIG)/common$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(LAB)

# Authors: the same, with nbgrader's "Create Assignment" sidebar, Nbgrader menu and formgrader.
lab-instructor: $(STAMP)
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)/instructor:$(LAB_CONFIG)/common$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(LAB)

# Learners: bring the newest course, keeping every answer (see mlopt/_update.py). Plain python3:
# it runs before the environment is (re)built, which the next `make` does if needed.
update:
	$(PYTHON) -m mlopt._update

lint: $(STAMP)
	$(BIN)/ruff check mlopt tests benchmarks deploy

test-unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --ignore=tests/browser mlopt tests

# The course in Chromium (apt-get install chromium; the tests skip without it): every lesson
# run, every explorer moved, an exercise answered and validated. Two workers, each with its own
# JupyterLab and browser. Screenshots of failures: .browser-screenshots/
test-browser: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist load tests/browser

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --nbval $(NBVAL) notebooks
	$(BIN)/python -m pytest -n 2 --dist loadscope --nbval-lax $(NBVAL) solutions

test: lint test-unit test-notebooks test-browser

# One BLAS thread per process: pytest-xdist already runs one process per core.
test-unit test-notebooks test-browser: export OPENBLAS_NUM_THREADS = 1
test-unit test-notebooks test-browser: export OMP_NUM_THREADS = 1

# Regenerating overwrites exercises/, where learners write their answers: refuse while it has
# uncommitted changes (or outside a git checkout, where we cannot tell) unless FORCE=1.
exercises: $(STAMP)
	@if [ -z "$(FORCE)" ]; then \
	  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    echo "Not a git checkout: cannot tell whether exercises/ holds your answers."; \
	    echo "Nothing was regenerated. Copy your work elsewhere, then: make exercises FORCE=1"; \
	    exit 1; \
	  elif [ -n "$$(git status --porcelain -- exercises)" ]; then \
	    echo "exercises/ has changes that are not committed (your answers?):"; \
	    git status --short -- exercises; \
	    echo "Nothing was regenerated. Commit or copy them first, or overwrite: make exercises FORCE=1"; \
	    exit 1; \
	  fi; \
	fi
	$(BIN)/nbgrader generate_assignment '*' --no-db --force --quiet

# Learners: make validate NB=exercises/01_loss_functions_and_gradients/01_loss_functions_and_gradients.ipynb
validate: $(STAMP)
	$(BIN)/python -m mlopt.grading validate $(NB)

# Instructors: put submissions in submitted/<student>/<chapter>/<chapter>.ipynb, then make grade.
# Writes grades.csv (with a reason for every lost point), autograded/ and feedback/ (HTML per
# learner and chapter). Run as root (as CI does) so that each learner's code runs as an
# unprivileged user without network; limits: make grade CELL_TIMEOUT=120 SUBMISSION_TIMEOUT=600
CELL_TIMEOUT ?= 120
SUBMISSION_TIMEOUT ?= 600
grade: $(STAMP)
	$(BIN)/python -m mlopt.grading grade --output grades.csv --cell-timeout $(CELL_TIMEOUT) --submission-timeout $(SUBMISSION_TIMEOUT)

bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.convergence

# A class on one machine (run as root): JupyterHub with local system users, nbgrader's exchange.
# See deploy/jupyterhub/README.md. Example:
#   sudo make hub MLOPT_INSTRUCTORS=ada MLOPT_LEARNERS=bo,cy,di MLOPT_HUB_IP=0.0.0.0
export MLOPT_HUB_PREFIX ?= /srv/mlopt-hub
hub:
	bash deploy/jupyterhub/setup.sh
	cd "$(MLOPT_HUB_PREFIX)" && "$(MLOPT_HUB_PREFIX)/venv/bin/jupyterhub" -f "$(CURDIR)/deploy/jupyterhub/jupyterhub_config.py"

# The class end to end on loopback (root: it creates and removes four system users); .ci/run runs it.
test-hub: $(STAMP)
	MLOPT_TEST_HUB=1 MLOPT_HUB_PREFIX= $(BIN)/python -m pytest -p no:cacheprovider -v tests/hub

clean:
	rm -rf autograded feedback gradebook.db grades.csv .pytest_cache
