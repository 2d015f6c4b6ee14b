"""Checks over a folder of tenants: no two tenants may share what isolates them.

Each tenant claims its schemas on a warehouse (same type, connection and database = the same warehouse), its
DuckDB folder, its overlay project and its Airbyte workspace. Two tenants claiming the same thing are BOTH
refused, naming each other: provisioning one would take over the other's schemas (ownership, grants to its
reader), and no order of files can say which of the two is the rightful owner. The operator renames one;
`flexlake validate` in CI catches it before the file is merged.
"""

from collections import defaultdict
from pathlib import Path

from flexlake import settings
from flexlake.tenant_config.derived_names import schema_names
from flexlake.tenant_config.schema import TenantConfig

Claim = tuple[str, ...]


def overlap_problems(tenants: list[tuple[Path, TenantConfig]]) -> dict[Path, list[str]]:
    """Per tenant file that shares a claim with another, one line per shared claim naming the other file."""
    owners: dict[Claim, list[Path]] = defaultdict(list)
    described: dict[Claim, str] = {}
    for path, tenant in tenants:
        for claim, description in _claims(tenant):
            if path not in owners[claim]:
                owners[claim].append(path)
            described[claim] = description
    problems: dict[Path, list[str]] = defaultdict(list)
    for claim, paths in owners.items():
        for path in paths if len(paths) > 1 else ():
            others = ", ".join(other.name for other in paths if other != path)
            problems[path].append(
                f"{described[claim]} is also used by {others}; tenants must not share it: change "
                f"{_field_to_change(claim)} in one of the files (both are refused until then)"
            )
    return dict(problems)


def _claims(tenant: TenantConfig) -> list[tuple[Claim, str]]:
    claims: list[tuple[Claim, str]] = []
    warehouse = tenant.warehouse
    if warehouse.type == "duckdb":
        file = Path(warehouse.path) if warehouse.path else settings.DATA_DIR / tenant.tenant_id / "warehouse.duckdb"
        folder = str(file.parent)
        claims.append((("duckdb", folder), f"warehouse: the DuckDB folder {folder}"))
    else:
        where = (warehouse.type, warehouse.connection_id, warehouse.database)
        for schema in schema_names(tenant.schema_prefix, tuple(source.name for source in tenant.sources)):
            claims.append(
                (
                    ("schema", *where, schema.lower()),
                    f"warehouse: schema {schema} ({warehouse.type} connection {warehouse.connection_id}, "
                    f"database {warehouse.database})",
                )
            )
    if tenant.dbt.overlay_project:
        claims.append((("overlay", tenant.dbt.overlay_project), f"dbt.overlay_project {tenant.dbt.overlay_project}"))
    if tenant.airbyte is not None:
        workspace = tenant.airbyte.workspace or f"flexlake-{tenant.tenant_id}"
        claims.append(
            (
                ("airbyte", tenant.airbyte.connection_id, workspace.lower()),
                f"airbyte.workspace {workspace!r} on connection {tenant.airbyte.connection_id}",
            )
        )
    return claims


def _field_to_change(claim: Claim) -> str:
    return {
        "duckdb": "warehouse.path",
        "schema": "warehouse.schema_prefix (default: the tenant_id) or a source name",
        "overlay": "dbt.overlay_project",
        "airbyte": "airbyte.workspace",
    }[claim[0]]
