"""Read tenant files: one bad file is reported, never allowed to take the others down."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flexlake.tenant_config.errors import TenantConfigError, describe_validation_error
from flexlake.tenant_config.overlay import overlay_dir, overlay_problems
from flexlake.tenant_config.schema import TenantConfig

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
    """Parse and validate one tenant file; raise TenantConfigError naming the file, the fields and fixes."""
    data = _read_yaml(path)
    try:
        config = TenantConfig.model_validate(data)
    except ValidationError as error:
        raise TenantConfigError(path, describe_validation_error(error, TenantConfig)) from None
    # Files named `_*.yaml` are documentation (the example): they validate, but name no tenant.
    if config.tenant_id != path.stem and not path.name.startswith("_"):
        raise TenantConfigError(
            path,
            [
                f"tenant_id: {config.tenant_id!r} must equal the file name; rename the file to {config.tenant_id}.yaml "
                f"or set tenant_id: {path.stem}"
            ],
        )
    return _with_overlay_checked(path, config)


def _with_overlay_checked(path: Path, config: TenantConfig) -> TenantConfig:
    """The overlay folder must be a dbt project on the product; the config carries its absolute path."""
    if config.dbt.overlay_project is None:
        return config
    folder = overlay_dir(path, config.dbt.overlay_project)
    problems = overlay_problems(folder, config.dbt.overlay_project)
    if problems:
        raise TenantConfigError(path, problems)
    dbt = config.dbt.model_copy(update={"overlay_project": str(folder)})
    return config.model_copy(update={"dbt": dbt})


def load_tenant_configs(folder: Path) -> TenantLoadReport:
    """Load every tenant file of a folder; duplicates of an id are errors for every file but the first."""
    tenants: list[TenantConfig] = []
    errors: list[TenantConfigError] = []
    seen: dict[str, Path] = {}
    for path in tenant_files(folder):
        try:
            config = load_tenant_config(path)
        except TenantConfigError as error:
            errors.append(error)
            continue
        if config.tenant_id in seen:
            errors.append(_duplicate_error(path, config.tenant_id, seen[config.tenant_id]))
            continue
        seen[config.tenant_id] = path
        tenants.append(config)
    return TenantLoadReport(tenants=tuple(tenants), errors=tuple(errors))


def _duplicate_error(path: Path, tenant_id: str, first: Path) -> TenantConfigError:
    return TenantConfigError(
        path, [f"tenant_id: {tenant_id!r} is already used by {first.name}; tenant ids must be unique"]
    )


# libyaml's parser when PyYAML has it (5x faster: the DAG file reads every tenant file at each parse).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """PyYAML keeps the last of two equal keys silently; in a tenant file that hides a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice; keep one", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TenantConfigError(path, [f"cannot read the file: {error.strerror}"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TenantConfigError(path, [f"not valid YAML{where}: {problem}"]) from None
    if not isinstance(data, dict):
        raise TenantConfigError(
            path, ["the file must be a YAML mapping (key: value), see tenant_configs/_example.yaml"]
        )
    return data
