"""nbgrader settings shared by every account on the course hub (learners and instructors)."""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "mlopt"
# The exchange: instructors release into it and collect from it; learners fetch and submit.
c.Exchange.root = os.path.join(os.environ.get("MLOPT_HUB_PREFIX", "/srv/mlopt-hub"), "exchange")
c.Exchange.path_includes_course = True
# Which courses a user takes or teaches: the hub's groups nbgrader-mlopt / formgrade-mlopt.
c.Authenticator.plugin_class = JupyterHubAuthPlugin
# nbgrader's exchange with two holes closed (see mlopt/exchange.py): a submission folder is
# private to its learner and the instructors, and collect ignores work handed in under
# another learner's name.
c.ExchangeFactory.submit = "mlopt.exchange.PrivateSubmit"
c.ExchangeFactory.collect = "mlopt.exchange.VerifiedCollect"
