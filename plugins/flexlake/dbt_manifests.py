"""The manifests Cosmos renders DAGs from: the product's, and one per tenant overlay dbt project.

`flexlake manifest` (called by `make manifest` and by the image build, docker/install.sh dbt) runs
`dbt parse` on the product, then `dbt deps` (the product is a `local:` package: no network) and `dbt parse` in
each overlay. No database is read. Each overlay's build also writes a fingerprint of the files it was parsed
from (the overlay's and the product's), so the DAG factory can tell a missing or stale overlay manifest and
show that tenant an error DAG naming the fix, instead of rendering a graph the overlay no longer has.
"""

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flexlake import settings
from flexlake.tenant_config.overlay import OVERLAYS_FOLDER
from flexlake.tenant_config.paths import PathProblem, confined_overlay_dir
from flexlake.tenant_config.safe_yaml import YamlProblem, read_yaml_mapping

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "flexlake_fingerprint.json"
REBUILD_HINT = "run `make manifest` (in an image: `flexlake manifest`)"
# What dbt reads to parse a project (models, macros, tests, seeds, properties, project files); not what dbt
# writes into it (target/, logs/, dbt_packages/, package-lock.yml, .user.yml) nor documentation.
_DBT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv", ".py")
_GENERATED = frozenset({"target", "logs", "dbt_packages", "__pycache__", ".user.yml", "package-lock.yml"})


def overlay_manifest_path(overlay: Path) -> Path:
    return overlay / "target" / "manifest.json"


def overlay_manifest_problem(overlay: Path, product: Path | None = None) -> str | None:
    """Why the overlay's manifest cannot be rendered from (missing, or built from other files), or None."""
    manifest = overlay_manifest_path(overlay)
    if not manifest.is_file():
        return f"the overlay's manifest {manifest} is missing; {REBUILD_HINT}"
    try:
        built = json.loads((manifest.parent / FINGERPRINT_FILE).read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        built = None
    if built != fingerprint(overlay, product or settings.DBT_PROJECT_DIR):
        return f"the overlay's manifest {manifest} is stale (its dbt files or the product's changed); {REBUILD_HINT}"
    return None


def fingerprint(overlay: Path, product: Path) -> str:
    """sha256 over the overlay's and the product's source files (paths and contents; not mtimes, which a copy,
    an image layer or a ConfigMap mount changes)."""
    digest = hashlib.sha256(_tree_digest(overlay.resolve()).encode())
    digest.update(_product_digest(product.resolve()).encode())
    return digest.hexdigest()


@cache
def _product_digest(product: Path) -> str:
    """The product changes only with a deployment: hashed once per process."""
    return _tree_digest(product)


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(_source_files(root)):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _source_files(root: Path) -> Iterable[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in _GENERATED and not name.startswith(".")]
        for name in files:
            if name.endswith(_DBT_SUFFIXES) and name not in _GENERATED and not name.startswith("."):
                yield Path(folder) / name


# --- building -------------------------------------------------------------------------------------


def find_overlays(tenant_folders: Iterable[Path]) -> list[Path]:
    """Overlay projects of these tenant folders: every `overlays/*/` with a dbt_project.yml, and every folder a
    tenant file (documentation files `_*.yaml` included) names in dbt.overlay_project."""
    found: set[Path] = set()
    for folder in tenant_folders:
        found.update(path.parent.absolute() for path in folder.glob(f"{OVERLAYS_FOLDER}/*/dbt_project.yml"))
        for tenant_file in sorted(folder.glob("*.y*ml")):
            overlay = _declared_overlay(tenant_file)
            if overlay is not None and (overlay / "dbt_project.yml").is_file():
                found.add(overlay)
    return sorted(found)


def _declared_overlay(tenant_file: Path) -> Path | None:
    """The overlay a tenant file names, read like the loader reads it (bounded YAML, confined path), or None."""
    try:
        declared = read_yaml_mapping(tenant_file)["dbt"]["overlay_project"]
        return confined_overlay_dir(tenant_file, declared) if isinstance(declared, str) and declared else None
    except (YamlProblem, PathProblem, KeyError, TypeError):
        return None


def build_manifests(product: Path, tenant_folders: Iterable[Path]) -> list[Path]:
    """Parse the product, then deps + parse every overlay; return the manifests written. Raises on a dbt error."""
    product = product.absolute()
    _dbt(["parse", "--quiet"], project=product, product=product)
    manifests = [product / "target" / "manifest.json"]
    for overlay in find_overlays(tenant_folders):
        _dbt(["deps", "--quiet"], project=overlay, product=product)
        _dbt(["parse", "--quiet"], project=overlay, product=product)
        (overlay / "target" / FINGERPRINT_FILE).write_text(
            json.dumps({"fingerprint": fingerprint(overlay, product)}) + "\n", encoding="utf-8"
        )
        manifests.append(overlay_manifest_path(overlay))
    return manifests


def _dbt(command: list[str], *, project: Path, product: Path) -> None:
    """dbt in its own process (one parse each, no state shared), on the product's profiles; DuckDB needs no server."""
    dbt = Path(sys.executable).parent / "dbt"
    args = [str(dbt), *command, "--project-dir", str(project), "--profiles-dir", str(product), "--target", "duckdb"]
    env = {**os.environ, "FLEXLAKE_DBT_PROJECT_DIR": str(product), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    log.info("%s", " ".join(args))
    result = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"`dbt {' '.join(command)}` failed in {project}:\n{result.stdout[-4000:]}{result.stderr}")
