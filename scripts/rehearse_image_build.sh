#!/usr/bin/env bash
# Rehearse the Docker image build on a machine without a Docker engine (docs/deploy.md, "What is verified").
# Executes the Dockerfile's COPY and `docker/install.sh <stage>` RUN lines, in order, exactly as written,
# under a fresh temp root (image paths /opt/flexlake, /opt/airflow relocated into it), then runs the result
# like a container: example tenants mounted, `airflow db migrate`, a DagBag over the image's dags folder
# (zero import errors), and `airflow dags test flexlake__bluebird_books` end to end.
#
#   scripts/rehearse_image_build.sh                 build + verify, then delete the temp root
#   scripts/rehearse_image_build.sh --plan          list the install stages the Dockerfile runs
#   scripts/rehearse_image_build.sh --keep          keep the temp root (printed) for inspection
#   scripts/rehearse_image_build.sh --report FILE   write a JSON report (timings, DagBag, run result)
# Takes ~1 min of installs (uv copies from this machine's cache) plus ~2 min of Airflow checks.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python312() {
  for candidate in "${FLEXLAKE_PYTHON:-}" /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12 python3.12; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      # The real interpreter, not a pyenv shim: it stands in for the base image's python3.12.
      "$candidate" -c 'import sys; print(sys.executable)'; return 0
    fi
  done
  echo "rehearse: no Python 3.12 found; set FLEXLAKE_PYTHON=/path/to/python3.12" >&2
  return 1
}

keep=0 report="" plan=0
while [ $# -gt 0 ]; do
  case $1 in
    --plan) plan=1 ;;
    --keep) keep=1 ;;
    --report) report=$2; shift ;;
    *) echo "usage: $0 [--plan] [--keep] [--report FILE]" >&2; exit 2 ;;
  esac
  shift
done

PYTHON=$(find_python312)
if [ "$plan" = 1 ]; then
  exec "$PYTHON" docker/rehearse.py plan
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/flexlake-image-rehearsal.XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then echo "rehearse: kept $root"; else rm -rf "$root"; fi; }
trap cleanup EXIT
args=(all --root "$root" --python "$PYTHON")
[ -n "$report" ] && args+=(--report "$report")
"$PYTHON" docker/rehearse.py "${args[@]}"
