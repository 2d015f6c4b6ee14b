"""Which dbt project a tenant builds: the product (include/dbt), or its overlay dbt project.

An overlay (tenant file: dbt.overlay_project) is a thin root project with the product installed as the
`local:` package `flexlake` (include/dbt/README.md, "Per-tenant customization"). Its DAG renders from the
overlay's own manifest (built by `make manifest`) and its dbt tasks run in the overlay folder. The product's
models are then package nodes: Cosmos sees them under `dbt_packages/flexlake/`, so path selectors get that
prefix (dbt_task_group.dbt_selectors).

Cosmos runs each dbt task in a fresh copy of the project and, when the cached partial parse names a copy that
is gone, points every node's root_path at the new copy. A package's nodes live under dbt_packages/<package>/
of it, and dbt reads a seed's CSV from its root_path: the replacement below keeps package nodes there (the
product's own nodes, and a project without packages, are patched exactly as Cosmos does).
"""

from dataclasses import dataclass
from pathlib import Path

import msgpack  # type: ignore[import-untyped]
from cosmos import cache as cosmos_cache

from flexlake import settings
from flexlake.dbt_manifests import overlay_manifest_path, overlay_manifest_problem
from flexlake.tenant_config import TenantConfig

PRODUCT_PACKAGE = "flexlake"
# Where `dbt deps` links the product inside an overlay (dbt's default packages-install-path).
OVERLAY_PRODUCT_PATH = f"dbt_packages/{PRODUCT_PACKAGE}"


class OverlayManifestError(RuntimeError):
    """The overlay's manifest is missing or was built from other files: the tenant gets an error DAG."""


@dataclass(frozen=True)
class TenantDbtProject:
    project_dir: Path  # where dbt runs, and Cosmos's project path
    manifest: Path  # what the graph renders from
    product_root: str  # the product's folder relative to project_dir: "" or "dbt_packages/flexlake/"


def tenant_dbt_project_dir(tenant: TenantConfig) -> Path:
    """Where the tenant's dbt commands run (no checks: a running task only needs the folder)."""
    overlay = tenant.dbt.overlay_project
    return Path(overlay) if overlay else settings.DBT_PROJECT_DIR


def tenant_dbt_project(tenant: TenantConfig) -> TenantDbtProject:
    """The tenant's project and manifest; raises OverlayManifestError (with the fix) for a missing/stale overlay."""
    overlay = tenant.dbt.overlay_project
    if not overlay:
        return TenantDbtProject(settings.DBT_PROJECT_DIR, settings.DBT_MANIFEST_PATH, "")
    folder = Path(overlay)
    problem = overlay_manifest_problem(folder)
    if problem:
        raise OverlayManifestError(f"dbt.overlay_project: {problem}")
    return TenantDbtProject(folder, overlay_manifest_path(folder), f"{OVERLAY_PRODUCT_PATH}/")


def _patch_partial_parse_content(partial_parse_filepath: Path, project_path: Path) -> bool:
    """cosmos.cache.patch_partial_parse_content, package-aware: stale root paths of a package's nodes become
    <project copy>/dbt_packages/<package>, the root project's become the project copy."""
    try:
        with partial_parse_filepath.open("rb") as handle:
            data = msgpack.unpack(handle)
    except ValueError:
        return False
    root_project = (data.get("metadata") or {}).get("project_name")
    patched = False
    for node in data["nodes"].values():
        root_path = node.get("root_path")
        if not root_path or Path(root_path).exists():
            continue
        package = node.get("package_name")
        in_package = bool(package) and package != root_project
        node["root_path"] = str(project_path / "dbt_packages" / package if in_package else project_path)
        patched = True
    if patched:
        with partial_parse_filepath.open("wb") as handle:
            handle.write(msgpack.packb(data))
    return patched


cosmos_cache.patch_partial_parse_content = _patch_partial_parse_content
