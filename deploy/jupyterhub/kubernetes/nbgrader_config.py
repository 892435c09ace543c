"""nbgrader settings for the course on Kubernetes (Zero to JupyterHub): ngshare's exchange.

Every pod runs as the same system user (``jovyan``), so file ownership cannot tell learners
apart and the file-system exchange of one machine (``config/common/nbgrader_config.py`` with
``mlopt.exchange``) does not apply: ``mlopt.exchange.VerifiedCollect`` would refuse to collect.
ngshare keeps releases, submissions and feedback in its own service and authenticates every
request with the user's JupyterHub token, so nobody can submit, collect or fetch as somebody
else. Its exchange classes (all of them, collect included) replace nbgrader's.

The singleuser image installs it at ``/etc/jupyter/nbgrader_config.py`` (see ``Dockerfile``).
"""

from ngshare_exchange import configureExchange

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "mlopt"
# The hub's service URL of ngshare (its Helm chart prints it after `helm install`).
configureExchange(c, "http://proxy-public.jhub.svc.cluster.local/services/ngshare")
