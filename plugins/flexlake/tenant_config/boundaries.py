"""Checks over a folder of tenants: no two tenants may share what isolates them.

Each tenant claims its schemas on a warehouse (same type, connection and database = the same warehouse), its
DuckDB folder, its overlay project and its Airbyte workspace. Provisioning a second claimant would take over the
first one's schemas (ownership, grants to its reader), so a shared claim is refused.

Who is refused: a tenant holds a claim *by default* when it comes from its own tenant_id (no schema_prefix, no
DuckDB path, no workspace set; the overlay in overlays/<tenant_id>). When exactly one claimant holds it by
default, the others borrowed it by a setting: only they are refused, and the tenant that was there keeps its
DAG: a careless new file never stops another tenant's pipeline. When no claimant or several hold it by default
(tenant `acme` with a source named `marts` and tenant `acme_raw` both derive acme_raw_marts), no file says who
is right: all of them are refused until one is renamed. `flexlake validate` in CI fails either way, with each
refused file naming the other.
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from flexlake import settings
from flexlake.tenant_config.derived_names import schema_names
from flexlake.tenant_config.schema import TenantConfig

_FIELD_TO_CHANGE = {
    "duckdb": "warehouse.path",
    "schema": "warehouse.schema_prefix (default: the tenant_id) or a source name",
    "overlay": "dbt.overlay_project",
    "airbyte": "airbyte.workspace",
}


@dataclass(frozen=True)
class _Claim:
    """One thing a tenant needs for itself: `key` identifies it across tenants; `label`, `item` and `place`
    describe it ("warehouse: schema" "acme_marts" "(postgres connection x, database y)")."""

    key: tuple[str, ...]
    label: str
    item: str
    place: str
    by_default: bool


def overlap_problems(tenants: list[tuple[Path, TenantConfig]]) -> dict[Path, list[str]]:
    """Per refused tenant file, one line per kind of shared claim, naming the other files and the fix."""
    holders: dict[tuple[str, ...], list[tuple[Path, _Claim]]] = defaultdict(list)
    for path, tenant in tenants:
        for claim in _claims(tenant):
            if all(path != held for held, _ in holders[claim.key]):
                holders[claim.key].append((path, claim))
    shared: dict[tuple[Path, str, str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    for claimants in holders.values():
        for path, claim in _refused(claimants):
            others = tuple(other.name for other, _ in claimants if other != path)
            shared[(path, claim.key[0], claim.label, claim.place, others)].append(claim.item)
    problems: dict[Path, list[str]] = defaultdict(list)
    for (path, kind, label, place, others), items in shared.items():
        several = len(items) > 1
        problems[path].append(
            f"{label}{'s' if several else ''} {', '.join(items)}{place} {'are' if several else 'is'} also used by "
            f"{', '.join(others)}; tenants must not share it: change {_FIELD_TO_CHANGE[kind]} in this file"
        )
    return dict(problems)


def _refused(claimants: list[tuple[Path, _Claim]]) -> list[tuple[Path, _Claim]]:
    """The claimants that must give the claim up: all but a sole default holder, or all of them."""
    if len(claimants) < 2:
        return []
    by_default = [path for path, claim in claimants if claim.by_default]
    keeper = by_default[0] if len(by_default) == 1 else None
    return [(path, claim) for path, claim in claimants if path != keeper]


def _claims(tenant: TenantConfig) -> list[_Claim]:
    claims = _warehouse_claims(tenant)
    overlay = tenant.dbt.overlay_project
    if overlay:
        by_default = Path(overlay).name == tenant.tenant_id
        claims.append(_Claim(("overlay", overlay), "dbt.overlay_project", overlay, "", by_default))
    if tenant.airbyte is not None:
        workspace = tenant.airbyte.workspace or f"flexlake-{tenant.tenant_id}"
        key = ("airbyte", tenant.airbyte.connection_id, workspace.lower())
        place = f" on connection {tenant.airbyte.connection_id}"
        claims.append(_Claim(key, "airbyte.workspace", repr(workspace), place, tenant.airbyte.workspace is None))
    return claims


def _warehouse_claims(tenant: TenantConfig) -> list[_Claim]:
    warehouse = tenant.warehouse
    if warehouse.type == "duckdb":
        file = Path(warehouse.path) if warehouse.path else settings.DATA_DIR / tenant.tenant_id / "warehouse.duckdb"
        folder = str(file.parent)
        return [_Claim(("duckdb", folder), "warehouse: the DuckDB folder", folder, "", warehouse.path is None)]
    where = (warehouse.type, warehouse.connection_id, warehouse.database)
    place = f" ({warehouse.type} connection {warehouse.connection_id}, database {warehouse.database})"
    by_default = warehouse.schema_prefix is None
    return [
        _Claim(("schema", *where, schema.lower()), "warehouse: schema", schema, place, by_default)
        for schema in schema_names(tenant.schema_prefix, tuple(source.name for source in tenant.sources))
    ]
