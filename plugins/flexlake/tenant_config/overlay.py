"""Check a tenant's overlay dbt project (dbt.overlay_project) on disk: the only file I/O of a tenant's dbt block.

An overlay is a thin dbt root project that installs the product as a `local:` package (package name
`flexlake`) and disables, replaces or adds models (include/dbt/README.md, "Per-tenant customization"). The
checks here catch what would otherwise fail later, inside dbt, far from the tenant file: a wrong folder, a
folder that is not a dbt project, or a project that does not build on the product.

The `local:` path is either a path relative to the overlay (`../../../include/dbt`, checked here) or
`{{ env_var('FLEXLAKE_DBT_PROJECT_DIR', '<relative path>') }}` (recommended, not resolved here): the tenant
folder moves (a mounted volume, a copy) and the image keeps the product elsewhere, and `flexlake manifest`
sets that variable to the very product the DAGs run.
"""

import re
from pathlib import Path
from typing import Any

from flexlake.tenant_config.safe_yaml import YamlProblem, read_yaml_mapping

PRODUCT_PACKAGE = "flexlake"
OVERLAYS_FOLDER = "overlays"
_ENV_VAR_PATH = re.compile(r"^\{\{\s*env_var\(\s*'FLEXLAKE_DBT_PROJECT_DIR'\s*(,\s*'[^']*'\s*)?\)\s*\}\}$")
_FROM_SETTINGS = "env_var('FLEXLAKE_DBT_PROJECT_DIR')"
_RECIPE = "see include/dbt/README.md, 'Per-tenant customization'"


def overlay_problems(folder: Path, overlay_project: str) -> list[str]:
    """What is wrong with the overlay folder, one line each (`dbt.overlay_project: what and fix`); [] if fine."""
    problem = _folder_problem(folder, overlay_project) or _package_problem(folder)
    return [f"dbt.overlay_project: {problem}"] if problem else []


def _folder_problem(folder: Path, overlay_project: str) -> str | None:
    if not folder.is_dir():
        return (
            f"folder {overlay_project!r} ({folder}) does not exist; create it (convention: "
            f"tenant_configs/{OVERLAYS_FOLDER}/<tenant_id>/, relative to the tenant file's folder) or remove the field"
        )
    project = _read_yaml(folder / "dbt_project.yml")
    if not isinstance(project, dict) or not project.get("name"):
        return (
            f"{folder} has no dbt_project.yml with a `name:`; an overlay is a dbt project "
            f"(copy tenant_configs/{OVERLAYS_FOLDER}/example_appdb, {_RECIPE})"
        )
    if project["name"] == PRODUCT_PACKAGE:
        return f"the overlay's dbt_project.yml is named {PRODUCT_PACKAGE!r}, the product's name; rename it"
    return None


def _package_problem(folder: Path) -> str | None:
    local = _product_package_path(folder)
    if local == _FROM_SETTINGS:
        return None
    if local is None:
        return (
            f"{folder / 'packages.yml'} has no `- local:` package pointing at the product; add "
            f"`packages: [{{local: <relative path to include/dbt>}}]` ({_RECIPE})"
        )
    product = _read_yaml((folder / local) / "dbt_project.yml")
    if not isinstance(product, dict) or product.get("name") != PRODUCT_PACKAGE:
        return (
            f"the local package {local!r} of {folder / 'packages.yml'} is not the flexlake dbt project "
            f"(no dbt_project.yml named {PRODUCT_PACKAGE!r} at {(folder / local).absolute()}); point it at include/dbt"
        )
    return None


def _product_package_path(folder: Path) -> str | None:
    """The first `local:` package of packages.yml (_FROM_SETTINGS for the env_var form), or None."""
    packages = _read_yaml(folder / "packages.yml")
    entries = packages.get("packages") if isinstance(packages, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        local = entry.get("local") if isinstance(entry, dict) else None
        if isinstance(local, str) and local.strip():
            return _FROM_SETTINGS if _ENV_VAR_PATH.match(local.strip()) else local.strip()
    return None


def _read_yaml(path: Path) -> Any:
    """The file's mapping, bounded like a tenant file (no aliases, size cap), or None when it is not one."""
    try:
        return read_yaml_mapping(path)
    except YamlProblem:
        return None
