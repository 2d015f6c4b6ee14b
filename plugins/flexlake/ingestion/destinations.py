"""Where a warehouse's raw location meets an ingestion engine: the one translation the DAG and the CLI share.

Warehouses and ingestion do not import each other (docs/architecture), so the warehouse's `RawLocation` is
read here through the fields it is known to have (a Protocol), and both the tenant DAG's ingestion tasks and
`flexlake airbyte plan|apply` call `raw_destination`: a new warehouse type is one branch, in one place.
"""

from pathlib import Path
from typing import Protocol

from flexlake.ingestion.base import (
    DuckDBDestination,
    IngestionError,
    PostgresDestination,
    RawDestination,
    ServerDestination,
)

# Warehouse types only an Airbyte server writes (no embedded engine destination for them).
SERVER_WAREHOUSE_TYPES = frozenset({"snowflake", "redshift", "sqlserver"})


class RawLocationFields(Protocol):
    """The fields of flexlake.warehouses.RawLocation an ingestion destination is built from."""

    @property
    def kind(self) -> str: ...
    @property
    def database(self) -> str: ...
    @property
    def schema(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def user(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def account(self) -> str | None: ...
    @property
    def warehouse(self) -> str | None: ...
    @property
    def role(self) -> str | None: ...


def raw_destination(location: RawLocationFields) -> RawDestination:
    """The ingestion destination of one source's raw location; IngestionError names what is missing."""
    if location.kind == "duckdb" and location.path:
        return DuckDBDestination(path=Path(location.path), schema=location.schema)
    if location.kind == "postgres" and location.host and location.user:
        return PostgresDestination(
            host=location.host,
            port=location.port or 5432,
            user=location.user,
            password=location.password or "",
            database=location.database,
            schema=location.schema,
        )
    if location.kind in SERVER_WAREHOUSE_TYPES and location.user:
        return ServerDestination(
            warehouse_type=location.kind,
            host=location.host or "",
            port=location.port,
            user=location.user,
            password=location.password or "",
            database=location.database,
            schema=location.schema,
            account=location.account,
            warehouse=location.warehouse,
            role=location.role,
        )
    raise IngestionError(
        f"no ingestion destination for a {location.kind} raw location (schema {location.schema}): "
        "the warehouse connection needs a host and a login (DuckDB: a path)"
    )
