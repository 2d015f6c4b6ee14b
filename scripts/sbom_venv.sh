#!/usr/bin/env bash
# Create .venvs/sbom, the tool venv of `make sbom` (cyclonedx-bom), from licensing/requirements-sbom.txt.
# Its own venv: the SBOM tool must never change the venvs it describes. Idempotent like scripts/bootstrap.sh
# (rebuilt only when the lock's hash changed); needs bootstrap's uv (.venvs/uv).
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.venvs/uv/bin/uv
DIR=.venvs/sbom
LOCK=licensing/requirements-sbom.txt
[ -x "$UV" ] || { echo "sbom_venv: $UV is missing; run scripts/bootstrap.sh (make venv) first" >&2; exit 1; }
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ -f "$DIR/.flexlake-lock-hash" ] && [ "$(cat "$DIR/.flexlake-lock-hash")" = "$want" ]; then
  exit 0
fi
echo "sbom_venv: syncing $DIR from $LOCK"
[ -x "$DIR/bin/python" ] || "$UV" venv -q --python "$(.venv/bin/python -c 'import sys; print(sys.executable)')" "$DIR"
"$UV" pip sync -q --python "$DIR/bin/python" "$LOCK"
echo "$want" >"$DIR/.flexlake-lock-hash"
