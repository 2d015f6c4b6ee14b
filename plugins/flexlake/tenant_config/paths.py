"""Paths a tenant file names stay inside what the tenant owns: its DuckDB file under the data directory, its
overlay project under the tenant folder, unless an operator allows another root (FLEXLAKE_ALLOWED_PATH_ROOTS).

Paths are resolved (symlinks followed, `..` collapsed) before they are checked, so neither `../other_tenant`
nor a symlink pointing out escapes; the resolved absolute path is what the pipeline then uses.
"""

from pathlib import Path

from flexlake import settings

_ROOTS_FIX = "or have an operator add its root to FLEXLAKE_ALLOWED_PATH_ROOTS"


class PathProblem(Exception):
    """A path field that points outside what the tenant may use; the message names the field and the fix."""


def confined_duckdb_path(path: str) -> Path:
    """warehouse.path resolved against the data directory; PathProblem unless under it (or an allowed root)."""
    data_dir = _resolved(settings.DATA_DIR, "warehouse.path")
    resolved = _resolved(data_dir / path, "warehouse.path")
    if not _inside(resolved, data_dir) or resolved.parent == data_dir:
        raise PathProblem(
            f"warehouse.path: {path[:100]!r} resolves outside a folder of the data directory; use a path like "
            f"<tenant_id>/warehouse.duckdb (relative to FLEXLAKE_DATA_DIR), remove the field for the default, "
            f"{_ROOTS_FIX} (it resolves to {resolved}; the data directory is {data_dir})"
        )
    return resolved


def confined_overlay_dir(tenant_file: Path, overlay_project: str) -> Path:
    """dbt.overlay_project resolved against the tenant file's folder; PathProblem unless under it."""
    folder = _resolved(tenant_file.parent, "dbt.overlay_project")
    resolved = _resolved(folder / overlay_project, "dbt.overlay_project")
    if not _inside(resolved, folder):
        raise PathProblem(
            f"dbt.overlay_project: {overlay_project[:100]!r} resolves outside the tenant folder; keep the overlay "
            f"under it (convention: overlays/<tenant_id>), {_ROOTS_FIX} (it resolves to {resolved}; the tenant "
            f"folder is {folder})"
        )
    return resolved


def _inside(resolved: Path, base: Path) -> bool:
    """Strictly below `base` or below a root the operator allowed (FLEXLAKE_ALLOWED_PATH_ROOTS)."""
    roots = (base, *(_resolved(root, "FLEXLAKE_ALLOWED_PATH_ROOTS") for root in settings.ALLOWED_PATH_ROOTS))
    return any(resolved.is_relative_to(root) and resolved != root for root in roots)


def _resolved(path: Path, field: str) -> Path:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError) as error:  # a 300-character name, a NUL byte, a symlink loop
        raise PathProblem(
            f"{field}: the path cannot be resolved ({type(error).__name__}: {str(error)[:80]}); "
            "use a short relative path"
        ) from None
