"""Read tenant files: one bad file is reported, never allowed to take the others down.

Nothing a file contains makes these functions raise anything but TenantConfigError (load_tenant_config) or
nothing at all (load_tenant_configs): the DAG file builds every tenant from one folder, and an exception there
would drop every tenant's DAG. Folder-wide rules (unique ids, no shared schemas, files or workspaces) are
checked after each file, so `flexlake validate` and the DAG factory refuse the same things.
"""

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flexlake.tenant_config.boundaries import overlap_problems
from flexlake.tenant_config.errors import TenantConfigError, describe_validation_error, redact, shown
from flexlake.tenant_config.overlay import overlay_problems
from flexlake.tenant_config.paths import PathProblem, confined_duckdb_path, confined_overlay_dir
from flexlake.tenant_config.safe_yaml import YamlProblem, read_yaml_mapping
from flexlake.tenant_config.schema import TenantConfig
from flexlake.tenant_config.warehouse_schema import IDENTIFIER_PATTERN

log = logging.getLogger(__name__)

TENANT_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class TenantLoadReport:
    """Every tenant file of a folder, split into the ones that become pipelines and the ones that cannot."""

    tenants: tuple[TenantConfig, ...]
    errors: tuple[TenantConfigError, ...]


def tenant_files(folder: Path) -> list[Path]:
    """Tenant files in sorted order; names starting with `_` or `.` are documentation, not tenants."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix in TENANT_FILE_SUFFIXES and not path.name.startswith(("_", ".")) and path.is_file()
    )


def load_tenant_config(path: Path) -> TenantConfig:
    """Parse and validate one tenant file; raise TenantConfigError (only) naming the file, the fields and fixes."""
    try:
        return _load(path)
    except TenantConfigError:
        raise
    except Exception as error:  # anything unforeseen in one file is that file's error, never the folder's
        # The message is redacted; the traceback (which could quote a value) only at debug level.
        log.error("unexpected failure reading tenant file %s: %s", path, redact(f"{type(error).__name__}: {error}"))
        log.debug("traceback of the failure reading %s", path, exc_info=True)
        raise TenantConfigError(
            path,
            [
                f"the file could not be checked ({type(error).__name__}: {shown(str(error))}); compare it with "
                "tenant_configs/_example.yaml and report this message if the file looks right"
            ],
        ) from None


def _load(path: Path) -> TenantConfig:
    try:
        data = read_yaml_mapping(path)
    except YamlProblem as problem:
        raise TenantConfigError(path, [str(problem)]) from None
    problems = _file_name_problems(path, data)
    try:
        config = TenantConfig.model_validate(data)
    except ValidationError as error:
        raise TenantConfigError(path, problems + describe_validation_error(error, TenantConfig)) from None
    if problems:
        raise TenantConfigError(path, problems)
    try:
        return _with_paths_confined(path, config)
    except PathProblem as problem:
        raise TenantConfigError(path, [str(problem)]) from None


def _file_name_problems(path: Path, data: dict[str, Any]) -> list[str]:
    """The stem must equal tenant_id (files named `_*.yaml` are documentation and name no tenant)."""
    tenant_id = data.get("tenant_id")
    if path.name.startswith("_") or not isinstance(tenant_id, str) or tenant_id == path.stem:
        return []
    fixes = []
    if re.fullmatch(IDENTIFIER_PATTERN, tenant_id):
        fixes.append(f"rename the file to {tenant_id}.yaml")
    if re.fullmatch(IDENTIFIER_PATTERN, path.stem):
        fixes.append(f"set tenant_id: {path.stem}")
    if not fixes:
        fixes.append(f"name the file <id>.yaml and set tenant_id: <id>, e.g. {_valid_id_like(path.stem)}")
    return [f"tenant_id: {shown(tenant_id)} must equal the file name ({shown(path.stem)}); {' or '.join(fixes)}"]


def _valid_id_like(text: str) -> str:
    """A tenant id close to `text` that matches IDENTIFIER_PATTERN (for a hint)."""
    candidate = re.sub(r"^[^a-z]+", "", re.sub(r"[^a-z0-9_]+", "_", text.lower()))[:40].rstrip("_")
    if not re.fullmatch(IDENTIFIER_PATTERN, candidate):
        candidate = f"tenant_{candidate}"[:40].rstrip("_")
    return candidate if re.fullmatch(IDENTIFIER_PATTERN, candidate) else "my_tenant"


def _with_paths_confined(path: Path, config: TenantConfig) -> TenantConfig:
    """Paths resolved and confined (tenant_config/paths.py); the config carries them absolute."""
    if config.warehouse.type == "duckdb" and config.warehouse.path:
        warehouse = config.warehouse.model_copy(update={"path": str(confined_duckdb_path(config.warehouse.path))})
        config = config.model_copy(update={"warehouse": warehouse})
    if config.dbt.overlay_project is None:
        return config
    folder = confined_overlay_dir(path, config.dbt.overlay_project)
    try:
        problems = overlay_problems(folder, config.dbt.overlay_project)
    except OSError as error:  # e.g. a 300-character folder name: ENAMETOOLONG
        problems = [f"dbt.overlay_project: the folder cannot be read ({error.strerror}); use a short relative path"]
    if problems:
        raise TenantConfigError(path, problems)
    dbt = config.dbt.model_copy(update={"overlay_project": str(folder)})
    return config.model_copy(update={"dbt": dbt})


def load_tenant_configs(folder: Path) -> TenantLoadReport:
    """Load every tenant file of a folder, then refuse what tenants share (boundaries.py); never raises."""
    try:
        paths = tenant_files(folder)
    except OSError as error:
        return TenantLoadReport(tenants=(), errors=(TenantConfigError(folder, [f"cannot list: {error.strerror}"]),))
    loaded: list[tuple[Path, TenantConfig]] = []
    errors: list[TenantConfigError] = []
    for path in paths:
        try:
            loaded.append((path, load_tenant_config(path)))
        except TenantConfigError as error:
            errors.append(error)
    tenants, folder_errors = check_tenants_together(loaded)
    return TenantLoadReport(tenants=tuple(config for _, config in tenants), errors=(*errors, *folder_errors))


def check_tenants_together(
    loaded: list[tuple[Path, TenantConfig]],
) -> tuple[list[tuple[Path, TenantConfig]], list[TenantConfigError]]:
    """Valid files that are also valid together; the others as errors.

    A repeated tenant_id is an error for every file but the first in sorted order (the first keeps its DAG);
    tenants sharing schemas, DuckDB folders, overlays or Airbyte workspaces are refused (boundaries.py says which).
    """
    unique: list[tuple[Path, TenantConfig]] = []
    errors: list[TenantConfigError] = []
    seen: dict[str, Path] = {}
    for path, config in loaded:
        if config.tenant_id in seen:
            errors.append(_duplicate_error(path, config.tenant_id, seen[config.tenant_id]))
            continue
        seen[config.tenant_id] = path
        unique.append((path, config))
    try:
        overlaps = overlap_problems(unique)
    except Exception as error:  # never let a folder check drop every tenant: report it on each file instead
        log.error("the folder-wide tenant checks failed: %s", redact(f"{type(error).__name__}: {error}"))
        overlaps = {path: [f"the folder-wide checks failed ({type(error).__name__})"] for path, _ in unique}
    errors.extend(TenantConfigError(path, overlaps[path]) for path, _ in unique if path in overlaps)
    return [(path, config) for path, config in unique if path not in overlaps], errors


def _duplicate_error(path: Path, tenant_id: str, first: Path) -> TenantConfigError:
    return TenantConfigError(
        path, [f"tenant_id: {tenant_id!r} is already used by {first.name}; tenant ids must be unique"]
    )
