"""The `warehouse:` block of a tenant file: where the tenant's data lives, one model per warehouse type.

Which ingestion engine can write into which warehouse is decided here too, so a combination that cannot
run is rejected when the file is validated, with the reason and the alternative, not hours later in a task.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from flexlake.tenant_config.errors import PATTERN_EXPLANATIONS

# Identifiers that end up in DAG ids, schema names and file paths: lower-case, no dots, no slashes.
IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
CONNECTION_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,250}$"
# An ODBC driver's name goes into the ODBC connection string: no `;`, `{`, `}` or `=` that could add keys.
ODBC_DRIVER_PATTERN = r"^[A-Za-z0-9 .()-]{1,120}$"
PATTERN_EXPLANATIONS[IDENTIFIER_PATTERN] = (
    "must be lower-case letters, digits and underscores, starting with a letter, 2-40 characters "
    "(it is used in DAG ids, schema names and paths)"
)
PATTERN_EXPLANATIONS[CONNECTION_ID_PATTERN] = (
    "must be the id of an Airflow connection (letters, digits, '_', '.', '-'), not a URI or credentials: "
    "put host, user and password in the connection"
)
PATTERN_EXPLANATIONS[ODBC_DRIVER_PATTERN] = (
    "must be an installed ODBC driver's name: letters, digits, spaces, dots, dashes and parentheses only, "
    "e.g. 'ODBC Driver 18 for SQL Server'"
)

# Warehouses that reserve schema names starting with pg_.
POSTGRES_FAMILY = frozenset({"postgres", "redshift"})

# Where each ingestion engine can write raw data. The embedded engine is PyAirbyte inside the task: its
# caches write DuckDB and PostgreSQL (flexlake.ingestion.pyairbyte_runner); PyAirbyte has no Redshift or
# SQL Server cache, and its Snowflake cache is not wired into this release. An Airbyte server has a
# destination connector for all five.
ENGINE_WAREHOUSES: dict[str, frozenset[str]] = {
    "embedded": frozenset({"duckdb", "postgres"}),
    "airbyte": frozenset({"duckdb", "postgres", "snowflake", "redshift", "sqlserver"}),
    "dlt": frozenset({"duckdb", "postgres"}),  # flexlake.ingestion.embedded_dlt: its venv installs these two
}


class StrictModel(BaseModel):
    """Every model of a tenant file: unknown keys are typos (rejected), a config is a value (frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DuckDBWarehouse(StrictModel):
    """The embedded default: one DuckDB file per tenant under the data directory, no server."""

    type: Literal["duckdb"]
    path: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="DuckDB file of the tenant's warehouse, under FLEXLAKE_DATA_DIR (relative paths are relative "
        "to it) or a root in FLEXLAKE_ALLOWED_PATH_ROOTS; its folder is the tenant's alone. "
        "Default: <FLEXLAKE_DATA_DIR>/<tenant_id>/warehouse.duckdb",
    )


class _ServerWarehouse(StrictModel):
    connection_id: str = Field(
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection id holding host, port, user and password. Secrets live only there.",
    )
    database: str = Field(pattern=IDENTIFIER_PATTERN, description="Database the tenant's schemas live in.")
    schema_prefix: str | None = Field(
        default=None,
        pattern=IDENTIFIER_PATTERN,
        description="Prefix of the tenant's schemas (<prefix>_raw_<source>, <prefix>_marts, ...). Default: tenant_id.",
    )


class PostgresWarehouse(_ServerWarehouse):
    type: Literal["postgres"]


class SnowflakeWarehouse(_ServerWarehouse):
    """Snowflake: connection type snowflake (extras: account; the warehouse is provisioned per tenant)."""

    type: Literal["snowflake"]
    reader_access: Literal["role", "reader_account"] = Field(
        default="role",
        description="role: a read-only user and role in the tenant's account. reader_account: a managed reader "
        "account that sees the marts through a share (for a customer without a Snowflake account of its own).",
    )
    revenue_marts: Literal["incremental", "dynamic_table"] = Field(
        default="incremental",
        description="How mart_revenue_daily and mart_revenue_daily_by_channel are kept. incremental: dbt recomputes "
        "the changed days on each run. dynamic_table: Snowflake dynamic tables on the tenant's warehouse, refreshed "
        "by every run and at most the tier's target lag behind their facts (docs/warehouses.md, 'Dynamic tables'). "
        "Switching back to incremental needs one run with full_refresh.",
    )


class RedshiftWarehouse(_ServerWarehouse):
    """Amazon Redshift (provisioned or serverless): connection type redshift."""

    type: Literal["redshift"]


class SQLServerWarehouse(_ServerWarehouse):
    """SQL Server: a generic connection (host, port, login, password; extras may name the ODBC driver)."""

    type: Literal["sqlserver"]
    odbc_driver: str = Field(
        default="ODBC Driver 18 for SQL Server",
        pattern=ODBC_DRIVER_PATTERN,
        description="The ODBC driver dbt-sqlserver connects with (installed in the image).",
    )


WarehouseConfig = Annotated[
    DuckDBWarehouse | PostgresWarehouse | SnowflakeWarehouse | RedshiftWarehouse | SQLServerWarehouse,
    Field(discriminator="type"),
]
