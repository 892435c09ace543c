"""The course's part of a JupyterHub configuration: nbgrader's groups and each role's view.

Loaded by ``jupyterhub_config.py`` (``make hub``), and copied as it is into The Littlest
JupyterHub's ``/opt/tljh/config/jupyterhub_config.d/`` (see README.md): the same file decides
what learners and instructors see on both.

=========================  =====================================================================
``MLOPT_HUB_PREFIX``       where ``setup.sh`` put the per-role Jupyter configuration
                           (``config/``) and the exchange (default ``/srv/mlopt-hub``)
``MLOPT_INSTRUCTORS``      comma-separated hub user names: nbgrader's ``formgrade-mlopt`` group
``MLOPT_LEARNERS``         comma-separated hub user names: nbgrader's ``nbgrader-mlopt`` group
=========================  =====================================================================

Without the two lists (TLJH, whose hub gets no such variables), the groups are made on the
hub's admin page (Admin -> Groups) or with its REST API, and this file leaves them alone.

A user in ``formgrade-mlopt`` gets the instructor view (``config/instructor``: formgrader, course
list, Create Assignment toolbar, Assignments panel, Validate); anyone else the learner view
(``config/learner``: Assignments panel and Validate). Both use the course's Validate dialog
(``mlopt._lab``), as ``make lab`` does.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

COURSE_ID = "mlopt"
PREFIX = Path(os.environ.get("MLOPT_HUB_PREFIX", "/srv/mlopt-hub"))
INSTRUCTOR_GROUP = f"formgrade-{COURSE_ID}"
LEARNER_GROUP = f"nbgrader-{COURSE_ID}"


def _names(var):
    return [n.strip() for n in os.environ.get(var, "").split(",") if n.strip()]


# nbgrader 0.9's JupyterHubAuthPlugin: instructors in formgrade-<course>, learners in
# nbgrader-<course> (nbgrader adds a learner itself when the instructor runs
# `nbgrader db student add`).
if _names("MLOPT_INSTRUCTORS") or _names("MLOPT_LEARNERS"):
    c.JupyterHub.load_groups.update({
        INSTRUCTOR_GROUP: {"users": _names("MLOPT_INSTRUCTORS")},
        LEARNER_GROUP: {"users": _names("MLOPT_LEARNERS")},
    })
# An instructor may manage the learners' group (nbgrader db student add / remove) and read the
# class list.
c.JupyterHub.load_roles.append({
    "name": "mlopt-instructor",
    "description": "Manage the course's learner group and read the class list",
    "scopes": [f"groups!group={LEARNER_GROUP}", "read:users", "read:groups"],
    "groups": [INSTRUCTOR_GROUP],
})

# What a user's JupyterLab may ask of the hub: a learner's, its own groups (nbgrader asks which
# courses it is in); an instructor's, also the class.
_SERVER_SCOPES = [
    "access:servers!server",
    "users:activity!user",
    "read:users:name!user",
    "read:users:groups!user",
]


def _is_instructor(spawner):
    return INSTRUCTOR_GROUP in {g.name for g in spawner.user.groups}


def _server_token_scopes(spawner):
    if _is_instructor(spawner):
        return _SERVER_SCOPES + [f"groups!group={LEARNER_GROUP}", "read:users", "read:groups"]
    return _SERVER_SCOPES


def _role_config(spawner):
    """Learner or instructor view: their own Jupyter config folder first on the config path."""
    role = "instructor" if _is_instructor(spawner) else "learner"
    # setup.sh copies config/ under the prefix: users may not be able to read the repository.
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(PREFIX / "config" / role), str(PREFIX / "config" / "common")]
    )
    spawner.environment["MLOPT_HUB_PREFIX"] = str(PREFIX)
    spawner.environment["MLOPT_ROLE"] = role


c.Spawner.server_token_scopes = _server_token_scopes
c.Spawner.pre_spawn_hook = _role_config
