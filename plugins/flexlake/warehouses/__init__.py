"""Warehouses by the tenant config's `type`. Adding one = one new module + one registry line."""

from flexlake.warehouses.base import RawLocation, Warehouse, model_schema_name, raw_schema_name
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


__all__ = ["RawLocation", "Warehouse", "get_warehouse", "model_schema_name", "raw_schema_name"]
