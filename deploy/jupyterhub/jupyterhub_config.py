"""JupyterHub for a class taking the mlopt course: one machine, local system users.

Started by ``make hub`` (``deploy/jupyterhub/setup.sh`` first prepares the machine). Everything
is read from environment variables, so the same file serves a real class and the end-to-end test:

=========================  =====================================================================
``MLOPT_HUB_PREFIX``       where the hub keeps its state, the course's Python environment and
                           nbgrader's exchange (default ``/srv/mlopt-hub``, made by setup.sh)
``MLOPT_HUB_IP``           address the proxy listens on (default ``127.0.0.1``; ``0.0.0.0`` to
                           serve a class on the network, behind TLS: see the README)
``MLOPT_HUB_PORT``         its port (default 8000); the hub's own API uses ``PORT + 81`` and the
                           proxy's API ``PORT + 1`` on 127.0.0.1
``MLOPT_INSTRUCTORS``      comma-separated user names: nbgrader's ``formgrade-mlopt`` group
                           (read by ``course_config.py``, loaded from here)
``MLOPT_LEARNERS``         comma-separated user names: nbgrader's ``nbgrader-mlopt`` group
``MLOPT_HUB_ADMIN_TOKEN``  optional: an API token for a ``course-admin`` service with the admin
                           role (scripts, and the end-to-end test, create users' tokens with it)
=========================  =====================================================================

Users log in with their system password (PAM) and get a JupyterLab server running as
themselves (LocalProcessSpawner), so file permissions separate them. The two nbgrader groups
decide what each sees (``course_config.py``): learners get the Assignments panel and Validate;
instructors also get the formgrader, the course list and the "Create Assignment" toolbar
(``config/instructor`` vs ``config/learner`` on ``JUPYTER_CONFIG_PATH``).
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

HERE = Path(__file__).resolve().parent
PREFIX = Path(os.environ.get("MLOPT_HUB_PREFIX", "/srv/mlopt-hub"))
COURSE_ID = "mlopt"
PORT = int(os.environ.get("MLOPT_HUB_PORT", "8000"))


def _names(var):
    return [n.strip() for n in os.environ.get(var, "").split(",") if n.strip()]


INSTRUCTORS = _names("MLOPT_INSTRUCTORS")
LEARNERS = _names("MLOPT_LEARNERS")

# --- network: the public proxy port; hub API and proxy API stay on loopback -------------------
c.JupyterHub.ip = os.environ.get("MLOPT_HUB_IP", "127.0.0.1")
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 81
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.should_start = True

# --- state -------------------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{PREFIX / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(PREFIX / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(PREFIX / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(PREFIX / "jupyterhub-proxy.pid")

# --- who: local system users, by password ------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS + LEARNERS)
c.Authenticator.admin_users = set(INSTRUCTORS)
c.Authenticator.manage_groups = False
# nbgrader's groups, the instructor role, what each user's server may ask of the hub, and the
# per-role view: course_config.py (shared with The Littlest JupyterHub's setup, see README).
load_subconfig(str(HERE / "course_config.py"))  # noqa: F821 (provided by JupyterHub)
if os.environ.get("MLOPT_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services = [
        {"name": "course-admin", "api_token": os.environ["MLOPT_HUB_ADMIN_TOKEN"]},
    ]
    c.JupyterHub.load_roles.append({"name": "admin", "services": ["course-admin"]})

# --- what: each user's own JupyterLab, from the course environment ------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(PREFIX / "venv" / "bin" / "jupyterhub-singleuser")]
# nbgrader runs `alembic` through PATH: the course environment comes first.
c.Spawner.environment = {
    "PATH": os.pathsep.join([str(PREFIX / "venv" / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
}
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90

