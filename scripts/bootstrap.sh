#!/usr/bin/env bash
# Create every virtualenv flexlake needs, from a clean machine, idempotently.
#   .venv                     Airflow + Cosmos + dbt (requirements.txt) and the test/lint tools (requirements-dev.txt)
#   .venvs/pyairbyte          PyAirbyte: cannot share a venv with Airflow 3.3 (SQLAlchemy/structlog pins clash)
#   .venvs/source-faker       the airbyte-source-faker connector, handed to PyAirbyte as a local executable
#   .venvs/dlt                dlt (engine: dlt), Apache-licensed, with its faker generator: run by path like PyAirbyte
#   .venvs/fakesnow           fakesnow's server (a Snowflake emulator for tests): pins its own duckdb and sqlglot
# A venv is rebuilt only when its lock file changed (a stamp holds the lock's hash).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python312() {
  for candidate in "${FLEXLAKE_PYTHON:-}" python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "bootstrap: no Python 3.12 found; set FLEXLAKE_PYTHON=/path/to/python3.12" >&2
  return 1
}

# apt_install PACKAGE WHY: a Debian package a test or driver needs, installed when root (sessions, CI), else a hint.
apt_install() {
  local package=$1 why=$2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing $package (Debian) for $why"
    apt-get install -y -q --no-install-recommends "$package" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$package" >/dev/null; }
  else
    echo "bootstrap: $package is missing ($why); install it: apt-get install $package" >&2
  fi
}

# dbt-sqlserver's pyodbc needs the ODBC driver manager (libodbc.so.2) even to import.
ensure_libodbc() {
  ldconfig -p 2>/dev/null | grep -q 'libodbc\.so\.2' && return 0
  apt_install libodbc2 "dbt-sqlserver (SQL Server)"
}

# The portal's browser test (tests/integration/test_tenant_access.py) drives Debian's chromium through playwright:
# playwright's own browser download needs the internet, Debian's package does not. Without it that test skips.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  apt_install chromium "the portal's browser test"
}

ensure_libodbc
ensure_chromium
PYTHON=$(find_python312)
UV=.venvs/uv/bin/uv
if [ ! -x "$UV" ]; then
  echo "bootstrap: installing uv into .venvs/uv"
  "$PYTHON" -m venv .venvs/uv
  .venvs/uv/bin/pip install -q --disable-pip-version-check uv==0.13.8
fi

# ensure_venv DIR LOCKFILE... : (re)create DIR from the lock files when their hash changed.
ensure_venv() {
  local dir=$1; shift
  local stamp="$dir/.flexlake-lock-hash"
  local want
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "bootstrap: syncing $dir from $*"
  [ -x "$dir/bin/python" ] || "$UV" venv -q --python "$PYTHON" "$dir"
  "$UV" pip sync -q --python "$dir/bin/python" "$@"
  echo "$want" >"$stamp"
}

# One venv for running and testing: the dev tools are small, and two variants would re-sync each other.
ensure_venv .venv requirements.txt requirements-dev.txt
"$UV" pip install -q --python .venv/bin/python --no-deps -e .
ensure_venv .venvs/pyairbyte requirements-pyairbyte.txt
ensure_venv .venvs/source-faker requirements-source-faker.txt
ensure_venv .venvs/dlt requirements-dlt.txt
ensure_venv .venvs/fakesnow requirements-fakesnow.txt
