"""Which dbt project a tenant builds: the product (include/dbt), or its overlay dbt project.

An overlay (tenant file: dbt.overlay_project) is a thin root project with the product installed as the
`local:` package `flexlake` (include/dbt/README.md, "Per-tenant customization"). Its DAG renders from the
overlay's own manifest (built by `make manifest`) and its dbt tasks run in the overlay folder. The product's
models are then package nodes (under `dbt_packages/flexlake/`) that keep the product's selection tags, so a
tenant's exclusions are the same in an overlay (dbt_task_group.dbt_exclude).

Cosmos runs each dbt task in a fresh copy of the project and repoints the cached partial parse at it; for a
package's nodes (the product's, under an overlay) cosmos_patches.patch_partial_parse_content keeps
dbt_packages/<package>/ in that path.
"""

from dataclasses import dataclass
from pathlib import Path

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
