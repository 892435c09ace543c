#!/usr/bin/env bash
# Prepare this machine for `make hub`: the course's Python environment under the prefix (every
# user must be able to run it), configurable-http-proxy, the per-role Jupyter configuration, the
# nbgrader exchange, and a course folder for each instructor. Idempotent; run as root.
#
#   MLOPT_HUB_PREFIX   default /srv/mlopt-hub
#   MLOPT_INSTRUCTORS  comma-separated system users who teach (each gets ~/mlopt, the course root)
#   MLOPT_LEARNERS     comma-separated system users who learn (their homes are made private)
#   MLOPT_HUB_PYTHON   a Python every user may execute (default /usr/bin/python3)
#   MLOPT_HUB_TLJH     1 on The Littlest JupyterHub: TLJH runs the hub and its own user
#                      environment, so no course environment and no proxy are installed here
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
prefix="${MLOPT_HUB_PREFIX:-/srv/mlopt-hub}"
python="${MLOPT_HUB_PYTHON:-/usr/bin/python3}"

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (it creates $prefix and each instructor's course folder)." >&2
  exit 1
fi
install -d -m 755 "$prefix"
if [ "${MLOPT_HUB_TLJH:-}" != 1 ]; then
  missing=()
  "$python" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  # configurable-http-proxy, pinned by package-lock.json (the hub runs it as root from here).
  if [ ! -x "$here/node_modules/.bin/configurable-http-proxy" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi

  # The course environment: a plain (not editable) install, so users need no access to the repo.
  stamp="$prefix/venv/.installed"
  want="$(cat "$repo/pyproject.toml" "$repo/constraints.txt" | sha256sum | cut -c1-16)-$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo nogit)-$(git -C "$repo" diff HEAD -- mlopt 2>/dev/null | sha256sum | cut -c1-8)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    [ -x "$prefix/venv/bin/python" ] || "$python" -m venv "$prefix/venv"
    "$prefix/venv/bin/python" -m pip install --quiet --upgrade "pip>=24"
    # The pins were measured on Python 3.11.7; a few releases (soupsieve 3+) need 3.11.5 or newer,
    # which Debian 12's 3.11.2 is not: leave those to pip there.
    grep -v -E '^(soupsieve)==' "$repo/constraints.txt" > "$prefix/constraints.txt"
    "$prefix/venv/bin/python" -m pip install --quiet -c "$prefix/constraints.txt" "$repo[hub]"
    echo "$want" > "$stamp"
  fi
  # No "get Jupyter news?" pop-up over a learner's first notebook.
  settings="$prefix/venv/share/jupyter/lab/settings"
  mkdir -p "$settings"
  echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' > "$settings/overrides.json"
  chmod -R a+rX "$prefix/venv"
fi

# Learner / instructor views and the shared nbgrader settings.
rm -rf "$prefix/config"
cp -r "$here/config" "$prefix/config"
chmod -R a+rX "$prefix/config"

# nbgrader's exchange: everyone may create entries, nobody may remove another's (sticky bit);
# nbgrader itself makes inbound/ write-only for learners and names each submission with a random
# string, so learners cannot list or read each other's work.
install -d -m 1777 "$prefix/exchange"

IFS=',' read -r -a instructors <<< "${MLOPT_INSTRUCTORS:-}"
IFS=',' read -r -a learners <<< "${MLOPT_LEARNERS:-}"
# Homes are private: Debian's useradd makes them world-readable (UMASK 022), and a learner's
# answers live there.
for who in "${instructors[@]}" "${learners[@]}"; do
  who="$(echo "$who" | xargs)"; [ -n "$who" ] || continue
  home="$(getent passwd "$who" | cut -d: -f6)"
  if [ -z "$home" ]; then echo "setup.sh: no system user $who (create it first: adduser $who)" >&2; exit 1; fi
  chmod 700 "$home"
done

# The course's corner of the exchange, made here rather than by nbgrader's first release so that
# inbound/ also gets the sticky bit: learners may add submissions (write-only, setgid as nbgrader
# wants) but never rename or delete another's. Owned by the first instructor.
owner="$(echo "${instructors[0]:-}" | xargs)"
if [ -n "$owner" ]; then
  group="$(id -gn "$owner")"
  install -d -o "$owner" -g "$group" -m 755 "$prefix/exchange/mlopt" "$prefix/exchange/mlopt/outbound"
  install -d -o "$owner" -g "$group" -m 3733 "$prefix/exchange/mlopt/inbound"
  install -d -o "$owner" -g "$group" -m 711 "$prefix/exchange/mlopt/feedback"
fi

# Each instructor's course root: the nbgrader sources and settings, owned by the instructor.
for who in "${instructors[@]}"; do
  who="$(echo "$who" | xargs)"; [ -n "$who" ] || continue
  home="$(getent passwd "$who" | cut -d: -f6)"
  course="$home/mlopt"
  if [ ! -d "$course" ]; then
    install -d -o "$who" -g "$(id -gn "$who")" -m 700 "$course"
    cp -r "$repo/solutions" "$repo/nbgrader_config.py" "$course/"
    chown -R "$who:$(id -gn "$who")" "$course"
  fi
  install -d -o "$who" -g "$(id -gn "$who")" -m 700 "$home/.jupyter"
  cat > "$home/.jupyter/nbgrader_config.py" <<PY
c = get_config()  # noqa: F821
c.CourseDirectory.root = "$course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = "sqlite:///$course/gradebook.db"
PY
  chown "$who:$(id -gn "$who")" "$home/.jupyter/nbgrader_config.py"
done
echo "setup.sh: ready under $prefix"
