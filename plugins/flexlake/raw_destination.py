"""Where one source's raw tables land: the one shape a warehouse produces and an ingestion engine consumes.

It sits at the package's top level, beside settings.py, because both sides use it and neither may own it: a
warehouse (flexlake.warehouses) builds one from the tenant config and its Airflow connection when a task
runs; an engine (flexlake.ingestion) writes into it. Putting it in either package would make the other import
that package: warehouses pull Cosmos in, and ingestion has no business knowing warehouses. Nothing here
imports flexlake, so no translation between two shapes is ever needed again.

A destination names its `warehouse_type`; DuckDB and PostgreSQL have their own shapes (the embedded engines
write both), the three server warehouses share `ServerDestination` (only an Airbyte server writes them).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


class RawDestinationError(ValueError):
    """A warehouse connection lacks what a destination needs; the message names the connection and the fix."""


@dataclass(frozen=True)
class DuckDBDestination:
    """Raw data of one source in its own DuckDB file, so that parallel syncs never share a file lock."""

    path: Path
    schema: str
    warehouse_type: Literal["duckdb"] = "duckdb"


@dataclass(frozen=True)
class PostgresDestination:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    schema: str
    warehouse_type: Literal["postgres"] = "postgres"


@dataclass(frozen=True)
class ServerDestination:
    """A Snowflake, Redshift or SQL Server schema (only an Airbyte server writes these)."""

    warehouse_type: str
    host: str
    port: int | None
    user: str
    password: str = field(repr=False)
    database: str
    schema: str
    # Snowflake only: the account's host is <account>.snowflakecomputing.com; loads use this warehouse and role.
    account: str | None = None
    warehouse: str | None = None
    role: str | None = None


RawDestination = DuckDBDestination | PostgresDestination | ServerDestination


def connection_field(value: str | None, connection_id: str, name: str) -> str:
    """A field of the warehouse's Airflow connection a destination cannot do without (host, login).

    Raised when the task resolves the destination, before any engine starts, naming what to set where."""
    if not value:
        raise RawDestinationError(
            f"the Airflow connection {connection_id!r} of the tenant's warehouse has no {name}: "
            f"set its {name} (raw data is loaded as that connection)"
        )
    return value
