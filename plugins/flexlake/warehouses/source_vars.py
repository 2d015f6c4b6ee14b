"""The dbt vars that tell the data product which source systems a tenant has and where their raw data is.

The same for every warehouse except for the database part of a location (DuckDB: the attach alias of
the source's raw file; server warehouses: the tenant's database), hence the callable.
"""

from collections.abc import Callable
from typing import Any

from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import raw_schema_name


def source_system_vars(tenant: TenantConfig, database_of: Callable[[str], str | None]) -> dict[str, Any]:
    """flexlake_source_systems (systems in file order, once each) and flexlake_raw_relations (per system, one
    {database, schema} per source: a tenant may sync two stores of the same system)."""
    relations: dict[str, list[dict[str, str | None]]] = {}
    for source in tenant.sources:
        location = {"database": database_of(source.name), "schema": raw_schema_name(tenant, source.name)}
        relations.setdefault(source.system, []).append(location)
    return {"flexlake_source_systems": list(relations), "flexlake_raw_relations": relations}
