"""Warehouses by the tenant config's `type`. Adding one = one new module + one registry line."""

from collections.abc import Iterable

from flexlake.raw_destination import RawDestination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import Warehouse, model_schema_name, raw_schema_name
from flexlake.warehouses.duckdb import DuckDBWarehouse
from flexlake.warehouses.postgres import PostgresWarehouse
from flexlake.warehouses.redshift import RedshiftWarehouse
from flexlake.warehouses.snowflake import SnowflakeWarehouse
from flexlake.warehouses.sqlserver import SQLServerWarehouse

_WAREHOUSES: dict[str, Warehouse] = {
    "duckdb": DuckDBWarehouse(),
    "postgres": PostgresWarehouse(),
    "snowflake": SnowflakeWarehouse(),
    "redshift": RedshiftWarehouse(),
    "sqlserver": SQLServerWarehouse(),
}


def get_warehouse(warehouse_type: str) -> Warehouse:
    try:
        return _WAREHOUSES[warehouse_type]
    except KeyError:
        known = ", ".join(sorted(_WAREHOUSES))
        raise ValueError(f"no warehouse implementation for type {warehouse_type!r}; available: {known}") from None


def raw_destinations(tenant: TenantConfig, source_names: Iterable[str]) -> dict[str, RawDestination]:
    """Where each named source's raw tables land, resolved now (it reads the warehouse's Airflow connection).

    The tenant DAG's airbyte_provision task and `flexlake airbyte plan|apply` both call this, so they agree."""
    warehouse = get_warehouse(tenant.warehouse.type)
    return {name: warehouse.raw_location(tenant, name) for name in source_names}


__all__ = [
    "Warehouse",
    "get_warehouse",
    "model_schema_name",
    "raw_destinations",
    "raw_schema_name",
]
