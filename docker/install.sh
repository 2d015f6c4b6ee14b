#!/usr/bin/env bash
# The one install script of the flexlake image. Every install or bake step of the Dockerfile is a RUN line
# `bash /opt/flexlake/build/docker/install.sh <stage>`, and scripts/rehearse_image_build.sh executes those
# same RUN lines, in the same order, on a machine without a Docker engine (tests/deploy checks both agree).
#
# Inputs, all set by the Dockerfile's ENV (the rehearsal sets the same names under a temp root):
#   FLEXLAKE_HOME           prefix of everything installed: tools/ (uv), venv/ (Airflow), venvs/, build/
#   FLEXLAKE_BASE_PYTHON    the Python 3.12 every venv is created from (the base image's)
#   FLEXLAKE_PYAIRBYTE_PYTHON, FLEXLAKE_CONNECTORS_VENV_DIR, FLEXLAKE_DBT_PROJECT_DIR, FLEXLAKE_DBT_MANIFEST_PATH,
#   FLEXLAKE_TENANT_CONFIGS_DIR, FLEXLAKE_DATA_DIR, AIRFLOW__COSMOS__CACHE_DIR: the runtime settings
#   (plugins/flexlake/settings.py), so the build writes exactly where the running image reads.
# Sources: what the Dockerfile COPYs into $FLEXLAKE_HOME/build, laid out like the repository.
set -euo pipefail

STAGES="uv airflow pyairbyte connectors package dbt layout sbom"
UV_VERSION=0.13.8  # the version scripts/bootstrap.sh installs
BUILD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${FLEXLAKE_HOME:?set by the Dockerfile}" "${FLEXLAKE_BASE_PYTHON:?set by the Dockerfile}"
AIRFLOW_VENV=$FLEXLAKE_HOME/venv
UV=$FLEXLAKE_HOME/tools/bin/uv

# Copy out of uv's cache (a BuildKit cache mount is another filesystem: no hard links), never download a
# Python, no telemetry. Explicit --python everywhere: an inherited VIRTUAL_ENV must not pick the target.
export UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
export DBT_SEND_ANONYMOUS_USAGE_STATS=False DO_NOT_TRACK=1
unset VIRTUAL_ENV PYTHONPATH

log() { echo "install.sh $STAGE: $*"; }

# sync_venv DIR LOCKFILE: DIR holds exactly the lock's packages (uv pip sync removes anything else).
sync_venv() {
  local dir=$1 lock=$2
  [ -x "$dir/bin/python" ] || "$UV" venv -q --python "$FLEXLAKE_BASE_PYTHON" "$dir"
  "$UV" pip sync -q --python "$dir/bin/python" "$lock"
  log "$dir synced from $(basename "$lock")"
}

# uv, pinned, in its own small venv: the base image's pip would take minutes for the Airflow stack.
stage_uv() {
  "$FLEXLAKE_BASE_PYTHON" -m venv "$FLEXLAKE_HOME/tools"
  "$FLEXLAKE_HOME/tools/bin/pip" install -q --no-cache-dir --disable-pip-version-check "uv==$UV_VERSION"
  log "$("$UV" --version)"
}

# Airflow, Cosmos, dbt and providers from OUR lock. Airflow's constraints file cannot be downloaded where
# flexlake is built and tested, and pip and uv resolve differently without one: requirements.txt was compiled
# for apache-airflow==3.3.2 and is the constraint. `uv pip check` fails the build on any broken requirement.
stage_airflow() {
  sync_venv "$AIRFLOW_VENV" "$BUILD_DIR/requirements.txt"
  "$UV" pip check -q --python "$AIRFLOW_VENV/bin/python"
}

# PyAirbyte cannot share a venv with Airflow 3.3 (SQLAlchemy, structlog pins): its own venv.
stage_pyairbyte() {
  sync_venv "$(dirname "$(dirname "$FLEXLAKE_PYAIRBYTE_PYTHON")")" "$BUILD_DIR/requirements-pyairbyte.txt"
  test -x "$FLEXLAKE_PYAIRBYTE_PYTHON"
}

# One venv per Python connector under FLEXLAKE_CONNECTORS_VENV_DIR, holding an executable of its name; and the
# dlt engine's venv beside them (engine: dlt, Apache-2.0 end to end: plugins/flexlake/ingestion/embedded_dlt.py).
stage_connectors() {
  sync_venv "$FLEXLAKE_CONNECTORS_VENV_DIR/source-faker" "$BUILD_DIR/requirements-source-faker.txt"
  test -x "$FLEXLAKE_CONNECTORS_VENV_DIR/source-faker/bin/source-faker"
  sync_venv "$FLEXLAKE_CONNECTORS_VENV_DIR/dlt" "$BUILD_DIR/requirements-dlt.txt"
  "$FLEXLAKE_CONNECTORS_VENV_DIR/dlt/bin/python" -c "import dlt, mimesis"
}

# The flexlake package, built as a wheel and installed without its dependencies (the lock has them).
# Not editable: the image needs no source tree, and settings come from the environment.
stage_package() {
  local dist
  dist=$(mktemp -d)
  "$UV" build -q --wheel --out-dir "$dist" "$BUILD_DIR"
  "$UV" pip install -q --python "$AIRFLOW_VENV/bin/python" --no-deps --reinstall "$dist"/flexlake-*.whl
  rm -rf "$dist" "$BUILD_DIR/build" "$BUILD_DIR"/plugins/*.egg-info
  "$AIRFLOW_VENV/bin/python" -c 'import flexlake, sys; sys.exit(0 if sys.prefix in flexlake.__file__ else 1)'
  log "flexlake installed into $AIRFLOW_VENV"
}

# Bake the manifests Cosmos renders from and dbt's partial_parse.msgpack: no dbt runs while Airflow parses,
# and every dbt task starts from a warm parse. `flexlake manifest` (what `make manifest` runs) parses the
# product, then deps + parse of each tenant overlay of the baked examples (the product is a local package:
# no network). `dbt parse` reads no database.
stage_dbt() {
  local project=$FLEXLAKE_DBT_PROJECT_DIR examples=$FLEXLAKE_HOME/examples/tenant_configs overlay
  if [ "$FLEXLAKE_DBT_MANIFEST_PATH" != "$project/target/manifest.json" ]; then
    echo "install.sh dbt: FLEXLAKE_DBT_MANIFEST_PATH must be $project/target/manifest.json" >&2
    return 1
  fi
  "$AIRFLOW_VENV/bin/flexlake" manifest --product "$project" "$examples"
  test -s "$project/target/manifest.json" && test -s "$project/target/partial_parse.msgpack"
  rm -rf "$project/logs" "$project/flexlake.duckdb"
  for overlay in "$examples"/overlays/*/; do
    [ -f "$overlay/dbt_project.yml" ] || continue
    test -s "$overlay/target/manifest.json"
    rm -rf "$overlay/logs"
  done
  log "baked $project/target/manifest.json, partial_parse.msgpack and the example overlays' manifests"
}

# Mount points and scratch folders, owned by the image user; the baked example tenants must validate.
stage_layout() {
  mkdir -p "$FLEXLAKE_TENANT_CONFIGS_DIR" "$FLEXLAKE_DATA_DIR" "$AIRFLOW__COSMOS__CACHE_DIR"
  "$AIRFLOW_VENV/bin/flexlake" validate "$FLEXLAKE_HOME/examples/tenant_configs"
}

# A CycloneDX SBOM of each venv the image ships, every package with its license (licensing/, docs/licensing.md),
# in $FLEXLAKE_HOME/sbom. cyclonedx-bom runs from a tool venv deleted again in this step (never in the image);
# --strict fails the build on a license licensing/policy.toml neither allows nor keeps with a reason.
stage_sbom() {
  local tool=$FLEXLAKE_HOME/build/sbom-tool
  sync_venv "$tool" "$BUILD_DIR/licensing/requirements-sbom.txt"
  (cd "$BUILD_DIR" && "$AIRFLOW_VENV/bin/python" -m licensing.sbom --strict --tool "$tool/bin/cyclonedx-py" \
    --out "$FLEXLAKE_HOME/sbom" --venv "airflow=$AIRFLOW_VENV" \
    --venv "pyairbyte=$(dirname "$(dirname "$FLEXLAKE_PYAIRBYTE_PYTHON")")" \
    --venv "source-faker=$FLEXLAKE_CONNECTORS_VENV_DIR/source-faker" --venv "dlt=$FLEXLAKE_CONNECTORS_VENV_DIR/dlt")
  rm -rf "$tool" "$BUILD_DIR"/licensing/__pycache__
}

if [ $# -ne 1 ] || [[ " $STAGES " != *" $1 "* ]]; then
  echo "usage: install.sh <stage>; stages, in Dockerfile order: $STAGES" >&2
  exit 2
fi
STAGE=$1
"stage_$STAGE"
